"""The retention rules, pure: each anchor on the day before, on and after its period ends;
field-level minimisation; the withdrawal anchor with live, withdrawn, lapsed and never-given
consents; legal holds; and the forecast, which must say exactly what daily sweeps will do (a
hypothesis property checks it against a sweep run every day)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import NOW, examples
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.purposes.rules import parse_duration
from kluis.purposes.service import default_catalogue
from kluis.retention.rules import (
    ConsentSpan,
    Expiry,
    HeldPurpose,
    PersonFacts,
    Verdict,
    expiry,
    forecast,
    left_after,
    reconfirm_due,
    unused_fields,
    verdict,
)

CATALOGUE = {p.key: p for p in default_catalogue()}
ALL_FIELDS = frozenset(f.name for f in PERSONAL_FIELDS)
CONTACT_FIELDS = frozenset({"given_name", "family_name", "email", "phone"})


def held(key: str, collected: datetime = NOW) -> HeldPurpose:
    purpose = CATALOGUE[key]
    return HeldPurpose(purpose, parse_duration(purpose.retention), collected)


def facts(
    *purposes: HeldPurpose,
    fields: frozenset[str] = CONTACT_FIELDS,
    last_interaction: datetime = NOW,
    contract_ended: datetime | None = None,
    consents: tuple[ConsentSpan, ...] = (),
    hold: date | None = None,
) -> PersonFacts:
    return PersonFacts(
        person_id="p1",
        held=purposes,
        present_fields=fields,
        last_interaction_at=last_interaction,
        contract_ended_at=contract_ended,
        consents=consents,
        hold_until=hold,
    )


def at(day: date) -> datetime:
    return datetime.combine(day, NOW.timetz())


def around(day: date) -> tuple[datetime, datetime, datetime]:
    """The sweep's moment on the day before ``day``, on it and the day after."""
    return at(day - timedelta(days=1)), at(day), at(day + timedelta(days=1))


def granted(since: datetime, months: int = 24) -> ConsentSpan:
    from kluis.consent.rules import add_months

    return ConsentSpan("granted", since, add_months(since, months))


# Each anchor ------------------------------------------------------------------------------------


def test_collection_anchor_ends_the_period_on_the_same_day_a_month_later() -> None:
    person = facts(held("age_verification"), fields=frozenset({"birth_date"}))
    assert expiry(person, person.held[0], NOW).until == date(2026, 4, 14)
    before, on, after = around(date(2026, 4, 14))
    assert not verdict(person, before).acts
    assert verdict(person, on).erase
    assert verdict(person, after).erase


def test_a_month_from_the_31st_ends_on_the_last_day_of_a_shorter_month() -> None:
    person = facts(held("age_verification", datetime(2026, 1, 31, 10, tzinfo=UTC)))
    assert expiry(person, person.held[0], NOW).until == date(2026, 2, 28)


def test_last_interaction_anchor_keeps_a_prospect_a_year_and_not_a_day_more() -> None:
    person = facts(held("sales_follow_up"), last_interaction=NOW)
    before, on, after = around(date(2027, 3, 14))
    assert verdict(person, before) == Verdict("p1", False, (), ())
    found = verdict(person, on)
    assert found.erase
    assert found.expired == (
        Expiry("sales_follow_up", "last_interaction", "P1Y", date(2027, 3, 14)),
    )
    assert verdict(person, after).erase


def test_a_later_interaction_moves_the_end() -> None:
    person = facts(held("sales_follow_up"), last_interaction=NOW + timedelta(days=100))
    assert expiry(person, person.held[0], NOW).until == date(2027, 6, 22)
    assert not verdict(person, at(date(2027, 6, 21))).acts
    assert verdict(person, at(date(2027, 6, 22))).erase


def test_last_interaction_never_counts_from_before_the_purpose_was_collected() -> None:
    later = NOW + timedelta(days=30)
    person = facts(held("sales_follow_up", later), last_interaction=NOW)
    assert expiry(person, person.held[0], NOW).until == date(2027, 4, 13)


def test_end_of_contract_keeps_everything_while_the_contract_runs() -> None:
    person = facts(held("invoicing"), fields=frozenset({"given_name", "email", "address"}))
    assert expiry(person, person.held[0], NOW).until is None
    assert not verdict(person, NOW + timedelta(days=365 * 60)).acts


def test_end_of_contract_keeps_invoicing_data_seven_years_after_the_end() -> None:
    ended = datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    person = facts(held("invoicing"), fields=frozenset({"email"}), contract_ended=ended)
    assert expiry(person, person.held[0], NOW).until == date(2033, 6, 30)
    before, on, after = around(date(2033, 6, 30))
    assert not verdict(person, before).acts
    assert verdict(person, on).erase
    assert verdict(person, after).erase


# The withdrawal anchor --------------------------------------------------------------------------


def marketing(*consents: ConsentSpan, collected: datetime = NOW) -> PersonFacts:
    return facts(
        held("email_marketing", collected),
        fields=frozenset({"given_name", "email"}),
        consents=consents,
    )


def until(person: PersonFacts, now: datetime) -> date | None:
    return expiry(person, person.held[0], now).until


def test_withdrawal_anchor_is_open_while_a_consent_is_live() -> None:
    person = marketing(granted(NOW))
    assert until(person, NOW + timedelta(days=700)) is None
    assert not verdict(person, NOW + timedelta(days=700)).acts


def test_withdrawal_anchor_counts_from_the_withdrawal() -> None:
    withdrawn = ConsentSpan("withdrawn", NOW + timedelta(days=10))
    person = marketing(withdrawn)
    assert until(person, NOW) == date(2026, 4, 23)
    before, on, after = around(date(2026, 4, 23))
    assert not verdict(person, before).acts
    assert verdict(person, on).erase
    assert verdict(person, after).erase


def test_a_lapsed_consent_ends_at_its_reconfirm_by_date_before_any_sweep_marks_it() -> None:
    consent = granted(NOW, months=1)  # re-confirm by 2026-04-14 09:30
    person = marketing(consent)
    assert until(person, at(date(2026, 4, 13))) is None
    assert until(person, at(date(2026, 4, 14))) == date(2026, 5, 14)
    assert not verdict(person, at(date(2026, 5, 13))).acts
    assert verdict(person, at(date(2026, 5, 14))).erase


def test_an_expiry_recorded_late_still_counts_from_the_missed_date() -> None:
    missed = datetime(2026, 4, 14, 9, 30, tzinfo=UTC)
    recorded_late = ConsentSpan("expired", missed + timedelta(days=40), missed)
    assert until(marketing(recorded_late), NOW + timedelta(days=60)) == date(2026, 5, 14)


def test_without_any_consent_the_withdrawal_period_runs_from_collection() -> None:
    person = marketing()
    assert until(person, NOW) == date(2026, 4, 13)
    assert not verdict(person, at(date(2026, 4, 12))).acts
    assert verdict(person, at(date(2026, 4, 13))).erase


def test_one_live_consent_keeps_the_purpose_whatever_the_others_did() -> None:
    person = marketing(ConsentSpan("withdrawn", NOW), granted(NOW))
    assert until(person, NOW + timedelta(days=100)) is None


def test_the_last_of_several_ended_consents_is_the_anchor() -> None:
    person = marketing(
        ConsentSpan("withdrawn", NOW),
        ConsentSpan("withdrawn", NOW + timedelta(days=50)),
        granted(NOW - timedelta(days=800)),  # lapsed 2026-01-14
    )
    assert until(person, NOW + timedelta(days=60)) == date(2026, 6, 2)


# Field-level minimisation -----------------------------------------------------------------------


def test_the_birth_date_goes_when_age_verification_ends_and_the_rest_stays() -> None:
    person = facts(
        held("customer_service"),
        held("age_verification"),
        fields=CONTACT_FIELDS | {"birth_date", "address"},
    )
    before, on, _after = around(date(2026, 4, 14))
    assert not verdict(person, before).acts
    found = verdict(person, on)
    assert not found.erase
    assert [e.purpose for e in found.expired] == ["age_verification"]
    assert found.clear_fields == ("birth_date",)


def test_fields_only_an_ended_purpose_used_are_cleared_with_it() -> None:
    person = facts(
        held("customer_service"),
        held("email_marketing"),
        fields=frozenset({"given_name", "email", "interests", "notes"}),
    )
    found = verdict(person, at(date(2026, 4, 13)))
    assert [e.purpose for e in found.expired] == ["email_marketing"]
    assert found.clear_fields == ("interests",)


def test_a_field_no_purpose_may_use_goes_even_when_no_purpose_ends() -> None:
    person = facts(held("invoicing"), fields=frozenset({"email", "phone"}))
    found = verdict(person, NOW)
    assert (found.erase, found.expired, found.clear_fields) == (False, (), ("phone",))


def test_unused_fields_lists_only_fields_that_hold_a_value() -> None:
    live = [CATALOGUE["invoicing"]]
    assert unused_fields(live, frozenset({"email"})) == ()
    assert unused_fields(live, ALL_FIELDS) == (
        "phone",
        "birth_date",
        "job_title",
        "interests",
        "notes",
    )
    assert unused_fields([CATALOGUE["privacy_requests"]], ALL_FIELDS) == ()


# Legal holds ------------------------------------------------------------------------------------


def test_a_legal_hold_stops_an_erasure_until_the_day_it_ends() -> None:
    person = facts(held("sales_follow_up"), hold=date(2027, 6, 1))
    found = verdict(person, at(date(2027, 3, 14)))
    assert found == Verdict("p1", False, (), (), held_until=date(2027, 6, 1))
    assert not found.acts
    before, on, after = around(date(2027, 6, 1))
    assert not verdict(person, before).acts
    assert verdict(person, on).erase
    assert verdict(person, after).erase


def test_a_legal_hold_stops_minimisation_too() -> None:
    person = facts(
        held("customer_service"),
        held("age_verification"),
        fields=CONTACT_FIELDS | {"birth_date"},
        hold=date(2026, 5, 1),
    )
    assert verdict(person, at(date(2026, 4, 20))).held_until == date(2026, 5, 1)
    assert verdict(person, at(date(2026, 5, 1))).clear_fields == ("birth_date",)


def test_a_hold_with_nothing_to_stop_is_not_reported() -> None:
    person = facts(held("invoicing"), fields=frozenset({"email"}), hold=date(2030, 1, 1))
    assert verdict(person, NOW) == Verdict("p1", False, (), ())


# Forecast ---------------------------------------------------------------------------------------


def test_forecast_lists_each_day_something_happens_and_only_what_is_new() -> None:
    person = facts(
        held("customer_service"),
        held("age_verification"),
        fields=CONTACT_FIELDS | {"birth_date"},
    )
    found = forecast(person, NOW, 800)
    assert [(day, v.erase, [e.purpose for e in v.expired], v.clear_fields) for day, v in found] == [
        (date(2026, 4, 14), False, ["age_verification"], ("birth_date",)),
        (date(2028, 3, 14), True, ["customer_service"], ()),
    ]
    assert forecast(person, NOW, 30) == []
    assert [day for day, _ in forecast(person, NOW, 31)] == [date(2026, 4, 14)]


def test_forecast_reports_what_is_due_already_on_today() -> None:
    person = facts(held("sales_follow_up", NOW - timedelta(days=400)), last_interaction=NOW)
    person = replace(person, last_interaction_at=NOW - timedelta(days=400))
    [(day, found)] = forecast(person, NOW, 1)
    assert day == NOW.date()
    assert found == verdict(person, NOW)


def test_forecast_sees_a_live_consent_lapse_and_the_withdrawal_period_after_it() -> None:
    person = marketing(granted(NOW, months=1))  # lapses 14 April, erased 30 days later
    assert forecast(person, NOW, 60) == []
    assert forecast(person, NOW, 61) == [
        (date(2026, 5, 14), verdict(person, at(date(2026, 5, 14))))
    ]


def test_forecast_sees_a_hold_end() -> None:
    person = facts(held("sales_follow_up"), hold=date(2027, 6, 1))
    [(day, found)] = forecast(person, NOW, 500)
    assert day == date(2027, 6, 1)
    assert found.erase


def test_a_lapse_later_in_the_day_than_the_sweep_is_seen_the_next_day() -> None:
    evening = datetime(2026, 4, 14, 20, 0, tzinfo=UTC)
    person = marketing(ConsentSpan("granted", NOW, evening), collected=NOW)
    # the 09:30 sweep of 14 April still sees the consent live; the one of the 15th does not
    assert until(person, at(date(2026, 4, 14))) is None
    assert until(person, at(date(2026, 4, 15))) == date(2026, 5, 14)
    assert [day for day, _ in forecast(person, NOW, 90)] == [date(2026, 5, 14)]


# hypothesis: the forecast is what a sweep every day would do ------------------------------------

BASE = datetime(2026, 3, 14, tzinfo=UTC)


def moments(low: int, high: int) -> st.SearchStrategy[datetime]:
    return st.builds(
        lambda days, minutes: BASE + timedelta(days=days, minutes=minutes),
        st.integers(min_value=low, max_value=high),
        st.integers(min_value=0, max_value=1439),
    )


spans = st.one_of(
    st.builds(
        lambda since, months: granted(since, months),
        moments(-900, 0),
        st.integers(min_value=1, max_value=36),
    ),
    st.builds(lambda since: ConsentSpan("withdrawn", since), moments(-900, 0)),
    st.builds(
        lambda missed, late: ConsentSpan("expired", missed + timedelta(days=late), missed),
        moments(-900, -1),
        st.integers(min_value=0, max_value=60),
    ),
)

people = st.builds(
    lambda held_, fields, last, contract, consents, hold: facts(
        *held_,
        fields=frozenset(fields),
        last_interaction=last,
        contract_ended=contract,
        consents=tuple(consents),
        hold=hold,
    ),
    st.lists(
        st.builds(held, st.sampled_from(sorted(CATALOGUE)), moments(-900, 0)),
        min_size=1,
        max_size=4,
        unique_by=lambda h: h.purpose.key,
    ),
    st.lists(st.sampled_from(sorted(ALL_FIELDS)), max_size=9),
    moments(-900, 0),
    st.one_of(st.none(), moments(-3000, 300)),
    st.lists(spans, max_size=3),
    st.one_of(
        st.none(), st.builds(lambda d: BASE.date() + timedelta(days=d), st.integers(-20, 600))
    ),
)


def daily_sweeps(person: PersonFacts, now: datetime, days: int) -> list[tuple[date, Verdict]]:
    """A sweep at ``now``'s time of day on every day, each leaving the person as it does."""
    done: list[tuple[date, Verdict]] = []
    for offset in range(days + 1):
        day = now.date() + timedelta(days=offset)
        found = verdict(person, datetime.combine(day, now.timetz()))
        if not found.acts:
            continue
        done.append((day, found))
        if found.erase:
            break
        person = left_after(person, found)
    return done


@settings(max_examples=examples(150), deadline=None)
@given(people, st.integers(min_value=0, max_value=1439), st.integers(min_value=1, max_value=800))
def test_forecast_is_what_a_sweep_every_day_would_do(
    person: PersonFacts, minutes: int, days: int
) -> None:
    now = BASE + timedelta(minutes=minutes)
    expected = daily_sweeps(person, now, days)
    found = forecast(person, now, days)
    assert found == expected
    first = next(
        (
            now.date() + timedelta(days=d)
            for d in range(days + 1)
            if verdict(person, datetime.combine(now.date() + timedelta(days=d), now.timetz())).acts
        ),
        None,
    )
    assert (found[0][0] if found else None) == first


# When to ask for re-confirmation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "live", "asked"),
    [
        (timedelta(days=31), True, False),
        (timedelta(days=30, seconds=1), True, False),
        (timedelta(days=30), True, True),
        (timedelta(days=1), True, True),
        (timedelta(seconds=1), True, True),
        (timedelta(0), True, False),
        (-timedelta(days=1), True, False),
        (timedelta(days=10), False, False),
    ],
)
def test_reconfirmation_is_asked_only_in_the_window_before_the_date_of_a_live_consent(
    offset: timedelta, live: bool, asked: bool
) -> None:
    assert reconfirm_due(NOW + offset, live, NOW, 30) is asked


def test_a_consent_without_a_reconfirm_by_date_is_never_asked() -> None:
    assert not reconfirm_due(None, True, NOW, 30)


def test_the_sweep_moment_keeps_its_time_of_day() -> None:
    assert at(date(2026, 1, 1)).timetz() == time(9, 30, tzinfo=UTC)
