"""Staff web pages of people: the list with search and filters, and a person's page; adding,
editing and erasing a person are in ``person_forms``, whose router this one includes. Thin: each
reads through the contacts services under the purpose the user works under, so a page shows
exactly the fields that purpose may use (a marketer never sees a birth date) and every read is
audited. Searches are POSTed so that what was searched for never lands in an address or a log.

A person's page also shows what the slices above contacts keep about them (their consent and
messages): those slices contribute it as panels (``contacts.panels``), listed by the app, and
its timeline merges each slice's entries (``contacts.timeline``), reusing what the panels read
already (the ledger and the messages are read, and audited, once per page).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kluis.actors import ALL_PURPOSES_ROLES, ERASE_ROLES
from kluis.api import KluisDep, NowDep
from kluis.auth import colleagues, sessions
from kluis.auth import service as users
from kluis.auth.shell import SessionDep
from kluis.contacts import (
    companies,
    list_pages,
    people,
    person_forms,
    selection_pages,
    timeline,
)
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.contacts.page_parts import (
    FIELD_LABELS,
    needs_purpose,
)
from kluis.contacts.panels import EMPTY
from kluis.purposes.service import list_purposes
from kluis.purposes.shell import working_purpose
from kluis.ui import staff
from kluis.ui.staff import PREFIX

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

router.routes.extend(list_pages.router.routes)
router.routes.extend(selection_pages.router.routes)
# the forms' routes go before the person's page: /contacts/new is not a person id
router.routes.extend(person_forms.router.routes)


@router.get("/contacts/{person_id}")
def person_page(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    person = people.read_person(k, session.actor, person_id, purpose.key, now)
    catalogue = {p.key: p for p in list_purposes(k.engine)}
    company = None
    if person.company_id is not None:
        company = companies.get_company(k, person.company_id)
    staff_users = list_pages.staff_choices(k, session)
    shown: dict[str, Any] = {}
    for panel in getattr(request.app.state, "person_panels", ()):
        shown.update(panel(k, session, person_id, purpose, now))
    sources = getattr(request.app.state, "timeline_sources", ())
    panels = {**EMPTY, **shown}
    panels["timeline"] = timeline.merged(sources, k, session, person_id, purpose, now, shown=shown)
    return staff.render(
        k,
        request,
        "staff/person.html",
        session,
        " ".join(str(person.fields.get(n, "")) for n in ("given_name", "family_name")).strip()
        or staff.gettext(session.language, "Person"),
        person=person,
        catalogue=catalogue,
        company=company,
        labels=FIELD_LABELS,
        fields=[f.name for f in PERSONAL_FIELDS if f.name in person.fields],
        may_open_evidence=session.role in ALL_PURPOSES_ROLES,
        may_erase=session.role in ERASE_ROLES,
        **panels,
        captured_by=_staff_names(k, session),
        staff_users=staff_users,
        owner=next(
            (
                u
                for u in colleagues.colleagues(
                    k.engine, session.role, session.language, active_only=False
                )
                if u.id == person.owner_id
            ),
            None,
        ),
    )


def _staff_names(k: KluisDep, session: sessions.Session) -> dict[str, str]:
    """Who captured a consent, by e-mail address, for admins and privacy officers, who answer
    for it (Art. 7(1)); other roles see the opaque ``user:N``, as the ledger keeps it."""
    if session.role not in ALL_PURPOSES_ROLES:
        return {}
    return {f"user:{u.id}": u.email for u in users.list_users(k.engine)}
