"""The one rule that decides every message, and the rules of the consent ledger. Pure.

``may_contact`` follows DESIGN.md exactly: refused when the person is erased or restricted
(Art. 18); a transactional message (no commercial aspect: service, invoices, a Christmas card,
GDPR information) is allowed; a commercial message is refused on an objection to direct marketing
(Art. 21(3)) or a withdrawal for the channel and topic, allowed on a live consent (Art. 6(1)(a),
7), allowed for a customer on a soft-opt-in channel until they opt out (Art. 13(2) Directive
2002/58/EC), and refused otherwise. Every decision says why, in Dutch and English, and names its
evidence.

Every allowed decision also names the purpose that grounds it (``Grounds``): the service purpose
for a transactional message, the marketing purpose for a consent, the soft opt-in purpose for the
customer exception. The person must have been collected for that purpose (Art. 5(1)(b)): a
consent does not make an address collected for invoicing a marketing address, and the soft
opt-in holds only for customers told at the sale that their address would be used for our own
similar products, with the chance to object (Art. 13(2) Directive 2002/58/EC), which is what
holding the soft opt-in purpose records. Whoever is not is refused with ``not_collected``. A
person with no address for the channel is refused with ``no_address``: nothing could be sent,
so they are in no audience.

The permission state of a (channel, topic) is a fold over the ledger's events in order; the kept
state is updated with the same ``apply`` the rebuild uses, so the two cannot disagree.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    POST = "post"


class MessageKind(StrEnum):
    TRANSACTIONAL = "transactional"
    COMMERCIAL = "commercial"


class Action(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    RECONFIRMED = "reconfirmed"
    EXPIRED = "expired"


class Method(StrEnum):
    """How consent was given; each leaves evidence of its own (Art. 7(1))."""

    WEB_FORM = "web_form"
    DOUBLE_OPT_IN = "double_opt_in"
    PHONE_RECORDING = "phone_recording"
    PAPER_FORM = "paper_form"
    EMAIL_REPLY = "email_reply"
    IN_PERSON = "in_person"


class Status(StrEnum):
    """The kept state of one (person, channel, topic)."""

    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class Basis(StrEnum):
    """Why a message may go, or ``NONE`` when it may not."""

    CONSENT = "consent"
    SOFT_OPT_IN = "soft_opt_in"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    NONE = "none"


class Reason(StrEnum):
    """A stable code per outcome; ``REASONS`` has the sentence a person reads."""

    ERASED = "erased"
    RESTRICTED = "restricted"
    TRANSACTIONAL = "transactional"
    OBJECTED = "objected"
    WITHDRAWN = "withdrawn"
    CONSENT = "consent"
    SOFT_OPT_IN = "soft_opt_in"
    EXPIRED = "expired"
    NO_CONSENT = "no_consent"
    NOT_COLLECTED = "not_collected"
    NO_ADDRESS = "no_address"
    PRIVACY_REQUEST = "privacy_request"


REASONS: dict[Reason, tuple[str, str]] = {
    Reason.ERASED: (
        "The person was erased; nothing may be sent to them.",
        "De persoon is gewist; er mag niets naar hen worden gestuurd.",
    ),
    Reason.RESTRICTED: (
        "Processing of this person's data is restricted (GDPR Art. 18).",
        "De verwerking van de gegevens van deze persoon is beperkt (AVG art. 18).",
    ),
    Reason.TRANSACTIONAL: (
        "A message without a commercial aspect needs no consent (contract or legitimate interest).",
        "Een bericht zonder commercieel doel heeft geen toestemming nodig (overeenkomst of "
        "gerechtvaardigd belang).",
    ),
    Reason.OBJECTED: (
        "The person objected to direct marketing (GDPR Art. 21(3)).",
        "De persoon heeft bezwaar gemaakt tegen direct marketing (AVG art. 21 lid 3).",
    ),
    Reason.WITHDRAWN: (
        "The person withdrew consent or unsubscribed for this channel and topic.",
        "De persoon heeft de toestemming ingetrokken of zich afgemeld voor dit kanaal en "
        "onderwerp.",
    ),
    Reason.CONSENT: (
        "The person gave consent for this channel and topic, and it is still valid.",
        "De persoon heeft toestemming gegeven voor dit kanaal en onderwerp, en die is nog geldig.",
    ),
    Reason.SOFT_OPT_IN: (
        "The person is a customer and has not opted out (soft opt-in, Art. 13(2) ePrivacy "
        "Directive).",
        "De persoon is klant en heeft zich niet afgemeld (soft opt-in, art. 11.7 "
        "Telecommunicatiewet).",
    ),
    Reason.EXPIRED: (
        "The person's consent has expired: it was not re-confirmed in time.",
        "De toestemming van de persoon is verlopen: die is niet op tijd bevestigd.",
    ),
    Reason.NO_CONSENT: (
        "There is no consent for this channel and topic.",
        "Er is geen toestemming voor dit kanaal en onderwerp.",
    ),
    Reason.NOT_COLLECTED: (
        "The person's data was not collected for the purpose this message needs (GDPR Art. "
        "5(1)(b)); for the soft opt-in, the customer was not told at the sale.",
        "De gegevens van de persoon zijn niet verzameld voor het doel dat dit bericht nodig "
        "heeft (AVG art. 5 lid 1 onder b); voor de soft opt-in: de klant is bij de verkoop "
        "niet ingelicht.",
    ),
    Reason.NO_ADDRESS: (
        "There is no address on file for this channel.",
        "Er is geen adres bekend voor dit kanaal.",
    ),
    Reason.PRIVACY_REQUEST: (
        "An answer to the person's own privacy request, which the law requires (GDPR Art. 12).",
        "Een antwoord op het eigen privacyverzoek van de persoon, dat de wet voorschrijft (AVG "
        "art. 12).",
    ),
}


def may_answer(erased: bool) -> Decision:
    """May the answer to a person's own privacy request go to them? Yes, even while their
    processing is restricted or after they objected: answering is the controller's legal
    obligation (Art. 12(1), 12(3)-(4), 18(3), 19), not a use of their data for a purpose. An
    erased person gets nothing more, except the erasure certificate, which is decided before
    the erasure."""
    if erased:
        return Decision(False, Basis.NONE, Reason.ERASED)
    return Decision(True, Basis.LEGAL_OBLIGATION, Reason.PRIVACY_REQUEST)


@dataclass(frozen=True)
class Permission:
    """The state of one (channel, topic) for one person, derived from the ledger."""

    status: Status
    event_id: int
    since: datetime
    reconfirm_by: datetime | None


@dataclass(frozen=True)
class Facts:
    """What ``may_contact`` needs to know about a person, read from the store."""

    erased: bool
    restricted: bool
    objected: bool
    relationship: str
    permission: Permission | None
    purposes: frozenset[str]
    """The purposes the person's data was collected for."""
    reachable: bool
    """Whether the person has an address for the channel asked about."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Basis
    reason: Reason
    evidence_event_id: int | None = None
    purpose: str | None = None
    """The purpose that grounds the decision (allowed), or that the person lacks
    (``not_collected``); the address is read under it."""

    @property
    def reason_en(self) -> str:
        return REASONS[self.reason][0]

    @property
    def reason_nl(self) -> str:
        return REASONS[self.reason][1]


CHANNEL_FIELDS: dict[Channel, str] = {
    Channel.EMAIL: "email",
    Channel.PHONE: "phone",
    Channel.SMS: "phone",
    Channel.WHATSAPP: "phone",
    Channel.POST: "address",
}
"""The personal field that holds a person's address on each channel (``Facts.reachable``)."""

DEFAULT_SOFT_OPT_IN = frozenset({Channel.EMAIL})
"""Channels on which customers may receive commercial messages without consent."""


@dataclass(frozen=True)
class Grounds:
    """The purpose each basis reads the address under (settings ``KLUIS_SERVICE_PURPOSE``,
    ``KLUIS_MARKETING_PURPOSE``, ``KLUIS_SOFT_OPT_IN_PURPOSE``)."""

    service: str = "customer_service"
    consent: str = "email_marketing"
    soft_opt_in: str = "existing_customer_marketing"


DEFAULT_GROUNDS = Grounds()


def live(permission: Permission | None, now: datetime) -> bool:
    """A consent that allows: granted (or re-confirmed) and not past its re-confirm-by date."""
    return (
        permission is not None
        and permission.status is Status.GRANTED
        and (permission.reconfirm_by is None or now < permission.reconfirm_by)
    )


def may_contact(
    facts: Facts,
    channel: Channel,
    kind: MessageKind,
    now: datetime,
    soft_opt_in: frozenset[Channel] = DEFAULT_SOFT_OPT_IN,
    grounds: Grounds = DEFAULT_GROUNDS,
) -> Decision:
    """May a message of ``kind`` go to this person on ``channel`` now, and why (or why not)."""
    decision = _basis(facts, channel, kind, now, soft_opt_in, grounds)
    if decision.allowed and not facts.reachable:
        return Decision(False, Basis.NONE, Reason.NO_ADDRESS)
    return decision


def _basis(
    facts: Facts,
    channel: Channel,
    kind: MessageKind,
    now: datetime,
    soft_opt_in: frozenset[Channel],
    grounds: Grounds,
) -> Decision:
    if facts.erased:
        return Decision(False, Basis.NONE, Reason.ERASED)
    if facts.restricted:
        return Decision(False, Basis.NONE, Reason.RESTRICTED)
    if kind is MessageKind.TRANSACTIONAL:
        if grounds.service not in facts.purposes:
            return Decision(False, Basis.NONE, Reason.NOT_COLLECTED, purpose=grounds.service)
        return Decision(True, Basis.CONTRACT, Reason.TRANSACTIONAL, purpose=grounds.service)
    if facts.objected:
        return Decision(False, Basis.NONE, Reason.OBJECTED)
    permission = facts.permission
    if permission is not None and permission.status is Status.WITHDRAWN:
        return Decision(False, Basis.NONE, Reason.WITHDRAWN, permission.event_id)
    consented = live(permission, now)
    if consented and grounds.consent in facts.purposes:
        assert permission is not None
        return Decision(True, Basis.CONSENT, Reason.CONSENT, permission.event_id, grounds.consent)
    customer = facts.relationship == "customer" and channel in soft_opt_in
    if customer and grounds.soft_opt_in in facts.purposes:
        return Decision(True, Basis.SOFT_OPT_IN, Reason.SOFT_OPT_IN, purpose=grounds.soft_opt_in)
    if consented:
        assert permission is not None
        return Decision(
            False, Basis.NONE, Reason.NOT_COLLECTED, permission.event_id, grounds.consent
        )
    if customer:
        return Decision(False, Basis.NONE, Reason.NOT_COLLECTED, purpose=grounds.soft_opt_in)
    if permission is not None:
        return Decision(False, Basis.NONE, Reason.EXPIRED, permission.event_id)
    return Decision(False, Basis.NONE, Reason.NO_CONSENT)


@dataclass(frozen=True)
class Event:
    """A ledger event as the fold sees it."""

    id: int
    channel: Channel
    topic: str
    action: Action
    at: datetime
    reconfirm_by: datetime | None


def apply(current: Permission | None, event: Event) -> Permission | None:
    """The state after ``event``. A re-confirmation only renews a grant that is still live when
    it arrives: it cannot bring back a withdrawn or lapsed consent (that takes a new grant)."""
    if event.action is Action.GRANTED:
        return Permission(Status.GRANTED, event.id, event.at, event.reconfirm_by)
    if event.action is Action.WITHDRAWN:
        return Permission(Status.WITHDRAWN, event.id, event.at, None)
    if event.action is Action.EXPIRED:
        if current is None or current.status is not Status.GRANTED:
            return current
        return Permission(Status.EXPIRED, event.id, event.at, current.reconfirm_by)
    if not live(current, event.at):
        return current
    assert current is not None
    return Permission(Status.GRANTED, event.id, current.since, event.reconfirm_by)


def fold(events: Iterable[Event]) -> dict[tuple[Channel, str], Permission]:
    """The state of every (channel, topic), from the ledger in order (time, then id)."""
    state: dict[tuple[Channel, str], Permission] = {}
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        key = (event.channel, event.topic)
        after = apply(state.get(key), event)
        if after is not None:
            state[key] = after
    return state


def add_months(at: datetime, months: int) -> datetime:
    """``at`` plus whole months, clamped to the month's last day (a re-confirm-by date)."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))
