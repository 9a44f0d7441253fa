"""The tasks API: for oneself and a colleague, sealed about a person, problem+json refusals."""

from __future__ import annotations

from api_helpers import assert_problem, client_for
from conftest import ADMIN, NOW
from factories import add_person
from kluis.activities import reads as activity_reads
from kluis.runtime import Kluis


def test_a_task_for_a_colleague_is_on_their_list_and_not_mine(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    service = client_for(kluis, "service")
    person = add_person(kluis, ADMIN, NOW)
    made = sales.post(
        "/api/v1/tasks",
        json={
            "title": "Ring Fenna1 back",
            "due_on": "2026-03-14",
            "due_time": "16:30",
            "priority": "high",
            "assignee": "service@example.com",
            "person_id": person,
            "purpose": "customer_service",
        },
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["assignee"], body["bucket"], body["due_time"], body["title"]) == (
        "service@example.com",
        "today",
        "16:30",
        "Ring Fenna1 back",
    )
    assert sales.get("/api/v1/tasks").json() == []
    [theirs] = service.get("/api/v1/tasks").json()
    assert theirs["id"] == body["id"]
    person_tasks = service.get(
        "/api/v1/tasks", params={"person_id": person, "purpose": "customer_service"}
    ).json()
    assert [t["id"] for t in person_tasks] == [body["id"]]

    done = service.post(f"/api/v1/tasks/{body['id']}/done")
    assert done.status_code == 200
    assert done.json()["done_at"] is not None
    again = service.post(f"/api/v1/tasks/{body['id']}/reopen").json()
    assert again["done_at"] is None
    assert again["bucket"] == "today"
    changed = service.patch(f"/api/v1/tasks/{body['id']}", json={"priority": "low"}).json()
    assert changed["priority"] == "low"
    assert service.delete(f"/api/v1/tasks/{body['id']}").status_code == 204
    assert_problem(service.get(f"/api/v1/tasks/{body['id']}"), 404)


def test_refusals_name_the_field(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    marketing = client_for(kluis, "marketing")
    person = add_person(kluis, ADMIN, NOW)
    assert_problem(
        sales.post("/api/v1/tasks", json={"title": " ", "due_on": "2026-03-14"}), 422, field="title"
    )
    assert_problem(
        sales.post(
            "/api/v1/tasks",
            json={"title": "x", "due_on": "2026-03-14", "assignee": "nobody@example.com"},
        ),
        404,
        field="assignee",
    )
    assert_problem(
        sales.post(
            "/api/v1/tasks",
            json={
                "title": "x",
                "due_on": "2026-03-14",
                "assignee": "marketing@example.com",
                "person_id": person,
                "purpose": "customer_service",
            },
        ),
        403,
        field="assignee",
    )
    assert_problem(
        marketing.post(
            "/api/v1/tasks",
            json={
                "title": "x",
                "due_on": "2026-03-14",
                "person_id": person,
                "purpose": "customer_service",
            },
        ),
        403,
        field="purpose",
    )


def test_completing_can_log_the_activity_in_one_step(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    person = add_person(kluis, ADMIN, NOW)
    task = sales.post(
        "/api/v1/tasks",
        json={
            "title": "Call about the order",
            "due_on": "2026-03-14",
            "person_id": person,
            "purpose": "customer_service",
        },
    ).json()
    done = sales.post(
        f"/api/v1/tasks/{task['id']}/done", json={"log_activity": "call", "body": "Agreed"}
    ).json()
    [logged] = activity_reads.of_person(kluis, ADMIN, person, "customer_service", NOW)
    assert done["activity_logged"] == logged.id
    assert (logged.type, logged.subject, logged.body, logged.purpose_key) == (
        "call",
        "Call about the order",
        "Agreed",
        "customer_service",
    )


def test_a_task_about_nobody_logs_no_activity(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    task = sales.post(
        "/api/v1/tasks", json={"title": "Order more paper", "due_on": "2026-03-14"}
    ).json()
    assert_problem(
        sales.post(f"/api/v1/tasks/{task['id']}/done", json={"log_activity": "note"}),
        422,
        field="log_activity",
    )
