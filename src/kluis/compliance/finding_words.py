"""A finding's detail on a staff page, in the reader's language: its ``said`` msgid filled with
its ``said_values``, each value said as a reader reads it (a moment as a date in the
organisation's time zone, a request type, status or role by its word, a key or a setting as
code), so a Dutch page never shows ``message``, the English the API and ``kluis check`` keep
(Art. 12(1), 5(2): the controller must be able to read what to fix). Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from markupsafe import Markup, escape

from kluis.compliance.rules import Finding
from kluis.locale.formats import say_when

WORDS = ("type", "status", "role")
"""Values that are a vocabulary word (``access``, ``in_progress``, ``privacy_officer``)."""

CODES = ("purpose", "settings", "folder", "url", "topics", "language")
"""Values that are a key, a setting's name, a path or an address: shown as code."""

_COMMAND = re.compile(r"`([^`]+)`")


def detail(f: Finding, gettext: Callable[[str], str], language: str, zone: str) -> Markup | None:
    """The finding's detail sentence, or None for a finding without ``said`` (then the page
    shows its title and fix alone)."""
    if not f.said:
        return None
    values: dict[str, object] = {}
    for name, value in f.said_values.items():
        if isinstance(value, date):
            values[name] = say_when(value, language, zone)
        elif name in WORDS:
            values[name] = gettext(str(value))
        elif name in CODES:
            values[name] = Markup("<code>{}</code>").format(value)
        else:
            values[name] = value
    return escape(gettext(f.said)) % values


def commands(f: Finding) -> list[str]:
    """The command lines the finding's English fix names (``kluis purposes change …``): shown
    as code on a page, which is the same in every language."""
    return _COMMAND.findall(f.fix)
