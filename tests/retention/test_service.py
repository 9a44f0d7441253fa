"""Time travel through retention on SQLite and PostgreSQL: sweeps at moments years apart, never
the clock. A prospect goes a year after the last interaction, the birth date a month after it
was collected, an invoicing customer seven years after the contract ended; legal holds stop
all of it; sweeps can be re-run, interrupted and dry-run; lapsed consents are marked expired."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import ADMIN, NOW, PRIVACY, SALES
from factories import add_person
from kluis.audit import service as audit
from kluis.consent import ledger as consent
from kluis.contacts import erasure, rectify
from kluis.contacts import people as contacts
from kluis.errors import InvalidField, NotFound, PermissionDenied, PersonErased
from kluis.retention import service
from kluis.runtime import Kluis

Grant = Callable[..., int]


def on(day: date) -> datetime:
    """The sweep's moment on ``day``: the time of day of NOW."""
    return datetime.combine(day, NOW.timetz())


def prospect(kluis: Kluis, n: int = 1) -> str:
    return add_person(kluis, ADMIN, NOW, n, relationship="prospect", purposes=("sales_follow_up",))


def gone(kluis: Kluis, person_id: str) -> bool:
    return bool(kluis.vault.erased([person_id]))


def entries(kluis: Kluis, action: str | None = None) -> list[audit.AuditEntryView]:
    return audit.list_entries(kluis.engine, action=action, limit=100_000)


def test_a_prospect_is_erased_a_year_after_the_last_interaction_and_not_a_day_before(
    kluis: Kluis,
) -> None:
    person = prospect(kluis)
    for day in (date(2026, 9, 1), date(2027, 3, 13)):
        report = service.sweep(kluis, on(day))
        assert (report.seen, report.erased, report.minimised) == (1, 0, 0)
        assert not gone(kluis, person)
    report = service.sweep(kluis, on(date(2027, 3, 14)))
    assert (report.seen, report.erased) == (1, 1)
    assert gone(kluis, person)
    with pytest.raises(PersonErased):
        contacts.read_person(kluis, ADMIN, person, "sales_follow_up", on(date(2027, 3, 14)))
    # one entry per retention erasure: the cause and the kinds listed in ``person.erased``
    [erased] = entries(kluis, "person.erased")
    assert erased.person_id == person
    assert erased.actor == "system"
    assert erased.details == {
        "reason": "retention",
        "suppressed": ["email", "phone"],
        "expired": ["sales_follow_up:P1Y:last_interaction:2027-03-14"],
    }
    assert entries(kluis, "retention.applied") == []
    assert entries(kluis, "suppression.added") == []


def test_an_interaction_moves_the_prospects_end(kluis: Kluis) -> None:
    person = prospect(kluis)
    later = on(date(2026, 9, 1))
    rectify.update_person(kluis, SALES, person, "sales_follow_up", {"job_title": "Buyer"}, later)
    assert service.sweep(kluis, on(date(2027, 3, 14))).erased == 0
    assert service.sweep(kluis, on(date(2027, 8, 31))).erased == 0
    assert service.sweep(kluis, on(date(2027, 9, 1))).erased == 1


def test_the_birth_date_disappears_while_the_rest_stays(kluis: Kluis) -> None:
    person = add_person(
        kluis,
        ADMIN,
        NOW,
        purposes=("customer_service", "age_verification"),
        birth_date="1990-05-17",
    )
    assert service.sweep(kluis, on(date(2026, 4, 13))).minimised == 0
    report = service.sweep(kluis, on(date(2026, 4, 14)))
    assert (report.erased, report.minimised, report.fields_cleared, report.purposes_removed) == (
        0,
        1,
        1,
        1,
    )
    view = contacts.read_person(kluis, PRIVACY, person, "privacy_requests", on(date(2026, 4, 14)))
    assert "birth_date" not in view.fields
    assert view.fields["email"] == "fenna.brouwersma1@example.com"
    assert view.fields["given_name"] == "Fenna1"
    assert view.purposes == ("customer_service",)
    [applied] = entries(kluis, "retention.applied")
    assert applied.details["outcome"] == "minimise"
    assert applied.details["fields"] == ["birth_date"]
    [minimised] = entries(kluis, "person.minimised")
    assert minimised.details["cleared"] == ["birth_date"]
    assert minimised.details["reason"] == "retention"


def invoicing_customer(kluis: Kluis) -> str:
    return add_person(
        kluis,
        ADMIN,
        NOW,
        purposes=("invoicing", "customer_service"),
        address="Dorpsstraat 1\n9999 ZZ Ergens",
    )


def test_an_invoicing_customer_is_kept_while_the_contract_runs(kluis: Kluis) -> None:
    person = invoicing_customer(kluis)
    # customer service ends two years after the last interaction; invoicing keeps the person
    report = service.sweep(kluis, on(date(2028, 3, 14)))
    assert (report.erased, report.minimised) == (0, 1)
    view = contacts.read_person(kluis, PRIVACY, person, "privacy_requests", on(date(2028, 3, 14)))
    assert view.purposes == ("invoicing",)
    assert "phone" not in view.fields  # invoicing has no use for it
    assert view.fields["address"] == "Dorpsstraat 1\n9999 ZZ Ergens"
    for years in (10, 40):
        report = service.sweep(kluis, NOW + timedelta(days=365 * years))
        assert (report.erased, report.minimised) == (0, 0)


def test_an_invoicing_customer_is_kept_seven_years_after_the_contract_ends_then_erased(
    kluis: Kluis,
) -> None:
    person = invoicing_customer(kluis)
    ended = datetime(2031, 6, 30, 17, 0, tzinfo=UTC)
    service.set_contract_end(kluis, ADMIN, person, ended, ended)
    [event] = entries(kluis, "person.contract_ended")
    assert event.details["ended_at"] == ended.isoformat()
    assert service.sweep(kluis, on(date(2031, 7, 1))).erased == 0
    assert service.sweep(kluis, on(date(2038, 6, 29))).erased == 0
    assert not gone(kluis, person)
    report = service.sweep(kluis, on(date(2038, 6, 30)))
    assert report.erased == 1
    assert gone(kluis, person)
    [minimised] = entries(kluis, "retention.applied")
    assert minimised.details["expired"] == ["customer_service:P2Y:last_interaction:2028-03-14"]
    [erased] = entries(kluis, "person.erased")
    assert erased.details["expired"] == ["invoicing:P7Y:end_of_contract:2038-06-30"]


def test_clearing_the_contract_end_keeps_the_customer_again(kluis: Kluis) -> None:
    person = invoicing_customer(kluis)
    service.set_contract_end(kluis, ADMIN, person, NOW, NOW)
    service.set_contract_end(kluis, ADMIN, person, None, NOW)
    assert service.sweep(kluis, NOW + timedelta(days=365 * 9)).erased == 0
    assert [e.details["ended_at"] for e in entries(kluis, "person.contract_ended")] == [
        NOW.isoformat(),
        None,
    ]


def test_contract_end_of_someone_unknown_or_erased_is_refused(kluis: Kluis) -> None:
    with pytest.raises(NotFound):
        service.set_contract_end(kluis, ADMIN, "00000000-0000-4000-8000-000000000000", NOW, NOW)
    person = invoicing_customer(kluis)
    erasure.erase_person(kluis, ADMIN, person, NOW)
    with pytest.raises(PersonErased):
        service.set_contract_end(kluis, ADMIN, person, NOW, NOW)
    with pytest.raises(PermissionDenied):
        service.set_contract_end(kluis, SALES, person, NOW, NOW)


# Legal holds ------------------------------------------------------------------------------------


def test_a_legal_hold_stops_erasure_until_it_ends(kluis: Kluis) -> None:
    person = prospect(kluis)
    hold = service.add_hold(kluis, PRIVACY, person, "case 2026-114", on(date(2028, 1, 1)), NOW)
    report = service.sweep(kluis, on(date(2027, 6, 1)))
    assert (report.erased, report.held) == (0, 1)
    assert not gone(kluis, person)
    assert service.sweep(kluis, on(date(2027, 12, 31))).erased == 0
    assert service.sweep(kluis, on(date(2028, 1, 1))).erased == 1
    assert gone(kluis, person)
    [placed] = entries(kluis, "legal_hold.changed")
    assert placed.details == {
        "hold_id": hold,
        "change": "placed",
        "until": on(date(2028, 1, 1)).isoformat(),
    }


def test_a_lifted_hold_lets_the_next_sweep_erase(kluis: Kluis) -> None:
    person = prospect(kluis)
    hold = service.add_hold(kluis, ADMIN, person, "case 7", on(date(2030, 1, 1)), NOW)
    assert service.sweep(kluis, on(date(2027, 6, 1))).held == 1
    lifted = service.lift_hold(kluis, PRIVACY, hold, on(date(2027, 7, 1)))
    assert (lifted.lifted_at, lifted.lifted_by) == (on(date(2027, 7, 1)), PRIVACY.ref)
    assert not lifted.active(on(date(2027, 7, 1)))
    assert service.sweep(kluis, on(date(2027, 7, 1))).erased == 1
    changes = [e.details["change"] for e in entries(kluis, "legal_hold.changed")]
    assert changes == ["placed", "lifted"]


def test_a_legal_hold_stops_minimisation_too(kluis: Kluis) -> None:
    person = add_person(
        kluis,
        ADMIN,
        NOW,
        purposes=("customer_service", "age_verification"),
        birth_date="1990-05-17",
    )
    service.add_hold(kluis, ADMIN, person, "case 9", on(date(2026, 6, 1)), NOW)
    report = service.sweep(kluis, on(date(2026, 5, 1)))
    assert (report.minimised, report.held) == (0, 1)
    assert service.sweep(kluis, on(date(2026, 6, 1))).fields_cleared == 1


def test_holds_are_listed_and_checked(kluis: Kluis) -> None:
    person = prospect(kluis)
    with pytest.raises(InvalidField) as empty:
        service.add_hold(kluis, ADMIN, person, "  ", NOW + timedelta(days=1), NOW)
    assert empty.value.field == "reason"
    with pytest.raises(InvalidField) as past:
        service.add_hold(kluis, ADMIN, person, "case", NOW, NOW)
    assert past.value.field == "until"
    with pytest.raises(PermissionDenied):
        service.add_hold(kluis, SALES, person, "case", NOW + timedelta(days=1), NOW)
    with pytest.raises(NotFound):
        service.add_hold(
            kluis, ADMIN, "00000000-0000-4000-8000-000000000000", "c", NOW + timedelta(1), NOW
        )
    first = service.add_hold(kluis, ADMIN, person, " case 1 ", NOW + timedelta(days=10), NOW)
    second = service.add_hold(kluis, ADMIN, person, "case 2", NOW + timedelta(days=20), NOW)
    service.lift_hold(kluis, ADMIN, second, NOW)
    with pytest.raises(InvalidField):
        service.lift_hold(kluis, ADMIN, second, NOW)
    with pytest.raises(NotFound):
        service.lift_hold(kluis, ADMIN, 999, NOW)
    holds = service.holds_of(kluis, person, actor=PRIVACY)
    assert [(h.id, h.reason, h.created_by, h.lifted_by) for h in holds] == [
        (first, "case 1", ADMIN.ref, None),
        (second, "case 2", ADMIN.ref, ADMIN.ref),
    ]
    assert [h.active(NOW) for h in holds] == [True, False]
    assert not holds[0].active(NOW + timedelta(days=10))
    with pytest.raises(PermissionDenied):
        service.holds_of(kluis, person, actor=SALES)
    with pytest.raises(NotFound):
        service.holds_of(kluis, "00000000-0000-4000-8000-000000000000")
    erasure.erase_person(kluis, ADMIN, person, NOW)
    with pytest.raises(PersonErased):
        service.holds_of(kluis, person)


# Re-running, dry runs, interruptions, batches ---------------------------------------------------


def population(kluis: Kluis) -> dict[str, str]:
    """One of each: due for erasure, for minimisation, held, kept."""
    due = prospect(kluis, 1)
    minimise = add_person(
        kluis,
        ADMIN,
        NOW,
        2,
        purposes=("customer_service", "age_verification"),
        birth_date="1990-05-17",
    )
    held = prospect(kluis, 3)
    service.add_hold(kluis, ADMIN, held, "case 3", NOW + timedelta(days=3000), NOW)
    kept = invoicing_customer_n(kluis, 4)
    return {"due": due, "minimise": minimise, "held": held, "kept": kept}


def invoicing_customer_n(kluis: Kluis, n: int) -> str:
    return add_person(kluis, ADMIN, NOW, n, purposes=("invoicing",), phone=None)


LATER = on(date(2027, 6, 1))


def test_a_dry_run_changes_nothing_and_says_what_would_happen_and_why(kluis: Kluis) -> None:
    people = population(kluis)
    before = len(entries(kluis))
    report = service.sweep(kluis, LATER, dry_run=True)
    assert len(entries(kluis)) == before
    assert not any(gone(kluis, p) for p in people.values())
    assert (report.seen, report.erased, report.minimised, report.held) == (4, 1, 1, 1)
    actions = {a["person_id"]: a for a in report.actions}
    assert set(actions) == {people["due"], people["minimise"], people["held"]}
    assert actions[people["due"]]["action"] == "erase"
    assert actions[people["due"]]["expired"] == [
        {
            "purpose": "sales_follow_up",
            "retention": "P1Y",
            "anchor": "last_interaction",
            "until": "2027-03-14",
        }
    ]
    assert actions[people["minimise"]]["action"] == "minimise"
    assert actions[people["minimise"]]["fields"] == ["birth_date"]
    held = actions[people["held"]]
    assert (held["action"], held["would"], held["held_until"]) == ("held", "erase", "2034-05-31")
    real = service.sweep(kluis, LATER)
    assert (real.erased, real.minimised, real.held) == (report.erased, report.minimised, 1)
    assert real.actions == []


def test_a_second_sweep_at_the_same_moment_changes_nothing_more(kluis: Kluis) -> None:
    population(kluis)
    first = service.sweep(kluis, LATER)
    assert (first.erased, first.minimised) == (1, 1)
    before = len(entries(kluis))
    again = service.sweep(kluis, LATER)
    assert (again.seen, again.erased, again.minimised, again.consents_expired) == (3, 0, 0, 0)
    assert len(entries(kluis)) == before


def test_an_interrupted_sweep_is_finished_by_running_it_again(kluis: Kluis) -> None:
    people = [prospect(kluis, n) for n in range(1, 8)]

    def stop(_done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        service.sweep(kluis, LATER, batch_size=3, page_size=3, progress=stop)
    assert sum(gone(kluis, p) for p in people) == 3
    report = service.sweep(kluis, LATER, batch_size=3, page_size=3)
    assert (report.seen, report.erased) == (4, 4)
    assert all(gone(kluis, p) for p in people)
    assert len(entries(kluis, "person.erased")) == 7
    assert audit.verify(kluis.engine).ok


def test_small_pages_see_everyone_once(kluis: Kluis) -> None:
    people = [prospect(kluis, n) for n in range(1, 6)]
    seen: list[int] = []
    report = service.sweep(kluis, LATER, batch_size=2, page_size=2, progress=seen.append)
    assert seen == [2, 2, 1]
    assert (report.seen, report.erased) == (5, 5)
    assert all(gone(kluis, p) for p in people)
    assert service.count_people(kluis) == 0


def test_only_admins_and_privacy_officers_sweep_or_forecast(kluis: Kluis) -> None:
    with pytest.raises(PermissionDenied):
        service.sweep(kluis, NOW, actor=SALES)
    with pytest.raises(PermissionDenied):
        list(service.forecast(kluis, NOW, 10, actor=SALES))
    with pytest.raises(InvalidField) as days:
        list(service.forecast(kluis, NOW, 0))
    assert days.value.field == "days"
    with pytest.raises(InvalidField) as moment:
        service.sweep(kluis, datetime(9999, 12, 31, tzinfo=UTC), dry_run=True)
    assert moment.value.field == "as_of"


# Consents that lapse ----------------------------------------------------------------------------


def test_lapsed_consents_get_an_expired_event_once(kluis: Kluis, grant: Grant) -> None:
    person = add_person(
        kluis,
        ADMIN,
        NOW,
        purposes=("invoicing", "email_marketing"),
        phone=None,
        interests=["cheese"],
    )
    grant(person, NOW)  # re-confirm by 2028-03-14 09:30
    grant(person, NOW, topic="newsletter")
    assert service.sweep(kluis, on(date(2028, 3, 13))).consents_expired == 0
    report = service.sweep(kluis, on(date(2028, 3, 14)))
    assert report.consents_expired == 2
    assert {(k[1], p.status.value) for k, p in consent.kept_state(kluis, person).items()} == {
        ("offers", "expired"),
        ("newsletter", "expired"),
    }
    ledger = consent.ledger(kluis, ADMIN, person, "privacy_requests", on(date(2028, 3, 14)))
    expired = [e for e in ledger.events if e.action == "expired"]
    assert sorted((e.topic, e.captured_at, e.captured_by) for e in expired) == [
        ("newsletter", on(date(2028, 3, 14)), "system"),
        ("offers", on(date(2028, 3, 14)), "system"),
    ]
    assert service.sweep(kluis, on(date(2028, 3, 15))).consents_expired == 0
    # thirty days after the lapse, e-mail marketing's period ends: its fields go, invoicing stays
    assert service.sweep(kluis, on(date(2028, 4, 12))).minimised == 0
    report = service.sweep(kluis, on(date(2028, 4, 13)))
    assert (report.minimised, report.fields_cleared) == (1, 1)
    view = contacts.read_person(kluis, PRIVACY, person, "privacy_requests", on(date(2028, 4, 13)))
    assert view.purposes == ("invoicing",)
    assert "interests" not in view.fields


def test_a_person_erased_by_the_sweep_gets_no_expired_events_first(
    kluis: Kluis, grant: Grant
) -> None:
    person = add_person(
        kluis, ADMIN, NOW, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    grant(person, NOW)
    report = service.sweep(kluis, on(date(2028, 4, 13)))
    assert (report.erased, report.consents_expired) == (1, 0)
    assert entries(kluis, "consent.recorded")[-1].details["consent_action"] == "granted"


def test_withdrawal_starts_the_marketing_period(kluis: Kluis, grant: Grant) -> None:
    person = add_person(
        kluis, ADMIN, NOW, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    grant(person, NOW)
    withdrawn = on(date(2026, 9, 1))
    consent.record(
        kluis,
        ADMIN,
        person,
        "email",
        "offers",
        "withdrawn",
        withdrawn,
        consent.Grant(method="unsubscribe_link", notice_id=None),
    )
    assert service.sweep(kluis, on(date(2026, 9, 30))).erased == 0
    assert service.sweep(kluis, on(date(2026, 10, 1))).erased == 1


# The forecast against the sweep -----------------------------------------------------------------


def test_each_forecast_day_is_what_the_sweep_does_that_day(kluis: Kluis, grant: Grant) -> None:
    people = population(kluis)
    marketing = add_person(
        kluis, ADMIN, NOW, 5, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    grant(marketing, NOW)
    predicted = list(service.forecast(kluis, NOW, 3660))
    by_day: dict[date, set[tuple[str, str]]] = {}
    for item in predicted:
        action = "erase" if item.verdict.erase else "minimise"
        by_day.setdefault(item.on, set()).add((item.verdict.person_id, action))
    assert by_day == {
        date(2026, 4, 14): {(people["minimise"], "minimise")},
        date(2027, 3, 14): {(people["due"], "erase")},
        date(2028, 3, 14): {(people["minimise"], "erase")},
        date(2028, 4, 13): {(marketing, "erase")},
        date(2034, 5, 31): {(people["held"], "erase")},
    }
    for day, expected in sorted(by_day.items()):
        quiet = service.sweep(kluis, on(day - timedelta(days=1)), dry_run=True)
        assert quiet.erased + quiet.minimised == 0, day
        report = service.sweep(kluis, on(day), keep_actions=True)
        acted = {(a["person_id"], a["action"]) for a in report.actions if a["action"] != "held"}
        assert acted == expected
    assert [p for p in people.values() if not gone(kluis, p)] == [people["kept"]]


def test_a_page_larger_than_a_batch_erases_a_batch_at_a_time(kluis: Kluis) -> None:
    people = [prospect(kluis, n) for n in range(1, 8)]
    seen: list[int] = []
    report = service.sweep(kluis, LATER, batch_size=2, page_size=10, progress=seen.append)
    assert seen == [7]
    assert (report.seen, report.erased) == (7, 7)
    assert all(gone(kluis, p) for p in people)
    assert len(entries(kluis, "person.erased")) == 7
    assert entries(kluis, "retention.applied") == []
    assert audit.verify(kluis.engine).ok
