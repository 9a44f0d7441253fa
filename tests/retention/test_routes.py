"""The retention API on SQLite and PostgreSQL, with the app's clock set by the test: sweeps and
dry runs, the forecast, legal holds and the end of a contract; problems for the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api_helpers import assert_problem, client_for
from conftest import ADMIN, NOW
from factories import add_person
from kluis.contacts import erasure as contacts
from kluis.runtime import Kluis

LATER = datetime(2027, 6, 1, 9, 30, tzinfo=UTC)
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def prospect(kluis: Kluis, n: int = 1) -> str:
    return add_person(kluis, ADMIN, NOW, n, relationship="prospect", purposes=("sales_follow_up",))


def test_a_dry_run_then_a_real_run(kluis: Kluis) -> None:
    person = prospect(kluis)
    client = client_for(kluis, "privacy_officer", now=LATER)
    dry = client.post("/api/v1/retention/run", json={"dry_run": True})
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["dry_run"], body["seen"], body["erased"], body["as_of"]) == (
        True,
        1,
        1,
        "2027-06-01T09:30:00Z",
    )
    [action] = body["actions"]
    assert action == {
        "person_id": person,
        "action": "erase",
        "held_until": None,
        "would": "erase",
        "expired": [
            {
                "purpose": "sales_follow_up",
                "retention": "P1Y",
                "anchor": "last_interaction",
                "until": "2027-03-14",
            }
        ],
        "fields": [],
    }
    assert not kluis.vault.erased([person])
    real = client.post("/api/v1/retention/run", json={})
    assert (real.json()["erased"], real.json()["actions"]) == (1, [])
    assert kluis.vault.erased([person])


def test_as_of_moves_the_moment_and_is_checked(kluis: Kluis) -> None:
    person = prospect(kluis)
    client = client_for(kluis, "admin")
    early = client.post("/api/v1/retention/run", json={"as_of": "2027-03-13T23:00"})
    assert early.json()["erased"] == 0
    assert early.json()["as_of"] == "2027-03-13T23:00:00Z"
    zoned = client.post(
        "/api/v1/retention/run", json={"as_of": "2027-03-14T01:00+02:00", "dry_run": True}
    )
    assert zoned.json()["as_of"] == "2027-03-13T23:00:00Z"
    assert zoned.json()["erased"] == 0
    on_time = client.post("/api/v1/retention/run", json={"as_of": "2027-03-14"})
    assert on_time.json()["erased"] == 1
    assert kluis.vault.erased([person])
    far = client.post("/api/v1/retention/run", json={"as_of": "9999-12-31T00:00:00"})
    assert_problem(far, 422, "urn:kluis:problem:invalid-field", field="as_of")
    extra = client.post("/api/v1/retention/run", json={"dry_run": True, "force": True})
    assert_problem(extra, 422, "urn:kluis:problem:invalid-field")


def test_only_admins_and_privacy_officers(kluis: Kluis) -> None:
    person = prospect(kluis)
    for role in ("sales", "marketing", "service"):
        client = client_for(kluis, role)
        assert_problem(
            client.post("/api/v1/retention/run", json={"dry_run": True}),
            403,
            "urn:kluis:problem:permission-denied",
        )
        assert_problem(client.get("/api/v1/retention/forecast?days=30"), 403)
        assert_problem(
            client.post(
                f"/api/v1/contacts/{person}/holds", json={"reason": "x", "until": "2030-01-01"}
            ),
            403,
        )
        assert_problem(client.get(f"/api/v1/contacts/{person}/holds"), 403)
        assert_problem(
            client.put(f"/api/v1/contacts/{person}/contract-end", json={"ended_at": None}), 403
        )


def test_the_forecast(kluis: Kluis) -> None:
    first = prospect(kluis, 1)
    second = add_person(
        kluis,
        ADMIN,
        NOW + timedelta(days=2),
        2,
        relationship="prospect",
        purposes=("sales_follow_up",),
    )
    client = client_for(kluis, "admin")
    found = client.get("/api/v1/retention/forecast", params={"days": 400})
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["days"], body["total"], body["as_of"]) == (400, 2, "2026-03-14T09:30:00Z")
    assert [(i["on"], i["person_id"], i["action"]) for i in body["items"]] == [
        ("2027-03-14", first, "erase"),
        ("2027-03-16", second, "erase"),
    ]
    limited = client.get("/api/v1/retention/forecast", params={"days": 400, "limit": 1}).json()
    assert (limited["total"], len(limited["items"])) == (2, 1)
    assert limited["items"][0]["person_id"] == first
    assert client.get("/api/v1/retention/forecast", params={"days": 364}).json()["total"] == 0
    for days in (0, 3661):
        assert_problem(
            client.get("/api/v1/retention/forecast", params={"days": days}), 422, field="days"
        )


def test_holds_through_the_api(kluis: Kluis) -> None:
    person = prospect(kluis)
    client = client_for(kluis, "privacy_officer", now=LATER)
    placed = client.post(
        f"/api/v1/contacts/{person}/holds",
        json={"reason": "case 2026-114", "until": "2028-01-01"},
    )
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert (hold["person_id"], hold["reason"], hold["until"], hold["active"]) == (
        person,
        "case 2026-114",
        "2028-01-01T00:00:00Z",
        True,
    )
    assert hold["created_by"].startswith("user:")
    assert placed.headers["location"] == f"/api/v1/contacts/{person}/holds"
    run = client.post("/api/v1/retention/run", json={})
    assert (run.json()["erased"], run.json()["held"]) == (0, 1)
    assert [h["id"] for h in client.get(f"/api/v1/contacts/{person}/holds").json()] == [hold["id"]]
    lifted = client.post(f"/api/v1/holds/{hold['id']}/lift")
    assert lifted.status_code == 200
    assert (lifted.json()["active"], lifted.json()["lifted_at"]) == (
        False,
        "2027-06-01T09:30:00Z",
    )
    assert_problem(client.post(f"/api/v1/holds/{hold['id']}/lift"), 422, field="hold_id")
    assert_problem(client.post("/api/v1/holds/999/lift"), 404, "urn:kluis:problem:not-found")
    assert client.post("/api/v1/retention/run", json={}).json()["erased"] == 1


def test_hold_refusals(kluis: Kluis) -> None:
    person = prospect(kluis)
    client = client_for(kluis, "admin")
    past = client.post(
        f"/api/v1/contacts/{person}/holds", json={"reason": "c", "until": "2026-03-14T09:00"}
    )
    assert_problem(past, 422, "urn:kluis:problem:invalid-field", field="until")
    empty = client.post(
        f"/api/v1/contacts/{person}/holds", json={"reason": "", "until": "2030-01-01"}
    )
    assert_problem(empty, 422, field="reason")
    blank = client.post(
        f"/api/v1/contacts/{person}/holds", json={"reason": "  ", "until": "2030-01-01"}
    )
    assert_problem(blank, 422, field="reason")
    unknown = client.post(
        f"/api/v1/contacts/{UNKNOWN}/holds", json={"reason": "c", "until": "2030-01-01"}
    )
    assert_problem(unknown, 404, "urn:kluis:problem:not-found")
    assert_problem(client.get(f"/api/v1/contacts/{UNKNOWN}/holds"), 404)
    contacts.erase_person(kluis, ADMIN, person, NOW)
    assert_problem(
        client.get(f"/api/v1/contacts/{person}/holds"), 410, "urn:kluis:problem:person-erased"
    )


def test_contract_end_through_the_api(kluis: Kluis) -> None:
    customer = add_person(kluis, ADMIN, NOW, purposes=("invoicing",), phone=None)
    client = client_for(kluis, "admin")
    ended = client.put(
        f"/api/v1/contacts/{customer}/contract-end", json={"ended_at": "2031-06-30T17:00"}
    )
    assert ended.status_code == 200, ended.text
    assert ended.json() == {"person_id": customer, "contract_ended_at": "2031-06-30T17:00:00Z"}
    due = client.post("/api/v1/retention/run", json={"as_of": "2038-06-30T10:00", "dry_run": True})
    assert due.json()["erased"] == 1
    cleared = client.put(f"/api/v1/contacts/{customer}/contract-end", json={"ended_at": None})
    assert cleared.json()["contract_ended_at"] is None
    kept = client.post("/api/v1/retention/run", json={"as_of": "2038-06-30T10:00", "dry_run": True})
    assert kept.json()["erased"] == 0
    assert_problem(
        client.put(f"/api/v1/contacts/{UNKNOWN}/contract-end", json={"ended_at": None}), 404
    )
    assert_problem(client.put(f"/api/v1/contacts/{customer}/contract-end", json={}), 422)
