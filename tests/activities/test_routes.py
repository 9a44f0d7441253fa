"""The activities API with a token per role, on SQLite and PostgreSQL: purpose named by the
caller, problem+json refusals, the recording upload, the audit of each call."""

from __future__ import annotations

from datetime import timedelta

from activity_helpers import BODY, SUBJECT, WAV
from api_helpers import assert_problem, client_for
from conftest import NOW
from factories import person_fields
from kluis.runtime import Kluis

PEOPLE = "/api/v1/contacts"


def customer(kluis: Kluis, purposes: tuple[str, ...] = ("customer_service",)) -> str:
    made = client_for(kluis, "admin").post(
        PEOPLE, json={"relationship": "customer", "purposes": list(purposes), **person_fields(1)}
    )
    assert made.status_code == 201, made.text
    person_id: str = made.json()["id"]
    return person_id


def test_log_list_show_change_delete(kluis: Kluis) -> None:
    person = customer(kluis)
    service = client_for(kluis, "service")
    made = service.post(
        f"{PEOPLE}/{person}/activities",
        params={"purpose": "customer_service"},
        json={
            "type": "call",
            "subject": SUBJECT,
            "body": BODY,
            "occurred_at": (NOW - timedelta(hours=2)).isoformat(),
            "duration_minutes": 5,
        },
    )
    assert made.status_code == 201, made.text
    activity_id = made.json()["id"]
    assert made.headers["Location"] == f"/api/v1/activities/{activity_id}"
    listed = service.get(f"{PEOPLE}/{person}/activities", params={"purpose": "customer_service"})
    assert [i["subject"] for i in listed.json()["items"]] == [SUBJECT]
    one = service.get(f"/api/v1/activities/{activity_id}", params={"purpose": "customer_service"})
    assert one.json()["body"] == BODY
    changed = service.patch(
        f"/api/v1/activities/{activity_id}",
        params={"purpose": "customer_service"},
        json={"subject": "Teruggebeld"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["subject"] == "Teruggebeld"
    recorded = service.post(
        f"/api/v1/activities/{activity_id}/recording",
        params={"purpose": "customer_service"},
        files={"file": ("call.wav", WAV, "audio/wav")},
    )
    assert recorded.status_code == 201, recorded.text
    evidence = client_for(kluis, "admin").get(f"/api/v1/evidence/{recorded.json()['evidence_id']}")
    assert evidence.content == WAV
    sales = client_for(kluis, "sales")
    assert_problem(
        sales.delete(f"/api/v1/activities/{activity_id}", params={"purpose": "customer_service"}),
        403,
        "urn:kluis:problem:permission-denied",
    )
    gone = service.delete(
        f"/api/v1/activities/{activity_id}", params={"purpose": "customer_service"}
    )
    assert gone.status_code == 204
    audit = client_for(kluis, "admin").get(
        "/api/v1/audit", params={"person_id": person, "action": "activity.logged"}
    )
    [entry] = audit.json()
    assert entry["purpose"] == "customer_service"
    assert SUBJECT not in str(entry)


def test_refusals_are_problems_naming_the_field(kluis: Kluis) -> None:
    person = customer(kluis)
    marketing = client_for(kluis, "marketing")
    assert_problem(
        marketing.post(
            f"{PEOPLE}/{person}/activities",
            params={"purpose": "customer_service"},
            json={"type": "call", "subject": "x"},
        ),
        403,
        "urn:kluis:problem:purpose-refused",
    )
    service = client_for(kluis, "service")
    empty = service.post(
        f"{PEOPLE}/{person}/activities",
        params={"purpose": "customer_service"},
        json={"type": "note", "subject": "   "},
    )
    assert_problem(empty, 422, "urn:kluis:problem:invalid-field")
    assert empty.json()["field"] == "subject"
    assert_problem(
        service.get(f"{PEOPLE}/{person}/activities", params={"purpose": "invoicing"}),
        403,
        "urn:kluis:problem:purpose-refused",
    )
    assert_problem(
        service.get("/api/v1/activities/quiet"),
        403,
        "urn:kluis:problem:permission-denied",
    )


def test_company_mine_and_quiet(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    company = admin.post("/api/v1/companies", json={"name": "Bakkerij Zonnig"}).json()["id"]
    person = customer(kluis)
    service = client_for(kluis, "service")
    for at, subject in ((NOW - timedelta(days=1), "Gisteren"), (NOW + timedelta(days=1), "Morgen")):
        made = service.post(
            f"{PEOPLE}/{person}/activities",
            params={"purpose": "customer_service"},
            json={
                "type": "visit",
                "subject": subject,
                "occurred_at": at.isoformat(),
                "company_id": company,
            },
        )
        assert made.status_code == 201, made.text
    listed = service.get(
        "/api/v1/activities", params={"purpose": "customer_service", "company_id": company}
    )
    assert {i["subject"] for i in listed.json()["items"]} == {"Gisteren", "Morgen"}
    mine = service.get("/api/v1/activities/mine").json()
    assert [i["subject"] for i in mine["recent"]] == ["Gisteren"]
    assert [i["subject"] for i in mine["upcoming"]] == ["Morgen"]
    quiet = admin.get("/api/v1/activities/quiet", params={"days": 90}).json()
    assert quiet == {"days": 90, "people": 0}
