"""The one i18n mechanism: gettext catalogues per domain, the reader's language, and dates,
moments and durations said in that language.

A domain is a folder of .po files, ``locale/<domain>/<lang>/LC_MESSAGES/<domain>.po``, compiled
when first used (no build step, so an edited catalogue is read as it is). The staff pages keep
their catalogue in the staff shell; the public pages (``public``), the compliance documents
(``documents``) and the shared words of this package (``common``) have theirs here. The public
and document domains name their messages by key (``signup_title``) with English in ``en`` and
Dutch in ``nl``, so a long legal sentence can change in English without breaking the Dutch.

Floor 0: imports only Python, Babel and nothing else of Kluis.
"""

from __future__ import annotations

LANGUAGES = ("nl", "en")
DEFAULT = "nl"


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


def from_accept_language(header: str | None) -> str | None:
    """The supported language the ``Accept-Language`` header prefers most (RFC 9110 12.5.4)."""
    if not header:
        return None
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-", 1)[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        candidate = (-quality, position, primary)
        if best is None or candidate < best:
            best = candidate
    return None if best is None else best[2]


def choose(person_language: str | None, query: str | None, accept_language: str | None) -> str:
    """The page's language: the person's own when a link names them, else ``?lang=``, else the
    browser's ``Accept-Language``, else Dutch."""
    for candidate in (person_language, query, from_accept_language(accept_language)):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT
