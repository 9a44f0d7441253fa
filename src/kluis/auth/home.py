"""Sections of the staff home page contributed by the slices.

The home page after sign-in shows what the signed-in user has to do and see (their tasks, their
recent and upcoming activities, privacy requests near their deadline, compliance findings,
counts under their purposes), each kept by another slice, most of them above ``auth``. Each slice
offers a ``HomePanel`` (``Slice(home_panels=...)``): given the session it returns a
``HomeSection`` (the template it adds and its values), or None when it has nothing for this user
or their role; it reads through its own services, so its reads are purpose-bound and audited like
any other. The assembly lists the panels on ``app.state.home_panels`` in registry order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from kluis.auth.sessions import Session
from kluis.runtime import Kluis


@dataclass(frozen=True)
class HomeSection:
    key: str
    """A stable name for the section (``tasks``, ``activities``, ``requests``...), its anchor."""
    title: str
    """The heading, an English msgid the page translates."""
    template: str
    """The section's template, ``staff/home/_<key>.html``, included by the home page; it reads
    its values as ``section.values``."""
    values: Mapping[str, Any] = field(default_factory=dict)


class HomePanel(Protocol):
    def __call__(self, k: Kluis, session: Session, now: datetime) -> HomeSection | None: ...
