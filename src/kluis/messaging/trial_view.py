"""What the campaign page shows of a campaign before it goes: its rendering for the person the
staff member chose (read under the working purpose, audited) or for sample values, and what a
test send to oneself needs (``trial_send``). Any refusal of the read is shown in the section,
not as an error page: the rest of the campaign page stays usable."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from kluis.auth import sessions
from kluis.contacts import tags
from kluis.errors import KluisError, NotFound
from kluis.messaging import campaigns, trial, trial_send
from kluis.purposes.rules import Purpose
from kluis.purposes.service import get_purpose
from kluis.purposes.shell import working_purpose
from kluis.runtime import Kluis
from kluis.ui import staff

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def person_id_of(text: str | None) -> str | None:
    """The person id in what was typed: the id itself or the address of the person's page."""
    if not text or not text.strip():
        return None
    found = UUID.search(text)
    return found.group(0).lower() if found else text.strip()


NEEDS = {
    "sms": "user.contact.phone_number",
    "whatsapp": "user.contact.phone_number",
    "phone": "user.contact.phone_number",
    "post": "user.contact.address",
}
"""The data category each channel's address is, which the deciding purpose must use."""


def unreadable(k: Kluis, channel: str) -> list[Purpose]:
    """The marketing purposes (consent and soft opt-in) that may not read the channel's address:
    nobody reached under them can get the campaign. The default catalogue's marketing purposes
    use names and e-mail addresses only (data minimisation, Art. 5(1)(c)); the campaign page
    says so before anything is sent, instead of a run of "no phone number" failures."""
    category = NEEDS.get(channel)
    if category is None:
        return []
    found = []
    for key in dict.fromkeys((k.settings.marketing_purpose, k.settings.soft_opt_in_purpose)):
        try:
            purpose = get_purpose(k.engine, key)
        except NotFound:
            continue
        if category not in purpose.data_categories:
            found.append(purpose)
    return found


def tag_names(k: Kluis, language: str) -> dict[str, str]:
    """Each tag's label in ``language``, by key."""
    return {t.key: t.label(language) for t in tags.list_tags(k.engine)}


def shown(
    k: Kluis,
    session: sessions.Session,
    view: campaigns.CampaignView,
    person: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The preview section's values."""
    purpose = working_purpose(k, session)
    person_id = person_id_of(person)
    found: trial.PersonPreview | None = None
    error = None
    try:
        if person_id is None:
            found = trial.sample(k, session.actor, view.id, session.language)
        elif purpose is None:
            error = staff.gettext(
                session.language, "Choose the purpose you work for: the person is read under it."
            )
        else:
            found = trial.preview_for(k, session.actor, view.id, person_id, purpose.key, now)
    except KluisError as exc:
        error = staff.error_text(session.language, exc)
    phone = None
    if view.channel in ("sms", "whatsapp"):
        phone = trial_send.phone_of(k, session.actor)
    return {
        "person": person or "",
        "person_id": person_id if found is not None else None,
        "purpose": purpose,
        "preview": found,
        "error": error,
        "can_test": view.channel in trial_send.SENDING,
        "phone": phone,
        "unreadable": unreadable(k, view.channel),
    }
