"""The deals API on both backends: pipelines, adding, moving, the board, the forecast, people on
a deal, and problem+json refusals."""

from __future__ import annotations

from api_helpers import assert_problem, client_for
from conftest import ADMIN, NOW
from deal_helpers import pipeline
from factories import add_person
from kluis.runtime import Kluis


def test_a_deal_through_the_api(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    client = client_for(kluis, "sales")
    (found,) = client.get("/api/v1/pipelines").json()
    assert [s["key"] for s in found["stages"]][-2:] == ["won", "lost"]
    made = client.post(
        "/api/v1/deals",
        json={"title": "Ovens", "value": "1000.10", "expected_close": "2026-04-03"},
    )
    assert made.status_code == 201, made.text
    deal = made.json()
    assert (deal["stage"], deal["value"], deal["weighted_value"]) == ("lead", "1000.10", "100.01")
    moved = client.post(f"/api/v1/deals/{deal['id']}/move", json={"stage": "proposal"})
    assert moved.json()["probability"] == 50
    board = client.get(f"/api/v1/pipelines/{found['id']}/board").json()
    proposal = next(c for c in board["columns"] if c["stage"]["key"] == "proposal")
    assert proposal["count"] == 1
    assert proposal["totals"] == [{"currency": "EUR", "value": "1000.10"}]
    forecast = client.get("/api/v1/deals/forecast").json()
    assert forecast["months"][0]["month"] == "2026-04"
    assert forecast["months"][0]["weighted"] == [{"currency": "EUR", "value": "500.05"}]
    listed = client.get("/api/v1/deals", params={"close_month": "2026-04"}).json()
    assert listed["total"] == 1
    changed = client.patch(f"/api/v1/deals/{deal['id']}", json={"probability": 80}).json()
    assert changed["weighted_value"] == "800.08"


def test_refusals_are_problems(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    client = client_for(kluis, "sales")
    assert_problem(client.post("/api/v1/deals", json={"title": "x", "value": 12.5}), 422)
    assert_problem(
        client.post("/api/v1/deals", json={"title": "x", "currency": "EU"}), 422, field="currency"
    )
    deal = client.post("/api/v1/deals", json={"title": "x"}).json()
    assert_problem(
        client.post(f"/api/v1/deals/{deal['id']}/move", json={"stage": "lost"}),
        422,
        field="lost_reason",
    )
    assert_problem(client.get("/api/v1/deals/999"), 404)
    assert_problem(client_for(kluis, "marketing").get("/api/v1/deals"), 403)


def test_people_on_a_deal_through_the_api(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    person_id = add_person(kluis, ADMIN, NOW, purposes=("sales_follow_up",))
    client = client_for(kluis, "sales")
    deal = client.post("/api/v1/deals", json={"title": "x"}).json()
    linked = client.post(
        f"/api/v1/deals/{deal['id']}/people", json={"person_id": person_id, "role": "contact"}
    )
    assert linked.status_code == 204, linked.text
    found = client.get(f"/api/v1/deals/{deal['id']}/people").json()
    assert found["people"] == [
        {"person_id": person_id, "name": "Fenna1 Brouwersma1", "role": "contact"}
    ]
    gone = client.delete(f"/api/v1/deals/{deal['id']}/people/{person_id}")
    assert gone.status_code == 204
