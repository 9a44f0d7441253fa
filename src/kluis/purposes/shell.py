"""The purposes a staff user may work under, and the one chosen in the header: what the staff
layout shows around every page (``layout``, installed by the assembly as ``app.state.layout``)
and what the pages read under."""

from __future__ import annotations

from typing import Any

from kluis.actors import holds_purpose
from kluis.purposes.rules import Purpose
from kluis.purposes.service import list_purposes
from kluis.runtime import Kluis
from kluis.ui.staff import StaffSession


def usable_purposes(k: Kluis, session: StaffSession) -> list[Purpose]:
    """The purposes the user's role holds, in catalogue order."""
    return [
        p
        for p in list_purposes(k.engine)
        if not p.covers_everyone and holds_purpose(session.role, p.roles)
    ] + [
        p
        for p in list_purposes(k.engine)
        if p.covers_everyone and holds_purpose(session.role, p.roles)
    ]


def working_purpose(k: Kluis, session: StaffSession) -> Purpose | None:
    """The purpose chosen in the header, if the role still holds it."""
    for purpose in usable_purposes(k, session):
        if purpose.key == session.purpose:
            return purpose
    return None


def layout(k: Kluis, session: StaffSession) -> dict[str, Any]:
    """The staff layout's purpose picker: the purposes to choose from and the one worked under."""
    return {"purposes": usable_purposes(k, session), "purpose": working_purpose(k, session)}
