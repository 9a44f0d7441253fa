"""Activities through the service on SQLite and PostgreSQL: logged under a purpose the author's
role holds and the person was collected for, sealed, audited without subject or body, moving
the last interaction when past; erasure and the end of a purpose take them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from activity_helpers import BODY, SUBJECT, WAV, draft, log_call
from conftest import ADMIN, MARKETING, NOW, PRIVACY, SALES, SERVICE
from factories import add_person
from kluis.activities import reads, service
from kluis.activities.tables import Activity, LatestActivity
from kluis.audit import service as audit
from kluis.consent.evidence import Recording
from kluis.consent.tables import Evidence
from kluis.contacts import companies, erasure
from kluis.contacts import repository as contacts_repo
from kluis.errors import InvalidField, NotFound, PermissionDenied, PurposeRefused
from kluis.retention import service as retention
from kluis.runtime import Kluis


def last_interaction(kluis: Kluis, person_id: str) -> datetime:
    with kluis.engine.connect() as conn:
        at: datetime = contacts_repo.fetch(conn, [person_id])[person_id].last_interaction_at
    return at


def count(kluis: Kluis, table: type, **where: object) -> int:
    query = select(func.count()).select_from(table)
    for name, value in where.items():
        query = query.where(getattr(table, name) == value)
    with kluis.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_a_logged_call_reads_back_under_its_purpose_and_is_sealed(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    activity_id = log_call(kluis, person)
    [view] = reads.of_person(kluis, SERVICE, person, "customer_service", NOW)
    assert (view.id, view.subject, view.body, view.type) == (activity_id, SUBJECT, BODY, "call")
    assert (view.author, view.author_role, view.scheduled) == ("user:5", "service", False)
    assert reads.show(kluis, SALES, activity_id, "customer_service", NOW).subject == SUBJECT
    with kluis.engine.connect() as conn:
        row = conn.execute(select(Activity)).one()
    assert SUBJECT.encode() not in row.subject
    assert BODY.encode() not in (row.body or b"")


def test_the_audit_names_person_purpose_and_kind_never_subject_or_body(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    activity_id = log_call(kluis, person)
    reads.of_person(kluis, SERVICE, person, "customer_service", NOW)
    service.change(kluis, SERVICE, activity_id, "customer_service", {"subject": "Nieuw"}, NOW)
    service.delete(kluis, SERVICE, activity_id, "customer_service", NOW)
    entries = audit.list_entries(kluis.engine, limit=1000)
    actions = [e.action for e in entries if e.action.startswith("activity.")]
    assert sorted(actions) == [
        "activity.changed",
        "activity.deleted",
        "activity.list_read",
        "activity.logged",
    ]
    for entry in entries:
        text = repr(entry.details)
        assert SUBJECT not in text
        assert BODY not in text
        assert "Nieuw" not in text
        if entry.action.startswith("activity."):
            assert (entry.person_id, entry.purpose) == (person, "customer_service")


def test_only_a_purpose_the_role_holds_and_the_person_was_collected_for(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service",))
    with pytest.raises(PurposeRefused):
        log_call(kluis, person, actor=MARKETING, purpose="email_marketing")
    with pytest.raises(PurposeRefused):
        log_call(kluis, person, actor=SALES, purpose="sales_follow_up")
    with pytest.raises(PurposeRefused):
        log_call(kluis, person, actor=PRIVACY, purpose="privacy_requests")
    log_call(kluis, person, actor=SALES)
    with pytest.raises(PurposeRefused):
        reads.of_person(kluis, MARKETING, person, "customer_service", NOW)


def test_a_purpose_sees_only_its_own_activities_and_privacy_requests_sees_all(
    kluis: Kluis,
) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service", "sales_follow_up"))
    service_call = log_call(kluis, person)
    sales_call = log_call(kluis, person, actor=SALES, purpose="sales_follow_up")
    assert [v.id for v in reads.of_person(kluis, SALES, person, "sales_follow_up", NOW)] == [
        sales_call
    ]
    with pytest.raises(NotFound):
        reads.show(kluis, SALES, service_call, "sales_follow_up", NOW)
    every = reads.of_person(kluis, PRIVACY, person, "privacy_requests", NOW)
    assert {v.id for v in every} == {service_call, sales_call}


def test_a_past_activity_moves_the_last_interaction_a_scheduled_one_does_not(
    kluis: Kluis,
) -> None:
    person = add_person(kluis, ADMIN, NOW - timedelta(days=30))
    before = last_interaction(kluis, person)
    log_call(kluis, person, occurred_at=NOW + timedelta(days=2))
    assert last_interaction(kluis, person) == before
    assert count(kluis, LatestActivity) == 0
    assert reads.count_quiet(kluis, NOW, 90) == 1
    log_call(kluis, person, occurred_at=NOW - timedelta(days=3))
    assert last_interaction(kluis, person) == NOW - timedelta(days=3)
    assert reads.count_quiet(kluis, NOW, 90) == 0
    log_call(kluis, person, occurred_at=NOW - timedelta(days=20))
    assert last_interaction(kluis, person) == NOW - timedelta(days=3)
    assert reads.count_quiet(kluis, NOW + timedelta(days=95), 90) == 1


def test_a_recording_is_stored_as_sealed_evidence_under_the_upload_rules(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    recording = Recording("audio/wav", WAV, "gesprek.wav")
    activity_id = log_call(kluis, person, recording=recording)
    view = reads.show(kluis, SERVICE, activity_id, "customer_service", NOW)
    assert view.recording_id is not None
    with kluis.engine.connect() as conn:
        stored = conn.execute(select(Evidence)).one()
    assert WAV not in stored.data
    assert stored.content_type == "audio/wav"
    with pytest.raises(InvalidField) as refused:
        log_call(kluis, person, recording=Recording("audio/wav", b"not a wav"))
    assert refused.value.field == "recording"
    with pytest.raises(InvalidField):
        log_call(kluis, person, type="note", recording=recording)


def test_only_the_author_or_an_admin_changes_an_activity(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    activity_id = log_call(kluis, person)
    with pytest.raises(PermissionDenied):
        service.change(kluis, SALES, activity_id, "customer_service", {"subject": "x"}, NOW)
    assert service.change(
        kluis, ADMIN, activity_id, "customer_service", {"body": "Anders"}, NOW
    ) == ["body"]
    assert reads.show(kluis, SERVICE, activity_id, "customer_service", NOW).body == "Anders"
    with pytest.raises(InvalidField):
        service.change(kluis, ADMIN, activity_id, "customer_service", {"author": "x"}, NOW)


def test_erasure_takes_the_activities_and_their_recordings(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    other = add_person(kluis, ADMIN, NOW, 2)
    log_call(kluis, person, recording=Recording("audio/wav", WAV))
    log_call(kluis, other)
    erasure.erase_person(kluis, PRIVACY, person, NOW)
    assert count(kluis, Activity, person_id=person) == 0
    assert count(kluis, Evidence, person_id=person) == 0
    assert count(kluis, LatestActivity, person_id=person) == 0
    assert count(kluis, Activity, person_id=other) == 1


def test_a_purpose_that_ends_in_a_retention_sweep_takes_its_activities(kluis: Kluis) -> None:
    person = add_person(
        kluis,
        ADMIN,
        NOW,
        purposes=("customer_service", "age_verification"),
        birth_date="1990-05-17",
    )
    kept = log_call(kluis, person)
    log_call(kluis, person, purpose="age_verification", type="note")
    assert count(kluis, Activity) == 2
    on = datetime.combine(date(2026, 4, 14), NOW.timetz())
    report = retention.sweep(kluis, on)
    assert report.purposes_removed == 1
    with kluis.engine.connect() as conn:
        left = conn.execute(select(Activity.id, Activity.purpose_key)).all()
    assert [tuple(r) for r in left] == [(kept, "customer_service")]


def test_a_company_shows_its_peoples_activities_under_the_purpose(kluis: Kluis) -> None:
    company = companies.create_company(kluis, ADMIN, {"name": "Bakkerij Zonnig"}, NOW).id
    person = add_person(kluis, ADMIN, NOW)
    log_call(kluis, person, company_id=company)
    log_call(kluis, person)
    shown = reads.of_company(kluis, SERVICE, company, "customer_service", NOW)
    assert [v.company_id for v in shown] == [company]
    assert reads.of_company(kluis, SALES, company, "sales_follow_up", NOW) == []
    with pytest.raises(NotFound):
        log_call(kluis, person, company_id=company + 99)


def test_a_missing_person_or_activity_is_not_found(kluis: Kluis) -> None:
    with pytest.raises(NotFound):
        log_call(kluis, "0190f3f2-0000-7000-8000-000000000000")
    with pytest.raises(NotFound):
        reads.show(kluis, SERVICE, "nope", "customer_service", NOW)
    assert draft().type == "call"
