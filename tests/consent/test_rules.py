"""The pure consent rules (kluis.consent.rules): may_contact, the ledger fold, grant and evidence
checks. A table of cases from the brief, then hypothesis properties over random ledgers."""

from __future__ import annotations

import io
import random
import struct
import wave
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kluis.consent.grant_rules import EVIDENCE_TYPES, ConsentRefused, check_evidence, check_grant
from kluis.consent.rules import (
    DEFAULT_SOFT_OPT_IN,
    REASONS,
    Action,
    Basis,
    Channel,
    Decision,
    Event,
    Facts,
    MessageKind,
    Method,
    Permission,
    Reason,
    Status,
    add_months,
    apply,
    fold,
    live,
    may_contact,
)

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
LATER = T0 + timedelta(days=30)
REBY = add_months(T0, 24)
COMMERCIAL, TRANSACTIONAL = MessageKind.COMMERCIAL, MessageKind.TRANSACTIONAL
EMAIL, SMS, PHONE = Channel.EMAIL, Channel.SMS, Channel.PHONE
SOFT, MARKETING, SERVICE = "existing_customer_marketing", "email_marketing", "customer_service"

GRANTED = Permission(Status.GRANTED, 11, T0, REBY)
FOREVER = Permission(Status.GRANTED, 12, T0, None)
WITHDRAWN = Permission(Status.WITHDRAWN, 13, T0, None)
EXPIRED = Permission(Status.EXPIRED, 14, T0, REBY)


HELD = frozenset({"customer_service", "email_marketing", "existing_customer_marketing"})
"""Every purpose that grounds a message (``DEFAULT_GROUNDS``)."""


def facts(
    relationship: str = "prospect",
    permission: Permission | None = None,
    *,
    erased: bool = False,
    restricted: bool = False,
    objected: bool = False,
    purposes: frozenset[str] = HELD,
    reachable: bool = True,
) -> Facts:
    return Facts(erased, restricted, objected, relationship, permission, purposes, reachable)


def held(*keys: str) -> frozenset[str]:
    return frozenset(keys)


# may_contact: the table of cases from the brief ---------------------------------------------

CASES: list[tuple[str, Facts, Channel, MessageKind, datetime, Decision]] = [
    (
        "erased: nothing, not even a transactional message",
        facts("customer", GRANTED, erased=True),
        EMAIL,
        TRANSACTIONAL,
        T0,
        Decision(False, Basis.NONE, Reason.ERASED),
    ),
    (
        "erased beats restricted",
        facts("customer", erased=True, restricted=True),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.ERASED),
    ),
    (
        "restricted: no transactional message",
        facts("customer", GRANTED, restricted=True),
        EMAIL,
        TRANSACTIONAL,
        T0,
        Decision(False, Basis.NONE, Reason.RESTRICTED),
    ),
    (
        "restricted: no commercial message despite a live consent",
        facts("customer", GRANTED, restricted=True),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.RESTRICTED),
    ),
    (
        "restricted beats objected",
        facts("customer", restricted=True, objected=True),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.RESTRICTED),
    ),
    (
        "transactional without any consent",
        facts("prospect"),
        SMS,
        TRANSACTIONAL,
        T0,
        Decision(True, Basis.CONTRACT, Reason.TRANSACTIONAL, purpose="customer_service"),
    ),
    (
        "transactional after an objection to direct marketing",
        facts("other", WITHDRAWN, objected=True),
        PHONE,
        TRANSACTIONAL,
        T0,
        Decision(True, Basis.CONTRACT, Reason.TRANSACTIONAL, purpose="customer_service"),
    ),
    (
        "objection beats a live consent",
        facts("prospect", GRANTED, objected=True),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.OBJECTED),
    ),
    (
        "objection beats the customer soft opt-in",
        facts("customer", objected=True),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.OBJECTED),
    ),
    (
        "withdrawal refuses, naming the withdrawal event",
        facts("prospect", WITHDRAWN),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.WITHDRAWN, 13),
    ),
    (
        "a customer who opted out gets no soft opt-in",
        facts("customer", WITHDRAWN),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.WITHDRAWN, 13),
    ),
    (
        "a live consent allows, with its event id as evidence",
        facts("prospect", GRANTED),
        SMS,
        COMMERCIAL,
        LATER,
        Decision(True, Basis.CONSENT, Reason.CONSENT, 11, "email_marketing"),
    ),
    (
        "a consent without re-confirm-by date stays live",
        facts("other", FOREVER),
        PHONE,
        COMMERCIAL,
        T0 + timedelta(days=3650),
        Decision(True, Basis.CONSENT, Reason.CONSENT, 12, "email_marketing"),
    ),
    (
        "a customer's live consent is the basis, not the soft opt-in",
        facts("customer", GRANTED),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(True, Basis.CONSENT, Reason.CONSENT, 11, "email_marketing"),
    ),
    (
        "a consent one microsecond before its re-confirm-by date allows",
        facts("prospect", GRANTED),
        EMAIL,
        COMMERCIAL,
        REBY - timedelta(microseconds=1),
        Decision(True, Basis.CONSENT, Reason.CONSENT, 11, "email_marketing"),
    ),
    (
        "a consent at its re-confirm-by date has lapsed",
        facts("prospect", GRANTED),
        EMAIL,
        COMMERCIAL,
        REBY,
        Decision(False, Basis.NONE, Reason.EXPIRED, 11),
    ),
    (
        "a consent past its re-confirm-by date has lapsed",
        facts("other", GRANTED),
        SMS,
        COMMERCIAL,
        REBY + timedelta(days=1),
        Decision(False, Basis.NONE, Reason.EXPIRED, 11),
    ),
    (
        "an expired consent refuses",
        facts("prospect", EXPIRED),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.EXPIRED, 14),
    ),
    (
        "a customer whose consent lapsed still has the soft opt-in on e-mail",
        facts("customer", GRANTED),
        EMAIL,
        COMMERCIAL,
        REBY,
        Decision(True, Basis.SOFT_OPT_IN, Reason.SOFT_OPT_IN, purpose=SOFT),
    ),
    (
        "a customer whose consent expired still has the soft opt-in on e-mail",
        facts("customer", EXPIRED),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(True, Basis.SOFT_OPT_IN, Reason.SOFT_OPT_IN, purpose=SOFT),
    ),
    (
        "a customer whose sms consent expired is refused",
        facts("customer", EXPIRED),
        SMS,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.EXPIRED, 14),
    ),
    (
        "customer soft opt-in on e-mail",
        facts("customer"),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(True, Basis.SOFT_OPT_IN, Reason.SOFT_OPT_IN, purpose=SOFT),
    ),
    (
        "a live consent of a person not collected for marketing refuses, naming both",
        facts("prospect", GRANTED, purposes=held(SERVICE)),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.NOT_COLLECTED, 11, MARKETING),
    ),
    (
        "a customer's live consent without the marketing purpose falls back on the soft opt-in",
        facts("customer", GRANTED, purposes=held(SOFT)),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(True, Basis.SOFT_OPT_IN, Reason.SOFT_OPT_IN, purpose=SOFT),
    ),
    (
        "a customer not told at the sale has no soft opt-in",
        facts("customer", purposes=held(SERVICE, MARKETING)),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.NOT_COLLECTED, purpose=SOFT),
    ),
    (
        "a customer not told at the sale whose consent lapsed has no soft opt-in",
        facts("customer", EXPIRED, purposes=held(SERVICE, MARKETING)),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.NOT_COLLECTED, purpose=SOFT),
    ),
    (
        "the soft opt-in purpose of a prospect is no soft opt-in",
        facts("prospect", purposes=held(SOFT)),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.NO_CONSENT),
    ),
    (
        "a customer held for the soft opt-in who objected is refused for the objection",
        facts("customer", purposes=held(SOFT), objected=True),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.OBJECTED),
    ),
    (
        "a transactional message needs the service purpose",
        facts("customer", purposes=held(MARKETING, SOFT)),
        EMAIL,
        TRANSACTIONAL,
        T0,
        Decision(False, Basis.NONE, Reason.NOT_COLLECTED, purpose=SERVICE),
    ),
    (
        "no address: a consent cannot be used",
        facts("prospect", GRANTED, reachable=False),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.NO_ADDRESS),
    ),
    (
        "no address: the soft opt-in cannot be used",
        facts("customer", reachable=False),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.NO_ADDRESS),
    ),
    (
        "no address: no transactional message",
        facts("customer", reachable=False),
        EMAIL,
        TRANSACTIONAL,
        T0,
        Decision(False, Basis.NONE, Reason.NO_ADDRESS),
    ),
    (
        "no address does not hide why a person is refused",
        facts("prospect", WITHDRAWN, reachable=False),
        EMAIL,
        COMMERCIAL,
        T0,
        Decision(False, Basis.NONE, Reason.WITHDRAWN, 13),
    ),
    *(
        (
            f"no soft opt-in on {channel.value} by default",
            facts("customer"),
            channel,
            COMMERCIAL,
            T0,
            Decision(False, Basis.NONE, Reason.NO_CONSENT),
        )
        for channel in Channel
        if channel is not Channel.EMAIL
    ),
    *(
        (
            f"a {relationship} without consent is refused on {channel.value}",
            facts(relationship),
            channel,
            COMMERCIAL,
            T0,
            Decision(False, Basis.NONE, Reason.NO_CONSENT),
        )
        for relationship in ("prospect", "other")
        for channel in Channel
    ),
]


@pytest.mark.parametrize(
    ("case", "given_facts", "channel", "kind", "now", "expected"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_may_contact_table(
    case: str,
    given_facts: Facts,
    channel: Channel,
    kind: MessageKind,
    now: datetime,
    expected: Decision,
) -> None:
    assert may_contact(given_facts, channel, kind, now) == expected


def test_the_default_soft_opt_in_is_email_only() -> None:
    assert frozenset({Channel.EMAIL}) == DEFAULT_SOFT_OPT_IN


@pytest.mark.parametrize("channel", list(Channel))
def test_soft_opt_in_channels_are_configurable(channel: Channel) -> None:
    customer = facts("customer")
    on = may_contact(customer, channel, COMMERCIAL, T0, soft_opt_in=frozenset({channel}))
    assert on == Decision(True, Basis.SOFT_OPT_IN, Reason.SOFT_OPT_IN, purpose=SOFT)
    off = may_contact(customer, channel, COMMERCIAL, T0, soft_opt_in=frozenset())
    assert off == Decision(False, Basis.NONE, Reason.NO_CONSENT)
    for relationship in ("prospect", "other"):
        assert not may_contact(
            facts(relationship), channel, COMMERCIAL, T0, soft_opt_in=frozenset(Channel)
        ).allowed
    opted_out = may_contact(
        facts("customer", WITHDRAWN), channel, COMMERCIAL, T0, soft_opt_in=frozenset({channel})
    )
    assert (opted_out.allowed, opted_out.reason) == (False, Reason.WITHDRAWN)


def test_live() -> None:
    assert not live(None, T0)
    assert live(GRANTED, T0)
    assert live(GRANTED, REBY - timedelta(microseconds=1))
    assert not live(GRANTED, REBY)
    assert live(FOREVER, T0 + timedelta(days=36500))
    assert not live(WITHDRAWN, T0)
    assert not live(EXPIRED, T0)


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_a_sentence_in_english_and_dutch(reason: Reason) -> None:
    decision = Decision(False, Basis.NONE, reason)
    assert decision.reason_en.strip()
    assert decision.reason_nl.strip()
    assert decision.reason_en != decision.reason_nl
    assert decision.reason_en.endswith(".")
    assert decision.reason_nl.endswith(".")


def test_reasons_cover_every_code_and_no_other() -> None:
    assert set(REASONS) == set(Reason)
    assert len({en for en, _ in REASONS.values()}) == len(Reason)
    assert len({nl for _, nl in REASONS.values()}) == len(Reason)


# apply and fold: the ledger -----------------------------------------------------------------


def event(
    event_id: int,
    action: Action,
    at: datetime,
    reconfirm_by: datetime | None = None,
    channel: Channel = EMAIL,
    topic: str = "offers",
) -> Event:
    if reconfirm_by is None and action in (Action.GRANTED, Action.RECONFIRMED):
        reconfirm_by = add_months(at, 24)
    return Event(event_id, channel, topic, action, at, reconfirm_by)


def test_a_grant_makes_a_live_consent_with_its_event() -> None:
    state = apply(None, event(1, Action.GRANTED, T0))
    assert state == Permission(Status.GRANTED, 1, T0, add_months(T0, 24))
    decision = may_contact(facts("prospect", state), EMAIL, COMMERCIAL, LATER)
    assert decision == Decision(True, Basis.CONSENT, Reason.CONSENT, 1, "email_marketing")


def test_withdrawal_beats_an_older_grant() -> None:
    state = fold([event(1, Action.GRANTED, T0), event(2, Action.WITHDRAWN, LATER)])
    assert state[(EMAIL, "offers")] == Permission(Status.WITHDRAWN, 2, LATER, None)
    decision = may_contact(facts("customer", state[(EMAIL, "offers")]), EMAIL, COMMERCIAL, LATER)
    assert decision == Decision(False, Basis.NONE, Reason.WITHDRAWN, 2)


def test_a_newer_grant_beats_an_older_withdrawal() -> None:
    state = fold([event(1, Action.WITHDRAWN, T0), event(2, Action.GRANTED, LATER)])
    assert state[(EMAIL, "offers")].status is Status.GRANTED
    assert state[(EMAIL, "offers")].event_id == 2


def test_reconfirmation_renews_a_live_grant() -> None:
    granted = apply(None, event(1, Action.GRANTED, T0))
    at = add_months(T0, 23)
    renewed = apply(granted, event(2, Action.RECONFIRMED, at))
    assert renewed == Permission(Status.GRANTED, 2, T0, add_months(at, 24))
    after_first_date = add_months(T0, 30)
    decision = may_contact(facts("prospect", renewed), EMAIL, COMMERCIAL, after_first_date)
    assert decision == Decision(True, Basis.CONSENT, Reason.CONSENT, 2, "email_marketing")


def test_reconfirmation_cannot_revive_a_withdrawn_consent() -> None:
    withdrawn = fold([event(1, Action.GRANTED, T0), event(2, Action.WITHDRAWN, LATER)])
    key = (EMAIL, "offers")
    later = LATER + timedelta(days=1)
    assert apply(withdrawn[key], event(3, Action.RECONFIRMED, later)) == withdrawn[key]
    history = [event(1, Action.GRANTED, T0), event(2, Action.WITHDRAWN, LATER)]
    assert fold([*history, event(3, Action.RECONFIRMED, later)]) == withdrawn


def test_reconfirmation_cannot_revive_a_lapsed_consent() -> None:
    granted = apply(None, event(1, Action.GRANTED, T0, REBY))
    for at in (REBY, REBY + timedelta(days=10)):
        assert apply(granted, event(2, Action.RECONFIRMED, at)) == granted
    assert not may_contact(facts("prospect", granted), EMAIL, COMMERCIAL, REBY).allowed


def test_reconfirmation_cannot_revive_an_expired_consent() -> None:
    expired = apply(apply(None, event(1, Action.GRANTED, T0)), event(2, Action.EXPIRED, LATER))
    assert expired == Permission(Status.EXPIRED, 2, LATER, add_months(T0, 24))
    later = LATER + timedelta(days=1)
    assert apply(expired, event(3, Action.RECONFIRMED, later)) == expired
    decision = may_contact(facts("prospect", expired), EMAIL, COMMERCIAL, later)
    assert decision == Decision(False, Basis.NONE, Reason.EXPIRED, 2)


def test_reconfirmation_without_any_grant_is_nothing() -> None:
    assert apply(None, event(1, Action.RECONFIRMED, T0)) is None
    assert fold([event(1, Action.RECONFIRMED, T0)]) == {}


@pytest.mark.parametrize(
    "current", [None, WITHDRAWN, EXPIRED], ids=["none", "withdrawn", "expired"]
)
def test_expiry_of_a_state_that_is_not_granted_changes_nothing(
    current: Permission | None,
) -> None:
    assert apply(current, event(9, Action.EXPIRED, LATER)) == current


def test_a_new_grant_after_expiry_or_withdrawal_is_live_again() -> None:
    for before in (WITHDRAWN, EXPIRED):
        state = apply(before, event(20, Action.GRANTED, LATER))
        assert state is not None
        assert (state.status, state.event_id, state.since) == (Status.GRANTED, 20, LATER)


def test_fold_keeps_channels_and_topics_apart() -> None:
    state = fold(
        [
            event(1, Action.GRANTED, T0, channel=EMAIL, topic="offers"),
            event(2, Action.GRANTED, T0, channel=SMS, topic="offers"),
            event(3, Action.GRANTED, T0, channel=EMAIL, topic="newsletter"),
            event(4, Action.WITHDRAWN, LATER, channel=EMAIL, topic="offers"),
        ]
    )
    assert {k: v.status for k, v in state.items()} == {
        (EMAIL, "offers"): Status.WITHDRAWN,
        (SMS, "offers"): Status.GRANTED,
        (EMAIL, "newsletter"): Status.GRANTED,
    }


def test_fold_orders_by_time_then_id() -> None:
    """Events at the same instant apply in id order; an earlier event with a higher id first."""
    same = fold([event(2, Action.WITHDRAWN, T0), event(1, Action.GRANTED, T0)])
    assert same[(EMAIL, "offers")].status is Status.WITHDRAWN
    earlier = fold([event(1, Action.WITHDRAWN, LATER), event(2, Action.GRANTED, T0)])
    assert earlier[(EMAIL, "offers")].status is Status.WITHDRAWN


# add_months -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime(2026, 1, 31, 8, 15, tzinfo=UTC), 1, datetime(2026, 2, 28, 8, 15, tzinfo=UTC)),
        (datetime(2028, 1, 31, 8, 15, tzinfo=UTC), 1, datetime(2028, 2, 29, 8, 15, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 4, 30, tzinfo=UTC)),
        (datetime(2026, 12, 15, tzinfo=UTC), 1, datetime(2027, 1, 15, tzinfo=UTC)),
        (datetime(2026, 3, 14, 9, 30, tzinfo=UTC), 24, datetime(2028, 3, 14, 9, 30, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), 12, datetime(2029, 2, 28, tzinfo=UTC)),
        (datetime(2028, 2, 29, tzinfo=UTC), 48, datetime(2032, 2, 29, tzinfo=UTC)),
        (datetime(2026, 1, 31, tzinfo=UTC), 0, datetime(2026, 1, 31, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), -1, datetime(2025, 12, 15, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), -1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2026, 5, 31, tzinfo=UTC), 120, datetime(2036, 5, 31, tzinfo=UTC)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(
    start: datetime, months: int, expected: datetime
) -> None:
    assert add_months(start, months) == expected


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
    ),
    st.integers(min_value=0, max_value=240),
)
def test_add_months_properties(start: datetime, months: int) -> None:
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day <= start.day
    assert result.time() == start.time()
    assert result.tzinfo is start.tzinfo
    assert result >= start
    assert add_months(start, months + 1) > result


# hypothesis: random ledgers ---------------------------------------------------------------------

CHANNELS = [Channel.EMAIL, Channel.SMS]
TOPICS = ["offers", "newsletter"]
START = datetime(2026, 1, 1, tzinfo=UTC)

steps = st.lists(
    st.tuples(
        st.sampled_from(CHANNELS),
        st.sampled_from(TOPICS),
        st.sampled_from(list(Action)),
        st.integers(min_value=0, max_value=400),  # days after the previous event
        st.one_of(st.none(), st.integers(min_value=1, max_value=24)),  # months until re-confirm
    ),
    max_size=12,
)


def ledger(raw: list[tuple[Channel, str, Action, int, int | None]]) -> list[Event]:
    """Events with increasing ids and non-decreasing times (several may share an instant)."""
    events, at = [], START
    for n, (channel, topic, action, gap, months) in enumerate(raw, start=1):
        at += timedelta(days=gap)
        reconfirm_by = None
        if action in (Action.GRANTED, Action.RECONFIRMED) and months is not None:
            reconfirm_by = add_months(at, months)
        events.append(Event(n, channel, topic, action, at, reconfirm_by))
    return events


ledgers = steps.map(ledger)
moments = st.integers(min_value=0, max_value=365 * 12).map(lambda d: START + timedelta(days=d))
relationships = st.sampled_from(["customer", "prospect", "other"])
soft_sets = st.frozensets(st.sampled_from(list(Channel)))


def _key_events(events: list[Event], channel: Channel, topic: str) -> list[Event]:
    return sorted(
        (e for e in events if (e.channel, e.topic) == (channel, topic)), key=lambda e: (e.at, e.id)
    )


@given(ledgers, moments, relationships, soft_sets)
def test_withdrawal_always_wins_over_any_older_grant(
    events: list[Event], now: datetime, relationship: str, soft: frozenset[Channel]
) -> None:
    state = fold(events)
    for channel in CHANNELS:
        for topic in TOPICS:
            decisive = [
                e for e in _key_events(events, channel, topic) if e.action is not Action.EXPIRED
            ]
            decisive = [e for e in decisive if e.action is not Action.RECONFIRMED]
            if not decisive or decisive[-1].action is not Action.WITHDRAWN:
                continue
            last = decisive[-1]
            assert state[(channel, topic)] == Permission(Status.WITHDRAWN, last.id, last.at, None)
            decision = may_contact(
                facts(relationship, state[(channel, topic)]), channel, COMMERCIAL, now, soft
            )
            assert decision == Decision(False, Basis.NONE, Reason.WITHDRAWN, last.id)


@given(
    ledgers,
    moments,
    relationships,
    soft_sets,
    st.sampled_from(CHANNELS),
    st.sampled_from(TOPICS),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_nothing_commercial_without_a_basis(
    events: list[Event],
    now: datetime,
    relationship: str,
    soft: frozenset[Channel],
    channel: Channel,
    topic: str,
    erased: bool,
    restricted: bool,
    objected: bool,
) -> None:
    permission = fold(events).get((channel, topic))
    person = facts(
        relationship, permission, erased=erased, restricted=restricted, objected=objected
    )
    decision = may_contact(person, channel, COMMERCIAL, now, soft)
    if not decision.allowed:
        assert decision.basis is Basis.NONE
        return
    assert decision.basis in (Basis.CONSENT, Basis.SOFT_OPT_IN)
    assert not erased
    assert not restricted
    assert not objected
    assert permission is None or permission.status is not Status.WITHDRAWN
    if decision.basis is Basis.CONSENT:
        assert permission is not None
        assert permission.status is Status.GRANTED
        assert decision.evidence_event_id == permission.event_id
        cited = next(e for e in events if e.id == decision.evidence_event_id)
        assert cited.action in (Action.GRANTED, Action.RECONFIRMED)
        assert (cited.channel, cited.topic) == (channel, topic)
    else:
        assert relationship == "customer"
        assert channel in soft
        assert decision.evidence_event_id is None
    transactional = may_contact(person, channel, TRANSACTIONAL, now, soft)
    assert transactional == Decision(
        True, Basis.CONTRACT, Reason.TRANSACTIONAL, purpose="customer_service"
    )


@given(ledgers, moments, relationships, soft_sets, st.sampled_from(CHANNELS))
def test_a_consent_past_its_reconfirm_by_date_never_gives_consent(
    events: list[Event],
    now: datetime,
    relationship: str,
    soft: frozenset[Channel],
    channel: Channel,
) -> None:
    for topic in TOPICS:
        permission = fold(events).get((channel, topic))
        decision = may_contact(facts(relationship, permission), channel, COMMERCIAL, now, soft)
        if permission is not None and permission.reconfirm_by is not None:
            past = max(now, permission.reconfirm_by)
            at_past = may_contact(facts(relationship, permission), channel, COMMERCIAL, past, soft)
            assert at_past.basis is not Basis.CONSENT
            assert at_past.reason is not Reason.CONSENT
        if decision.basis is Basis.CONSENT:
            assert permission is not None
            assert permission.reconfirm_by is None or now < permission.reconfirm_by
            # the consent that allows was given (or re-confirmed) within its own term
            cited = next(e for e in events if e.id == decision.evidence_event_id)
            assert cited.reconfirm_by == permission.reconfirm_by


@given(ledgers, moments, relationships)
def test_once_every_term_has_run_out_no_consent_is_live(
    events: list[Event], now: datetime, relationship: str
) -> None:
    terms = [e.reconfirm_by for e in events if e.action in (Action.GRANTED, Action.RECONFIRMED)]
    if not terms or any(t is None for t in terms):
        return
    after_all = max(now, *(t for t in terms if t is not None))
    for (channel, _topic), permission in fold(events).items():
        decision = may_contact(facts(relationship, permission), channel, COMMERCIAL, after_all)
        assert decision.basis is not Basis.CONSENT


@given(ledgers, st.randoms(use_true_random=False))
def test_fold_does_not_depend_on_the_order_of_its_input(
    events: list[Event], shuffler: random.Random
) -> None:
    shuffled = list(events)
    shuffler.shuffle(shuffled)
    assert fold(shuffled) == fold(events)
    assert fold(reversed(events)) == fold(events)


@given(ledgers)
def test_the_kept_state_step_by_step_equals_the_fold(events: list[Event]) -> None:
    """What ``record`` keeps (``apply`` on each new event in turn) is what a rebuild folds."""
    kept: dict[tuple[Channel, str], Permission] = {}
    for n, e in enumerate(events, start=1):
        after = apply(kept.get((e.channel, e.topic)), e)
        if after is not None:
            kept[(e.channel, e.topic)] = after
        assert kept == fold(events[:n])


@given(ledgers)
def test_the_state_always_names_an_event_of_its_own_key(events: list[Event]) -> None:
    by_id = {e.id: e for e in events}
    for (channel, topic), permission in fold(events).items():
        cited = by_id[permission.event_id]
        assert (cited.channel, cited.topic) == (channel, topic)
        expected_action = {
            Status.GRANTED: (Action.GRANTED, Action.RECONFIRMED),
            Status.WITHDRAWN: (Action.WITHDRAWN,),
            Status.EXPIRED: (Action.EXPIRED,),
        }[permission.status]
        assert cited.action in expected_action


# check_grant ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(Method))
def test_a_grant_with_method_and_notice_is_accepted(method: Method) -> None:
    assert check_grant(method.value, 7) is method


@pytest.mark.parametrize("flag", ["pre_ticked", "implied", "imported_without_proof"])
def test_a_grant_that_is_not_consent_is_refused_naming_its_field(flag: str) -> None:
    with pytest.raises(ConsentRefused) as caught:
        check_grant("web_form", 7, **{flag: True})  # type: ignore[arg-type]
    assert caught.value.field == flag
    assert str(caught.value)


@pytest.mark.parametrize(
    ("method", "notice_id", "field", "words"),
    [
        (None, 7, "method", "web_form"),
        ("", 7, "method", "double_opt_in"),
        ("carrier_pigeon", 7, "method", "method is not one of web_form"),
        ("WEB_FORM", 7, "method", "not one of"),
        ("web_form", None, "notice", "notice"),
        (None, None, "method", "how consent"),
    ],
)
def test_a_grant_without_method_or_notice_is_refused_naming_its_field(
    method: str | None, notice_id: int | None, field: str, words: str
) -> None:
    with pytest.raises(ConsentRefused, match=words) as caught:
        check_grant(method, notice_id)
    assert caught.value.field == field


def test_a_refusal_for_the_kind_of_grant_comes_before_a_missing_method() -> None:
    with pytest.raises(ConsentRefused) as caught:
        check_grant(None, None, pre_ticked=True)
    assert caught.value.field == "pre_ticked"


@given(
    st.one_of(st.none(), st.text(max_size=20)),
    st.one_of(st.none(), st.integers(min_value=1)),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_check_grant_accepts_exactly_explicit_grants(
    method: str | None,
    notice_id: int | None,
    pre_ticked: bool,
    implied: bool,
    imported_without_proof: bool,
) -> None:
    """A grant passes exactly when it is explicit, has a known method and a notice; otherwise
    the refusal names the first thing wrong, in the order a person would fix them."""
    flags = {
        "pre_ticked": pre_ticked,
        "implied": implied,
        "imported_without_proof": imported_without_proof,
    }
    wrong = [name for name, on in flags.items() if on]
    if method not in {m.value for m in Method}:
        wrong.append("method")
    if notice_id is None:
        wrong.append("notice")
    if not wrong:
        assert check_grant(method, notice_id, **flags) == Method(method)
        return
    with pytest.raises(ConsentRefused) as caught:
        check_grant(method, notice_id, **flags)
    assert caught.value.field == wrong[0]
    assert str(caught.value)


# check_evidence -------------------------------------------------------------------------------

MAX = 1024 * 1024


def wav_file() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 80)
    return out.getvalue()


def png_file() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
        + chunk(b"IEND", b"")
    )


def jpeg_file() -> bytes:
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def pdf_file() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def ogg_file() -> bytes:
    return b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 8 + b"\x01\x1e"


def mp3_with_id3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413


def mp3_frame() -> bytes:
    return b"\xff\xfb\x90\x64" + b"\x00" * 413


def mp4_file() -> bytes:
    ftyp = b"ftypM4A \x00\x00\x00\x00M4A isommp42"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", 8) + b"mdat"


def webm_file() -> bytes:
    return b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"


def email_file() -> bytes:
    return (
        b"From: Fenna Brouwersma <fenna@example.com>\r\n"
        b"To: info@example.com\r\n"
        b"Subject: Re: Nieuwsbrief\r\n"
        b"Date: Sat, 14 Mar 2026 09:30:00 +0100\r\n"
        b"\r\n"
        b"Ja, ik wil graag de nieuwsbrief ontvangen.\r\n"
    )


def text_file() -> bytes:
    return "Mevrouw Brouwersma zegt ja tegen financiële aanbiedingen (€ 5).".encode()


GENUINE: list[tuple[str, Callable[[], bytes]]] = [
    ("audio/wav", wav_file),
    ("application/pdf", pdf_file),
    ("image/png", png_file),
    ("image/jpeg", jpeg_file),
    ("audio/ogg", ogg_file),
    ("audio/mpeg", mp3_with_id3),
    ("audio/mpeg", mp3_frame),
    ("audio/mp4", mp4_file),
    ("audio/webm", webm_file),
    ("message/rfc822", email_file),
    ("text/plain", text_file),
]


def test_every_evidence_type_has_a_genuine_sample() -> None:
    assert {kind for kind, _ in GENUINE} == set(EVIDENCE_TYPES)


@pytest.mark.parametrize(("kind", "make"), GENUINE, ids=[f"{k}-{m.__name__}" for k, m in GENUINE])
def test_genuine_evidence_is_accepted(kind: str, make: Callable[[], bytes]) -> None:
    data = make()
    assert check_evidence(kind, data, MAX) == kind
    assert check_evidence(kind.upper() + "; name=proof", data, MAX) == kind
    assert check_evidence(kind, data, len(data)) == kind


def test_the_wav_sample_is_a_real_wave_file() -> None:
    with wave.open(io.BytesIO(wav_file())) as w:
        assert w.getnframes() == 80


@pytest.mark.parametrize(("kind", "make"), GENUINE, ids=[f"{k}-{m.__name__}" for k, m in GENUINE])
def test_evidence_of_another_type_is_refused(kind: str, make: Callable[[], bytes]) -> None:
    data = make()
    textual = {"text/plain", "message/rfc822"}
    for other in EVIDENCE_TYPES:
        if other == kind or other in textual:
            continue
        with pytest.raises(ValueError, match="content is not"):
            check_evidence(other, data, MAX)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("audio/wav", b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 32),
        ("audio/wav", b"not a wave file"),
        ("audio/mp4", b"\x00\x00\x00\x18moov" + b"\x00" * 16),
        ("application/pdf", b"PDF-1.4 without its percent sign"),
        ("image/png", b"\x89PNG\r\n"),
        ("image/jpeg", b"\xff\xd8"),
        ("audio/ogg", b"oggs\x00\x02"),
        ("audio/webm", b"\x1a\x45\xdf"),
        ("audio/mpeg", b"ID4\x04\x00"),
        ("text/plain", b"\xff\xfe\x00h\x00i"),
        ("text/plain", b"hello\x00world"),
        ("text/plain", b"caf\xe9"),
        ("message/rfc822", b"Ja, ik wil de nieuwsbrief.\r\nGroet, Fenna\r\n"),
        ("message/rfc822", b"\x89PNG\r\n\x1a\n: not mail"),
    ],
)
def test_mismatched_content_is_refused(kind: str, data: bytes) -> None:
    with pytest.raises(ValueError, match=f"content is not {kind}"):
        check_evidence(kind, data, MAX)


@pytest.mark.parametrize("kind", sorted(EVIDENCE_TYPES))
def test_empty_evidence_is_refused(kind: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        check_evidence(kind, b"", MAX)


@pytest.mark.parametrize(("kind", "make"), GENUINE, ids=[f"{k}-{m.__name__}" for k, m in GENUINE])
def test_evidence_too_large_is_refused(kind: str, make: Callable[[], bytes]) -> None:
    data = make()
    with pytest.raises(ValueError, match=f"{len(data)} bytes; at most {len(data) - 1}"):
        check_evidence(kind, data, len(data) - 1)


@pytest.mark.parametrize(
    "kind",
    ["application/zip", "video/mp4", "image/gif", "text/html", "application/octet-stream", ""],
)
def test_unknown_evidence_types_are_refused(kind: str) -> None:
    with pytest.raises(ValueError, match="not accepted as evidence"):
        check_evidence(kind, pdf_file(), MAX)


@given(
    ledgers,
    moments,
    relationships,
    soft_sets,
    st.sampled_from(CHANNELS),
    st.sampled_from(list(MessageKind)),
    st.frozensets(st.sampled_from([SERVICE, MARKETING, SOFT, "invoicing"])),
    st.booleans(),
)
def test_an_allowed_message_names_a_purpose_the_person_was_collected_for(
    events: list[Event],
    now: datetime,
    relationship: str,
    soft: frozenset[Channel],
    channel: Channel,
    kind: MessageKind,
    purposes: frozenset[str],
    reachable: bool,
) -> None:
    """Art. 5(1)(b): whatever the ledger says, a message goes only under a purpose the person
    holds, to a person with an address; and a refusal for a missing purpose names it."""
    permission = fold(events).get((channel, "offers"))
    person = facts(relationship, permission, purposes=purposes, reachable=reachable)
    decision = may_contact(person, channel, kind, now, soft)
    if decision.allowed:
        assert reachable
        assert decision.purpose in purposes
        expected = {
            Basis.CONTRACT: SERVICE,
            Basis.CONSENT: MARKETING,
            Basis.SOFT_OPT_IN: SOFT,
        }[decision.basis]
        assert decision.purpose == expected
    if decision.reason is Reason.NOT_COLLECTED:
        assert decision.purpose is not None
        assert decision.purpose not in purposes
    if decision.basis is Basis.SOFT_OPT_IN:
        assert relationship == "customer"
        assert channel in soft
