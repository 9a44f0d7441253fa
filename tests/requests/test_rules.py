"""The pure rules of privacy requests (kluis.requests.rules): calendar-month deadlines, the one
extension of Art. 12(3), the status transitions, where a request stands against its deadline,
and what an erasure keeps for a legal obligation (Art. 17(3)(b))."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kluis.errors import InvalidField
from kluis.purposes.rules import Duration, parse_duration
from kluis.requests.rules import (
    ARTICLES,
    NEAR_DAYS,
    OPEN,
    TRANSITIONS,
    Held,
    Kept,
    RequestType,
    Status,
    Verification,
    add_months,
    check_transition,
    deadline,
    due_at,
    extension,
    kept_purposes,
    needs_recipients,
    parse_status,
    parse_type,
    parse_verification,
    timing,
)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 30) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Deadlines --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 3, 14), at(2026, 4, 14)),
        (at(2026, 1, 31), at(2026, 2, 28)),
        (at(2028, 1, 31), at(2028, 2, 29)),
        (at(2028, 1, 30), at(2028, 2, 29)),
        (at(2028, 1, 29), at(2028, 2, 29)),
        (at(2026, 1, 28), at(2026, 2, 28)),
        (at(2026, 3, 31), at(2026, 4, 30)),
        (at(2026, 5, 31), at(2026, 6, 30)),
        (at(2026, 8, 31), at(2026, 9, 30)),
        (at(2026, 12, 31), at(2027, 1, 31)),
        (at(2026, 12, 1), at(2027, 1, 1)),
        (at(2028, 2, 29), at(2028, 3, 29)),
        (at(2026, 2, 28), at(2026, 3, 28)),
    ],
)
def test_a_request_is_due_one_calendar_month_after_receipt(
    received: datetime, due: datetime
) -> None:
    assert due_at(received) == due


def test_the_due_moment_keeps_the_time_of_day_and_zone_of_receipt() -> None:
    received = datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert due_at(received) == datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (at(2026, 1, 31), 0, at(2026, 1, 31)),
        (at(2026, 1, 31), 3, at(2026, 4, 30)),
        (at(2026, 11, 30), 3, at(2027, 2, 28)),
        (at(2027, 11, 30), 3, at(2028, 2, 29)),
        (at(2026, 10, 31), 14, at(2027, 12, 31)),
    ],
)
def test_add_months_clamps_to_the_last_day_of_the_target_month(
    start: datetime, months: int, expected: datetime
) -> None:
    assert add_months(start, months) == expected


RECEIPTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


@given(RECEIPTS)
def test_due_is_after_receipt_and_at_most_31_days_later(received: datetime) -> None:
    due = due_at(received)
    assert received < due <= received + timedelta(days=31)
    assert due - received >= timedelta(days=28)
    assert due.time() == received.time()
    assert due.tzinfo is received.tzinfo


@given(RECEIPTS, st.sampled_from([1, 2]))
def test_an_extended_deadline_is_within_three_months_of_receipt(
    received: datetime, months: int
) -> None:
    new = extension(received, due_at(received), None, months, "many requests", received)
    assert due_at(received) < new <= received + timedelta(days=31 + 31 * months)
    assert new == add_months(received, 1 + months)


def test_deadline_is_the_extension_when_there_is_one() -> None:
    assert deadline(at(2026, 4, 14), None) == at(2026, 4, 14)
    assert deadline(at(2026, 4, 14), at(2026, 6, 14)) == at(2026, 6, 14)


# Extension --------------------------------------------------------------------------------------


def test_an_extension_of_one_or_two_months_runs_from_receipt() -> None:
    received = at(2026, 3, 14)
    due = due_at(received)
    assert extension(received, due, None, 1, "complex", received) == at(2026, 5, 14)
    assert extension(received, due, None, 2, "complex", received) == at(2026, 6, 14)


@pytest.mark.parametrize(
    ("received", "months", "expected"),
    [
        (at(2026, 1, 31), 1, at(2026, 3, 31)),
        (at(2026, 1, 31), 2, at(2026, 4, 30)),
        (at(2025, 12, 31), 2, at(2026, 3, 31)),
        (at(2027, 12, 31), 2, at(2028, 3, 31)),
        (at(2027, 11, 30), 2, at(2028, 2, 29)),
        (at(2026, 11, 30), 2, at(2027, 2, 28)),
        (at(2026, 12, 31), 1, at(2027, 2, 28)),
    ],
)
def test_the_extended_deadline_follows_the_month_end_rule_from_receipt(
    received: datetime, months: int, expected: datetime
) -> None:
    """31 January + three months is 30 April: the clamp to 28 February is not carried on."""
    assert extension(received, due_at(received), None, months, "complex", received) == expected


@pytest.mark.parametrize("months", [-1, 0, 3, 12])
def test_an_extension_is_one_or_two_months_only(months: int) -> None:
    received = at(2026, 3, 14)
    with pytest.raises(InvalidField) as refused:
        extension(received, due_at(received), None, months, "complex", received)
    assert refused.value.field == "months"
    assert "one or two months" in refused.value.detail


def test_a_request_is_extended_only_once() -> None:
    received = at(2026, 3, 14)
    due = due_at(received)
    first = extension(received, due, None, 1, "complex", received)
    with pytest.raises(InvalidField) as refused:
        extension(received, due, first, 1, "still complex", received + timedelta(days=1))
    assert refused.value.field == "months"
    assert "extended already" in refused.value.detail


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_an_extension_needs_a_reason(reason: str) -> None:
    received = at(2026, 3, 14)
    with pytest.raises(InvalidField) as refused:
        extension(received, due_at(received), None, 1, reason, received)
    assert refused.value.field == "reason"


def test_an_extension_is_decided_within_the_first_month() -> None:
    received = at(2026, 1, 31)
    due = due_at(received)
    one_before = due - timedelta(microseconds=1)
    assert extension(received, due, None, 2, "complex", one_before) == at(2026, 4, 30)
    for late in (due, due + timedelta(microseconds=1), due + timedelta(days=40)):
        with pytest.raises(InvalidField) as refused:
            extension(received, due, None, 2, "complex", late)
        assert "first month has passed" in refused.value.detail


def test_a_second_extension_is_refused_before_the_other_checks() -> None:
    received = at(2026, 3, 14)
    due = due_at(received)
    with pytest.raises(InvalidField, match="extended already"):
        extension(received, due, at(2026, 5, 14), 5, "", due + timedelta(days=1))


# Transitions ------------------------------------------------------------------------------------

ALLOWED = {
    (Status.RECEIVED, Status.VERIFIED),
    (Status.RECEIVED, Status.REFUSED),
    (Status.VERIFIED, Status.IN_PROGRESS),
    (Status.VERIFIED, Status.COMPLETED),
    (Status.VERIFIED, Status.REFUSED),
    (Status.IN_PROGRESS, Status.COMPLETED),
    (Status.IN_PROGRESS, Status.REFUSED),
}
PAIRS = [(a, b) for a in Status for b in Status]


@pytest.mark.parametrize(("current", "wanted"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_every_transition_is_allowed_or_refused(current: Status, wanted: Status) -> None:
    if (current, wanted) in ALLOWED:
        check_transition(current, wanted)
        return
    with pytest.raises(InvalidField) as refused:
        check_transition(current, wanted)
    assert refused.value.field == "status"
    assert f"{current.value} cannot become {wanted.value}" in refused.value.detail


def test_transitions_table_matches_the_allowed_set() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED
    assert set(TRANSITIONS) == set(Status)
    assert set(OPEN) == {Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS}


def test_a_request_is_never_completed_before_its_requester_was_verified() -> None:
    with pytest.raises(InvalidField):
        check_transition(Status.RECEIVED, Status.COMPLETED)
    with pytest.raises(InvalidField):
        check_transition(Status.RECEIVED, Status.IN_PROGRESS)


# Timing -----------------------------------------------------------------------------------------

DUE = at(2026, 4, 14, 9, 30)


@pytest.mark.parametrize(
    ("now", "days_left", "overdue", "near"),
    [
        (DUE - timedelta(days=30), 30, False, False),
        (DUE - timedelta(days=NEAR_DAYS + 1), NEAR_DAYS + 1, False, False),
        (DUE - timedelta(days=NEAR_DAYS), NEAR_DAYS, False, True),
        (DUE - timedelta(days=1), 1, False, True),
        (at(2026, 4, 14, 0, 0), 0, False, True),
        (DUE, 0, False, True),
        (DUE + timedelta(microseconds=1), 0, True, False),
        (at(2026, 4, 14, 23, 59), 0, True, False),
        (at(2026, 4, 15, 0, 0), -1, True, False),
        (DUE + timedelta(days=10), -10, True, False),
    ],
)
def test_timing_at_the_boundaries(now: datetime, days_left: int, overdue: bool, near: bool) -> None:
    for status in OPEN:
        got = timing(status, DUE, None, now)
        assert (got.deadline, got.days_left, got.overdue, got.near) == (
            DUE,
            days_left,
            overdue,
            near,
        )


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.REFUSED])
def test_a_closed_request_is_never_overdue_or_near(status: Status) -> None:
    for now in (DUE - timedelta(days=1), DUE, DUE + timedelta(days=100)):
        got = timing(status, DUE, None, now)
        assert not got.overdue
        assert not got.near
    assert timing(status, DUE, None, DUE + timedelta(days=3)).days_left == -3


def test_timing_counts_to_the_extended_deadline() -> None:
    extended = at(2026, 6, 14, 9, 30)
    got = timing(Status.VERIFIED, DUE, extended, DUE + timedelta(days=1))
    assert got.deadline == extended
    assert not got.overdue
    assert got.days_left == 60
    assert timing(Status.VERIFIED, DUE, extended, extended + timedelta(seconds=1)).overdue


# Parsing and small tables -----------------------------------------------------------------------


def test_parsers_accept_the_names_and_refuse_others_naming_the_choices() -> None:
    assert parse_type("erasure") is RequestType.ERASURE
    assert parse_status("in_progress") is Status.IN_PROGRESS
    assert parse_verification("id_document") is Verification.ID_DOCUMENT
    for parse, field, bad in (
        (parse_type, "type", "delete"),
        (parse_status, "status", "done"),
        (parse_verification, "verified_by", "trust_me"),
    ):
        with pytest.raises(InvalidField) as refused:
            parse(bad)
        assert refused.value.field == field
        assert "must be one of" in refused.value.detail


def test_every_type_names_its_article() -> None:
    assert ARTICLES == {
        RequestType.ACCESS: "Art. 15",
        RequestType.RECTIFICATION: "Art. 16",
        RequestType.ERASURE: "Art. 17",
        RequestType.RESTRICTION: "Art. 18",
        RequestType.PORTABILITY: "Art. 20",
        RequestType.OBJECTION: "Art. 21",
    }


def test_recipients_are_told_of_rectification_erasure_and_restriction_only() -> None:
    told = {t for t in RequestType if needs_recipients(t)}
    assert told == {RequestType.RECTIFICATION, RequestType.ERASURE, RequestType.RESTRICTION}


# What an erasure keeps --------------------------------------------------------------------------

NOW = at(2026, 3, 14)


def held(
    key: str,
    basis: str = "legal_obligation",
    retention: str = "P7Y",
    anchor: str = "end_of_contract",
    collected: datetime = at(2025, 3, 14),
    last: datetime = at(2026, 1, 10),
    ended: datetime | None = None,
) -> Held:
    return Held(key, basis, parse_duration(retention), anchor, collected, last, ended)


@pytest.mark.parametrize(
    "basis",
    ["consent", "contract", "vital_interest", "public_task", "legitimate_interest"],
)
def test_only_a_legal_obligation_keeps_data(basis: str) -> None:
    assert kept_purposes([held("p", basis=basis)], NOW) == []


def test_a_period_from_the_end_of_the_contract_is_kept_without_an_end_date() -> None:
    assert kept_purposes([held("invoicing")], NOW) == [Kept("invoicing", None)]


def test_a_period_from_an_ended_contract_runs_from_its_end() -> None:
    ended = held("invoicing", ended=at(2025, 12, 31))
    assert kept_purposes([ended], NOW) == [Kept("invoicing", date(2032, 12, 31))]
    long_ago = held("invoicing", collected=at(2010, 1, 1), ended=at(2019, 3, 14))
    assert kept_purposes([long_ago], NOW) == []
    ends_tomorrow = held("invoicing", collected=at(2010, 1, 1), ended=at(2019, 3, 15))
    assert kept_purposes([ends_tomorrow], NOW) == [Kept("invoicing", date(2026, 3, 15))]


def test_a_period_from_withdrawal_is_kept_without_an_end_date() -> None:
    assert kept_purposes([held("ledger", anchor="withdrawal")], NOW) == [Kept("ledger", None)]


def test_a_period_from_collection_is_kept_until_it_ends() -> None:
    running = held("age", retention="P1M", anchor="collection", collected=at(2026, 2, 28))
    assert kept_purposes([running], NOW) == [Kept("age", date(2026, 3, 28))]
    month_end = held("age", retention="P1M", anchor="collection", collected=at(2026, 1, 31))
    assert kept_purposes([month_end], at(2026, 2, 27)) == [Kept("age", date(2026, 2, 28))]


def test_a_period_from_the_last_interaction_is_kept_until_it_ends() -> None:
    tax = held("tax", retention="P2Y", anchor="last_interaction", last=at(2025, 6, 1))
    assert kept_purposes([tax], NOW) == [Kept("tax", date(2027, 6, 1))]


def test_an_expired_period_keeps_nothing() -> None:
    expired = held("age", retention="P1M", anchor="collection", collected=at(2026, 1, 10))
    assert kept_purposes([expired], NOW) == []
    old = held("tax", retention="P1Y", anchor="last_interaction", last=at(2025, 3, 1))
    assert kept_purposes([old], NOW) == []


def test_a_period_ending_today_keeps_nothing_and_one_ending_tomorrow_keeps() -> None:
    ends_today = held("age", retention="P1M", anchor="collection", collected=at(2026, 2, 14))
    assert kept_purposes([ends_today], NOW) == []
    tomorrow = held("age", retention="P1M", anchor="collection", collected=at(2026, 2, 15))
    assert kept_purposes([tomorrow], NOW) == [Kept("age", date(2026, 3, 15))]


def test_kept_purposes_are_sorted_and_mixed_ones_are_sorted_out() -> None:
    mixed = [
        held("marketing", basis="consent", retention="P30D", anchor="withdrawal"),
        held("invoicing"),
        held("age_verification", retention="P1M", anchor="collection", collected=at(2026, 1, 1)),
        held("bookkeeping", retention="P10Y", anchor="collection", collected=at(2020, 1, 1)),
        held("customer_service", basis="contract", retention="P2Y", anchor="last_interaction"),
    ]
    assert kept_purposes(mixed, NOW) == [
        Kept("bookkeeping", date(2030, 1, 1)),
        Kept("invoicing", None),
    ]
    assert kept_purposes([], NOW) == []


def test_duration_in_days_counts_from_the_anchor() -> None:
    short = Held("p", "legal_obligation", Duration(days=10), "collection", at(2026, 3, 5), NOW)
    assert kept_purposes([short], NOW) == [Kept("p", date(2026, 3, 15))]
