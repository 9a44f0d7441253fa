"""The rules of privacy requests: types, states, deadlines and extensions. Pure; ``now`` is passed.

Art. 12(3): the controller answers "without undue delay and in any event within one month of
receipt of the request"; "that period may be extended by two further months where necessary,
taking into account the complexity and number of the requests", and the person is told of the
extension, with the reasons, within the first month. A month is a calendar month: a request
received on 31 January is due on the last day of February (Regulation 1182/71, Art. 3(2)(c),
which the EDPB applies to the GDPR's periods).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from kluis.contacts.fields import PERSONAL_FIELDS, PersonalField
from kluis.errors import InvalidField, Word
from kluis.locale import N_
from kluis.purposes.rules import Duration, Purpose

MAX_EXTENSION_MONTHS = 2
NEAR_DAYS = 7


class RequestType(StrEnum):
    ACCESS = "access"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    ERASURE = "erasure"


ARTICLES: dict[RequestType, str] = {
    RequestType.ACCESS: "Art. 15",
    RequestType.PORTABILITY: "Art. 20",
    RequestType.RECTIFICATION: "Art. 16",
    RequestType.RESTRICTION: "Art. 18",
    RequestType.OBJECTION: "Art. 21",
    RequestType.ERASURE: "Art. 17",
}


class Status(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REFUSED = "refused"


OPEN = (Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS)

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.VERIFIED, Status.REFUSED}),
    Status.VERIFIED: frozenset({Status.IN_PROGRESS, Status.COMPLETED, Status.REFUSED}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED, Status.REFUSED}),
    Status.COMPLETED: frozenset(),
    Status.REFUSED: frozenset(),
}


class Verification(StrEnum):
    """How the requester was shown to be the person (Art. 12(6)); staff choose one."""

    EMAIL_LINK = "email_link"
    """They opened a signed link sent to the address on file (the public /privacy page)."""
    KNOWN_ADDRESS = "known_address"
    """The request came from the address on file, answered there."""
    ID_DOCUMENT = "id_document"
    """An identity document was seen (and not copied: Art. 5(1)(c))."""
    IN_PERSON = "in_person"
    ACCOUNT = "account"
    """Signed in to an account the business holds for them."""


def parse_type(value: str) -> RequestType:
    try:
        return RequestType(value)
    except ValueError:
        raise InvalidField(
            f"type must be one of {', '.join(t.value for t in RequestType)}",
            field="type",
            msgid=N_("Choose one of the kinds of request."),
        ) from None


def parse_status(value: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise InvalidField(
            f"status must be one of {', '.join(s.value for s in Status)}",
            field="status",
            msgid=N_("Choose one of the states of a request."),
        ) from None


def parse_verification(value: str) -> Verification:
    try:
        return Verification(value)
    except ValueError:
        raise InvalidField(
            f"verified_by must be one of {', '.join(v.value for v in Verification)}",
            field="verified_by",
            msgid=N_("Choose how the requester was shown to be the person."),
        ) from None


def add_months(at: datetime, months: int) -> datetime:
    """``at`` plus calendar months; a day the target month lacks becomes its last day."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1]))


def due_at(received_at: datetime) -> datetime:
    """One calendar month after receipt (Art. 12(3))."""
    return add_months(received_at, 1)


def deadline(due: datetime, extended_to: datetime | None) -> datetime:
    return extended_to if extended_to is not None else due


def check_transition(current: Status, wanted: Status) -> None:
    if wanted not in TRANSITIONS[current]:
        raise InvalidField(
            f"a request that is {current.value} cannot become {wanted.value}",
            field="status",
            msgid=N_("A request that is %(current)s cannot become %(wanted)s."),
            values={"current": Word(current.value), "wanted": Word(wanted.value)},
        )


def extension(
    received_at: datetime,
    due: datetime,
    extended_to: datetime | None,
    months: int,
    reason: str,
    now: datetime,
) -> datetime:
    """The new deadline for an extension of ``months``, or why it is not allowed.

    Only once, by one or two months, with a reason, and while the first month runs: the
    person must be told of the extension and its reasons within one month of receipt. The new
    deadline is two or three calendar months after receipt.
    """
    if extended_to is not None:
        raise InvalidField(
            "this request was extended already; Art. 12(3) allows one extension of at most two "
            "months in all",
            field="months",
            msgid=N_(
                "This request was extended already; Art. 12(3) allows one extension of at most "
                "two months in all."
            ),
        )
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise InvalidField(
            "an extension is one or two months (Art. 12(3))",
            field="months",
            msgid=N_("An extension is one or two months (Art. 12(3))."),
        )
    if not reason.strip():
        raise InvalidField(
            "give the reason for the extension; the person is told it (Art. 12(3))",
            field="reason",
            msgid=N_("Give the reason for the extension; the person is told it (Art. 12(3))."),
        )
    if now >= due:
        raise InvalidField(
            "the first month has passed: an extension must be decided and told to the person "
            "within one month of receipt (Art. 12(3))",
            field="months",
            msgid=N_(
                "The first month has passed: an extension must be decided and told to the "
                "person within one month of receipt (Art. 12(3))."
            ),
        )
    # Counted from receipt, not from the (possibly clamped) due date: a request received on
    # 31 January may run to 30 April, not 28 April.
    return add_months(received_at, 1 + months)


@dataclass(frozen=True)
class Timing:
    """Where a request stands against its deadline."""

    deadline: datetime
    days_left: int
    """Whole days until the deadline (negative when past); 0 on the day itself."""
    overdue: bool
    near: bool


def timing(status: Status, due: datetime, extended_to: datetime | None, now: datetime) -> Timing:
    limit = deadline(due, extended_to)
    days_left = (limit.date() - now.date()).days
    is_open = status in OPEN
    overdue = is_open and now > limit
    return Timing(limit, days_left, overdue, is_open and not overdue and days_left <= NEAR_DAYS)


def needs_recipients(kind: RequestType) -> bool:
    """Art. 19: rectification, erasure and restriction are told to each recipient of the data."""
    return kind in (RequestType.RECTIFICATION, RequestType.ERASURE, RequestType.RESTRICTION)


@dataclass(frozen=True)
class Held:
    """One of a person's purposes as an erasure sees it."""

    key: str
    lawful_basis: str
    retention: Duration
    anchor: str
    collected_at: datetime
    last_interaction_at: datetime
    contract_ended_at: datetime | None = None
    """When the contract ended, if it has (recorded with ``kluis contacts end-contract``)."""


@dataclass(frozen=True)
class Kept:
    """A purpose whose data an erasure keeps (Art. 17(3)(b)), and until when if known."""

    key: str
    until: date | None
    """None when the period runs from an event still to come (the end of a contract that
    still runs, a withdrawal)."""


def kept_purposes(held: list[Held], now: datetime) -> list[Kept]:
    """Of a person's purposes, those an erasure must keep: processing required by a legal
    obligation (Art. 17(3)(b)), such as keeping invoices for seven years, while its retention
    period runs. The ``covers_everyone`` purpose of handling requests is never among them."""
    kept = []
    for purpose in held:
        if purpose.lawful_basis != "legal_obligation":
            continue
        if purpose.anchor == "collection":
            until: date | None = purpose.retention.after(purpose.collected_at.date())
        elif purpose.anchor == "last_interaction":
            until = purpose.retention.after(purpose.last_interaction_at.date())
        elif purpose.anchor == "end_of_contract" and purpose.contract_ended_at is not None:
            until = purpose.retention.after(purpose.contract_ended_at.date())
        else:
            until = None
        if until is None or until > now.date():
            kept.append(Kept(purpose.key, until))
    return sorted(kept, key=lambda k: k.key)


KEPT_WHY = "a legal obligation requires keeping it (Art. 17(3)(b))"


def certificate(
    request_id: int,
    person_id: str,
    erased_at: datetime,
    present: Sequence[PersonalField],
    erased: Sequence[str],
    kept: Sequence[tuple[Kept, Purpose]],
) -> dict[str, Any]:
    """The erasure certificate the person is sent (Art. 17, 19): which fields were erased and
    their data categories, and for each purpose kept by law (``kept_purposes``) its basis, its
    retention and which of the fields the person had (``present``) it still holds: those it
    may use that were not erased. Names fields and categories, never their values."""
    return {
        "request_id": request_id,
        "erased_at": erased_at.isoformat(),
        "person_id": person_id,
        "kept": [
            {
                "purpose": held.key,
                "name": purpose.name_en,
                "lawful_basis": purpose.lawful_basis.value,
                "why": KEPT_WHY,
                "retention": purpose.retention,
                "anchor": purpose.retention_anchor.value,
                "until": None if held.until is None else held.until.isoformat(),
                "fields": [
                    f.name for f in present if f.name not in erased and purpose.may_use(f.category)
                ],
            }
            for held, purpose in kept
        ],
        "fields": list(erased),
        "categories": sorted({f.category for f in PERSONAL_FIELDS if f.name in erased}),
    }
