"""Panels on a person's staff page contributed by slices above contacts.

A person's page shows their consent ledger, permissions and messages, which the consent and
messaging slices keep; contacts stands below both and does not import them. Each of those slices
offers a ``PersonPanel``: given the person and the purpose the page is read under, it returns the
template values it adds (and audits its own reads). The assembly (``kluis.app``) lists the
panels, in the order the page reads them, on ``app.state.person_panels``; a page rendered without
them shows the person alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from kluis.auth.sessions import Session
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis

PANEL_ROLES = ("admin", "privacy_officer", "marketing", "sales", "service")
"""The roles shown a person's consent and message panels."""


class PersonPanel(Protocol):
    def __call__(
        self, k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
    ) -> Mapping[str, Any]: ...


EMPTY: Mapping[str, Any] = {
    "ledger": None,
    "permissions": None,
    "messages": [],
    "notices": {},
    "evidence_types": {},
    "topics": {},
    "timeline": [],
    "activity_form": None,
}
"""What the person page's template reads of the panels when none adds it."""
