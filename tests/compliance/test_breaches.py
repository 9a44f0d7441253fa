"""The breach register (Art. 33(5), 34): recording, the 72-hour notification, the people affected
from the audit log, exports; through the service, the API and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api_helpers import assert_problem, client_for
from cli_helpers import ok, ok_json, refused, run
from conftest import ADMIN, NOW, PRIVACY, SALES, SERVICE
from factories import add_person
from kluis.actors import Actor, Role
from kluis.audit import service as audit
from kluis.compliance import service
from kluis.compliance.service import NewBreach, NotificationLate
from kluis.contacts import people as contacts
from kluis.errors import Conflict, InvalidField, NotFound, PermissionDenied
from kluis.runtime import Kluis

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def new_breach(**overrides: object) -> NewBreach:
    values: dict[str, object] = {
        "detected_at": NOW - timedelta(hours=2),
        "nature": "A sales laptop with an API token was stolen.",
        "categories": ["user.name", "user.contact.email"],
        "consequences": "The token could read names and e-mail addresses.",
        "measures_taken": "Token revoked; laptop disk was encrypted.",
        "measures_proposed": "Shorter-lived tokens.",
        "approx_people": 40,
        "approx_records": 40,
    }
    values.update(overrides)
    return NewBreach(**values)  # type: ignore[arg-type]


def test_record_and_read_a_breach(kluis: Kluis) -> None:
    view = service.add_breach(kluis, PRIVACY, new_breach(), NOW)
    assert view.authority_deadline == NOW - timedelta(hours=2) + timedelta(hours=72)
    assert (view.overdue, view.late, view.hours_left) == (False, False, 70)
    assert view.categories[1] == {"key": "user.contact.email", "name": "User Contact Email"}
    assert service.get_breach(kluis, ADMIN, view.id, NOW) == view
    later = service.get_breach(kluis, ADMIN, view.id, NOW + timedelta(hours=71))
    assert later.overdue
    assert [b.id for b in service.list_breaches(kluis, ADMIN, NOW)] == [view.id]
    entries = audit.list_entries(kluis.engine, action="breach.recorded")
    assert entries[0].details == {
        "breach_id": view.id,
        "categories": ["user.name", "user.contact.email"],
    }
    assert entries[0].actor == PRIVACY.ref


def test_bad_breaches_are_refused(kluis: Kluis) -> None:
    cases = [
        (new_breach(categories=["user.shoe_size"]), "categories"),
        (new_breach(categories=[]), "categories"),
        (new_breach(nature="  "), "nature"),
        (new_breach(detected_at=NOW + timedelta(minutes=5)), "detected_at"),
        (new_breach(detected_at=datetime(2026, 3, 14, 9)), "detected_at"),
        (new_breach(window_start=NOW, window_end=NOW - timedelta(hours=1)), "window_end"),
        (new_breach(approx_people=-1), "approx_people"),
    ]
    for breach, field in cases:
        with pytest.raises(InvalidField) as caught:
            service.add_breach(kluis, ADMIN, breach, NOW)
        assert caught.value.field == field
    with pytest.raises(PermissionDenied):
        service.add_breach(kluis, SALES, new_breach(), NOW)
    with pytest.raises(NotFound):
        service.get_breach(kluis, ADMIN, 999, NOW)


def test_notifying_the_authority_late_needs_the_reasons(kluis: Kluis) -> None:
    # detected on Friday before the clocks went forward in Amsterdam (29 March 2026)
    detected = datetime(2026, 3, 27, 12, 0, tzinfo=AMSTERDAM)
    now = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)
    view = service.add_breach(kluis, ADMIN, new_breach(detected_at=detected), now)
    assert view.authority_deadline == datetime(2026, 3, 30, 11, 0, tzinfo=UTC)  # 13:00 CEST
    assert view.overdue
    late = datetime(2026, 3, 30, 12, 30, tzinfo=AMSTERDAM)  # 71.5 hours: on time
    on_time = service.notify_authority(kluis, ADMIN, view.id, now, at=late)
    assert (on_time.late, on_time.overdue, on_time.late_reason) == (False, False, None)
    with pytest.raises(Conflict):
        service.notify_authority(kluis, ADMIN, view.id, now, at=late)

    other = service.add_breach(kluis, ADMIN, new_breach(detected_at=detected), now)
    too_late = datetime(2026, 3, 30, 13, 30, tzinfo=AMSTERDAM)  # 72.5 hours
    with pytest.raises(NotificationLate) as caught:
        service.notify_authority(kluis, ADMIN, other.id, now, at=too_late)
    assert caught.value.field == "late_reason"
    assert not service.get_breach(kluis, ADMIN, other.id, now).authority_notified_at
    done = service.notify_authority(
        kluis, ADMIN, other.id, now, at=too_late, late_reason="The processor told us on day 3."
    )
    assert (done.late, done.late_reason) == (True, "The processor told us on day 3.")
    notified = audit.list_entries(kluis.engine, action="breach.notified")
    assert [e.details["late"] for e in notified] == [False, True]


def test_not_required_and_people_exemptions(kluis: Kluis) -> None:
    view = service.add_breach(kluis, ADMIN, new_breach(), NOW)
    later = NOW + timedelta(days=5)
    after = service.notify_authority(
        kluis, ADMIN, view.id, later, not_required="Only ciphertext was copied; keys untouched."
    )
    assert not after.overdue
    people = service.notify_people(kluis, ADMIN, view.id, later, exemption="unintelligible")
    assert people.people_notice_exemption == "unintelligible"
    with pytest.raises(Conflict):
        service.notify_people(kluis, ADMIN, view.id, later, at=later)
    other = service.add_breach(kluis, ADMIN, new_breach(), NOW)
    with pytest.raises(InvalidField) as caught:
        service.notify_people(kluis, ADMIN, other.id, NOW, exemption="encrypted")
    assert caught.value.field == "exemption"
    told = service.notify_people(kluis, ADMIN, other.id, NOW, at=NOW - timedelta(hours=1))
    assert told.people_notified_at == NOW - timedelta(hours=1)


def test_people_affected_come_from_the_audit_log(kluis: Kluis) -> None:
    thief = Actor(ref="user:3", role=Role.SALES, user_id=3)
    start, end = NOW - timedelta(hours=6), NOW - timedelta(hours=2)
    a = add_person(kluis, ADMIN, start - timedelta(days=1), 1, purposes=("sales_follow_up",))
    b = add_person(kluis, ADMIN, start - timedelta(days=1), 2, purposes=("sales_follow_up",))
    c = add_person(kluis, ADMIN, start - timedelta(days=1), 3, purposes=("customer_service",))
    d = add_person(kluis, ADMIN, start - timedelta(days=1), 4, purposes=("sales_follow_up",))
    contacts.read_person(kluis, thief, a, "sales_follow_up", start + timedelta(hours=1))
    contacts.read_person(kluis, thief, b, "sales_follow_up", start + timedelta(hours=2))
    contacts.read_person(kluis, thief, a, "sales_follow_up", start + timedelta(hours=3))
    contacts.read_person(kluis, SERVICE, c, "customer_service", start + timedelta(hours=2))
    contacts.read_person(kluis, thief, d, "sales_follow_up", end + timedelta(minutes=1))
    by_actor = service.add_breach(
        kluis,
        ADMIN,
        new_breach(window_start=start, window_end=end, actors=["user:3"]),
        NOW,
    )
    assert service.affected(kluis, PRIVACY, by_actor.id, NOW) == sorted([a, b])
    stored = service.get_breach(kluis, ADMIN, by_actor.id, NOW)
    assert (stored.affected_people, stored.affected_computed_at) == (2, NOW)
    by_purpose = service.add_breach(
        kluis,
        ADMIN,
        new_breach(window_start=start, window_end=end, purposes=["customer_service"]),
        NOW,
    )
    assert service.affected(kluis, ADMIN, by_purpose.id, NOW) == [c]
    both = service.add_breach(
        kluis,
        ADMIN,
        new_breach(
            window_start=start, window_end=end, actors=["user:3"], purposes=["customer_service"]
        ),
        NOW,
    )
    assert service.affected(kluis, ADMIN, both.id, NOW) == sorted([a, b, c])
    listed = audit.list_entries(kluis.engine, action="breach.affected_listed")
    assert [e.details["people"] for e in listed] == [2, 1, 3]
    assert all(e.person_id is None for e in listed)
    unbounded = service.add_breach(kluis, ADMIN, new_breach(actors=["user:3"]), NOW)
    with pytest.raises(InvalidField):
        service.affected(kluis, ADMIN, unbounded.id, NOW)
    nobody = service.add_breach(kluis, ADMIN, new_breach(window_start=start, window_end=end), NOW)
    with pytest.raises(InvalidField):
        service.affected(kluis, ADMIN, nobody.id, NOW)


def test_exports_flag_overdue_breaches(kluis: Kluis) -> None:
    service.add_breach(kluis, ADMIN, new_breach(nature="Misdirected e-mail <b>list</b>"), NOW)
    late_now = NOW + timedelta(hours=80)
    body, media = service.export(kluis, ADMIN, "json", late_now)
    data = json.loads(body)
    assert media == "application/json"
    assert data["breaches"][0]["overdue"] is True
    page, _ = service.export(kluis, ADMIN, "html", late_now)
    assert "OVERDUE" in page
    assert "&lt;b&gt;list&lt;/b&gt;" in page
    with pytest.raises(InvalidField):
        service.export(kluis, ADMIN, "pdf", NOW)


def test_breaches_api(kluis: Kluis) -> None:
    client = client_for(kluis, "privacy_officer")
    body = {
        "detected_at": "2026-03-14T08:00:00+01:00",
        "nature": "Lost USB stick with an export.",
        "categories": ["user.contact.address"],
        "consequences": "Addresses of customers exposed.",
        "measures_taken": "Asked the finder to return it.",
        "approx_people": 12,
    }
    created = client.post("/api/v1/breaches", json=body)
    assert created.status_code == 201, created.text
    breach = created.json()
    assert created.headers["location"] == f"/api/v1/breaches/{breach['id']}"
    assert breach["authority_deadline"].startswith("2026-03-17T07:00:00")
    assert client.get(f"/api/v1/breaches/{breach['id']}").json() == breach
    assert [b["id"] for b in client.get("/api/v1/breaches").json()] == [breach["id"]]
    assert "Breach register" in client.get("/api/v1/breaches?format=html").text
    assert_problem(
        client.post(
            f"/api/v1/breaches/{breach['id']}/notify",
            json={"whom": "people", "exemption": "nope"},
        ),
        422,
        field="exemption",
    )
    notified = client.post(
        f"/api/v1/breaches/{breach['id']}/notify",
        json={"whom": "authority", "at": "2026-03-14T09:00:00Z"},
    )
    assert notified.status_code == 200, notified.text
    assert notified.json()["authority_notified_at"].startswith("2026-03-14T09:00:00")
    assert_problem(
        client.post(
            f"/api/v1/breaches/{breach['id']}/notify",
            json={"whom": "authority", "at": "2026-03-14T09:00:00Z"},
        ),
        409,
    )
    affected = client.post(f"/api/v1/breaches/{breach['id']}/affected")
    assert_problem(affected, 422, field="window_start")
    assert_problem(client.get("/api/v1/breaches/999"), 404)
    assert_problem(
        client.post("/api/v1/breaches", json={**body, "detected_at": "2026-03-14T08:00:00"}),
        422,
        field="detected_at",
    )
    assert_problem(client_for(kluis, "marketing").get("/api/v1/breaches"), 403)


def test_a_late_notification_over_the_api(kluis: Kluis) -> None:
    client = client_for(kluis, "admin", now=NOW + timedelta(days=10))
    created = client.post(
        "/api/v1/breaches",
        json={
            "detected_at": "2026-03-14T08:00:00Z",
            "nature": "Phishing",
            "categories": ["user.contact.email"],
            "consequences": "Spam",
            "measures_taken": "Password reset",
        },
    ).json()
    answer = client.post(
        f"/api/v1/breaches/{created['id']}/notify",
        json={"whom": "authority", "at": "2026-03-18T08:00:00Z"},
    )
    assert_problem(answer, 422, "urn:kluis:problem:notification-late", field="late_reason")
    ok_answer = client.post(
        f"/api/v1/breaches/{created['id']}/notify",
        json={"whom": "authority", "at": "2026-03-18T08:00:00Z", "late_reason": "Weekend."},
    )
    assert ok_answer.json()["late"] is True


@pytest.mark.usefixtures("kluis_env")
def test_breaches_cli(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW - timedelta(days=2), 1, purposes=("sales_follow_up",))
    contacts.read_person(kluis, SALES, person, "sales_follow_up", NOW - timedelta(hours=3))
    created = ok_json(
        "breaches",
        "add",
        "--detected-at",
        "2026-03-14T08:00+01:00",
        "--nature",
        "Stolen laptop",
        "--category",
        "user.name",
        "--category",
        "user.contact.email",
        "--consequences",
        "Names and e-mail addresses readable",
        "--measures-taken",
        "Token revoked",
        "--window-start",
        "2026-03-14T00:00",
        "--window-end",
        "2026-03-14T09:00",
        "--actor",
        SALES.ref,
    )
    breach_id = str(created["id"])
    assert created["authority_deadline"] == "2026-03-17T07:00:00+00:00"
    listed = ok_json("breaches", "list", "--as-of", "2026-03-18")
    assert listed[0]["overdue"] is True
    assert "OVERDUE" in ok("breaches", "list", "--as-of", "2026-03-18").stdout
    assert "Stolen laptop" in ok("breaches", "show", breach_id).stdout
    affected = ok_json("breaches", "affected", breach_id)
    assert affected == {"breach_id": int(breach_id), "count": 1, "person_ids": [person]}
    refused(
        "breaches",
        "notify",
        breach_id,
        "--authority",
        "--at",
        "2026-03-18T08:00Z",
        field="late_reason",
    )
    refused("breaches", "notify", breach_id, field="whom")
    ok(
        "breaches",
        "notify",
        breach_id,
        "--authority",
        "--at",
        "2026-03-18T08:00Z",
        "--late-reason",
        "Found out the scope only on day four",
    )
    ok("breaches", "notify", breach_id, "--people", "--exemption", "unintelligible")
    shown = ok_json("breaches", "show", breach_id)
    assert (shown["late"], shown["people_notice_exemption"]) == (True, "unintelligible")
    exported = json.loads(ok("breaches", "export").stdout)
    assert exported["breaches"][0]["id"] == int(breach_id)
    assert "<h1>Breach register" in ok("breaches", "export", "--format", "html").stdout
    assert run("breaches", "show", "999").exit_code == 1
