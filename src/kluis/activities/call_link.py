"""A reached call of a call list is a contact moment: logged as a ``call`` activity on the
person's timeline (issue 20, session 8).

Messaging and activities stand on the same floor and may not import each other, so messaging
hands the moment to ``contacts.hooks.contact_moment`` (floor 8) and this module, registered by
the activities slice's on-open hook, logs it through ``service.log``: about the call's person,
under the purpose the call decided and read the number under, sealed with the person's key,
checked and audited (``activity.logged``) like any activity. The subject is the campaign's name
and the outcome (business words; the call list keeps no note)."""

from __future__ import annotations

from datetime import datetime

from kluis.activities import rules, service
from kluis.actors import Actor
from kluis.contacts import hooks
from kluis.runtime import Kluis

OUTCOME_WORDS = {
    "reached": "bereikt / reached",
    "not_interested": "geen interesse / not interested",
    "opt_out": "afgemeld / opted out",
}
"""How the outcome reads in the activity's subject, in both staff languages: the activity is
stored once, read by staff of either language."""


def log_moment(k: Kluis, actor: Actor, moment: hooks.ContactMoment, now: datetime) -> str:
    """The new activity's id."""
    words = OUTCOME_WORDS.get(moment.outcome, moment.outcome)
    draft = rules.Draft(
        type=rules.ActivityType.CALL.value,
        subject=f"{moment.subject}: {words}"[: rules.SUBJECT_MAX],
        occurred_at=moment.at,
    )
    return service.log(k, actor, moment.person_id, moment.purpose_key, draft, now)
