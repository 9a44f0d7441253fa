"""The preference centre behind a signed link: every channel and topic with its state, and what a
person changes there, recorded as done by the person themselves.

A box is ticked only where consent is live. Unticking a ticked box withdraws (Art. 7(3)); ticking
an unticked one grants with method ``web_form``, citing the notice shown next to that box (the
newest one in the page's language asking for that channel and topic) and the request's IP
address and user agent (Art. 7(1)). A box without such a notice cannot be ticked. A customer
who gets commercial e-mail under the soft opt-in can stop it per topic. A ``Sec-GPC: 1``
header, and the "stop all marketing" button, record an objection to direct marketing
(Art. 21(2)-(3)).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from kluis.actors import PERSON
from kluis.consent import catalogue, decisions, grant_rules
from kluis.consent import ledger as consent
from kluis.consent import rules as consent_rules
from kluis.consent.rules import Basis
from kluis.contacts import flags as contacts_flags
from kluis.contacts import repository as contacts_repository
from kluis.contacts.tables import people
from kluis.runtime import Kluis

"""The person acting on their own preferences through a signed link."""


def key(channel: str, topic: str) -> str:
    """The form field name of a channel and topic."""
    return f"{channel}.{topic}"


@dataclass(frozen=True)
class Choice:
    channel: str
    topic: str
    status: str | None
    since: datetime | None
    live: bool
    soft_opt_in: bool
    """Commercial messages go under the customer exception, without consent; can be stopped."""

    @property
    def key(self) -> str:
        return key(self.channel, self.topic)


@dataclass(frozen=True)
class Preferences:
    person_id: str
    objected: bool
    choices: list[Choice]


@dataclass
class Outcome:
    granted: list[tuple[str, str]] = field(default_factory=list)
    withdrawn: list[tuple[str, str]] = field(default_factory=list)
    objection_recorded: bool = False


def language_of(k: Kluis, person_id: str) -> str | None:
    """The person's preferred language (not a sealed field), or None when they are not there."""
    with k.engine.connect() as conn:
        found = conn.execute(
            select(people.c.language).where(people.c.id == person_id)
        ).scalar_one_or_none()
    return None if found is None else str(found)


def load(k: Kluis, person_id: str, now: datetime) -> Preferences:
    """Every channel and topic with its state; NotFound or PersonErased when the person is not
    there."""
    views = decisions.own_permissions(k, person_id, now)
    with k.engine.connect() as conn:
        objected, _restricted = contacts_repository.flags(conn, person_id)
    choices = [
        Choice(
            v.channel,
            v.topic,
            v.status,
            v.since,
            live=v.status is not None
            and consent_rules.live(
                consent_rules.Permission(
                    consent_rules.Status(v.status), 0, v.since or now, v.reconfirm_by
                ),
                now,
            ),
            soft_opt_in=v.decision.basis is Basis.SOFT_OPT_IN,
        )
        for v in views
    ]
    return Preferences(person_id, objected, choices)


def box_notices(k: Kluis, language: str) -> dict[str, catalogue.NoticeView]:
    """Per box (``key(channel, topic)``), the wording shown next to it and cited when it is
    ticked: the newest notice in ``language`` asking for that channel and topic. A box missing
    here has no such notice and is not offered."""
    notices = catalogue.list_notices(k)
    by_id = {n.id: n for n in notices}
    scopes = [n.scope for n in notices]
    found = {}
    for channel in consent_rules.Channel:
        for topic in catalogue.list_topics(k):
            scope = grant_rules.notice_for(scopes, channel.value, topic.key, language)
            if scope is not None:
                found[key(channel.value, topic.key)] = by_id[scope.id]
    return found


def posted_notices(k: Kluis, language: str, posted: Mapping[str, str]) -> dict[str, int]:
    """The notices a submitted form says its boxes showed (box key to notice id), keeping only
    those in ``language`` that ask for their box's channel and topic: anything else cannot be
    what the page showed, and its box is ignored."""
    scopes = {n.id: n.scope for n in catalogue.list_notices(k)}
    found = {}
    for name, value in posted.items():
        channel, _, topic = name.partition(".")
        scope = scopes.get(int(value)) if value.isdigit() and len(value) < 10 else None
        if scope is not None and grant_rules.covers(scope, channel, topic, language):
            found[name] = scope.id
    return found


def save(
    k: Kluis,
    person_id: str,
    now: datetime,
    *,
    ticked: Collection[str],
    shown_ticked: Collection[str] | None,
    stop: Collection[str],
    notices: Mapping[str, int],
    source_ip: str | None,
    user_agent: str | None,
    gpc: bool,
) -> Outcome:
    """Apply a submitted preference form.

    ``shown_ticked`` are the boxes the page showed ticked: only boxes the person changed are
    acted on, so a consent given elsewhere after the page was opened is not withdrawn by it
    (without it, the current state stands in). A grant cites the notice its box showed
    (``notices``, from ``posted_notices``); a box without one is not granted."""
    current = load(k, person_id, now)
    live = {c.key for c in current.choices if c.live}
    before = live if shown_ticked is None else set(shown_ticked)
    outcome = Outcome()
    for choice in current.choices:
        name = choice.key
        if name in before and name not in ticked and choice.live:
            consent.record(
                k,
                PERSON,
                person_id,
                choice.channel,
                choice.topic,
                "withdrawn",
                now,
                consent.Grant(method="preference_centre", notice_id=None),
                captured_by="person",
            )
            outcome.withdrawn.append((choice.channel, choice.topic))
        elif name not in before and name in ticked and not choice.live and name in notices:
            consent.record(
                k,
                PERSON,
                person_id,
                choice.channel,
                choice.topic,
                "granted",
                now,
                consent.Grant(
                    method="web_form",
                    notice_id=notices[name],
                    source_ip=source_ip,
                    user_agent=user_agent,
                ),
                captured_by="person",
            )
            outcome.granted.append((choice.channel, choice.topic))
        elif name in stop and choice.soft_opt_in and not choice.live:
            consent.record(
                k,
                PERSON,
                person_id,
                choice.channel,
                choice.topic,
                "withdrawn",
                now,
                consent.Grant(method="preference_centre", notice_id=None),
                captured_by="person",
            )
            outcome.withdrawn.append((choice.channel, choice.topic))
    if gpc:
        outcome.objection_recorded = object_to_marketing(k, person_id, now)
    return outcome


def object_to_marketing(k: Kluis, person_id: str, now: datetime) -> bool:
    """Record an objection to all direct marketing; False when one was on record already."""
    with k.engine.connect() as conn:
        objected, _restricted = contacts_repository.flags(conn, person_id)
    if objected:
        return False
    contacts_flags.set_flag(k, PERSON, person_id, "objection", True, "web_form", now)
    return True
