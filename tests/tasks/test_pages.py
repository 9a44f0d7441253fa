"""The staff pages of tasks and the home page, through a TestClient (no JavaScript: every
toggle is a form), on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from conftest import ADMIN, NOW
from factories import add_person
from kluis.activities import reads as activity_reads
from kluis.audit.tables import AuditRow
from kluis.runtime import Kluis
from kluis.tasks import reading, service
from kluis.tasks.service import NewTask
from staff_helpers import csrf_of, make_user, sign_in, signed_in, staff_client
from task_helpers import staff

DAY = "2026-03-14"


def test_sign_in_lands_on_the_home_page_with_my_tasks(kluis: Kluis) -> None:
    client = staff_client(kluis)
    make_user(kluis, "sales")
    landed = client.post(
        "/app/sign-in",
        data={"email": "sales@example.com", "password": "correct horse battery staple"},
    )
    assert landed.headers["location"] == "/app/"
    home = client.get("/app/")
    assert home.status_code == 200
    assert 'data-section="tasks"' in home.text
    assert 'data-section="people"' in home.text
    assert 'data-section="requests"' not in home.text
    assert 'data-section="findings"' not in home.text
    assert client.get("/app").headers["location"] == "/app/"


def test_admins_see_requests_and_findings_on_their_home_page(kluis: Kluis) -> None:
    client, _ = signed_in(kluis, "admin")
    home = client.get("/app/").text
    for key in ("tasks", "requests", "findings", "people", "consents"):
        assert f'data-section="{key}"' in home
    assert home.index('data-section="tasks"') < home.index('data-section="requests"')


def test_a_task_for_a_colleague_is_on_their_home_page_and_done_without_javascript(
    kluis: Kluis,
) -> None:
    client, csrf = signed_in(kluis, "sales")
    service_user = staff(kluis, "service")
    form = client.get("/app/tasks/new").text
    assert "service@example.com" not in form
    assert f"Collega {service_user.user_id} (service)" in form
    made = client.post(
        "/app/tasks/new",
        data={
            "csrf": csrf,
            "title": "Prepare the quarterly visit",
            "due_on": DAY,
            "due_time": "",
            "priority": "high",
            "notes": "",
            "assignee": str(service_user.user_id),
        },
    )
    assert made.status_code == 303, made.text
    assert "Prepare the quarterly visit" not in client.get("/app/tasks").text

    other = staff_client(kluis)
    other_csrf = sign_in(other, "service@example.com")
    home = other.get("/app/").text
    assert "Prepare the quarterly visit" in home
    [task] = reading.mine(kluis, service_user, NOW)
    done = other.post(f"/app/tasks/{task.id}/done", data={"csrf": other_csrf, "back": "/app/"})
    assert done.headers["location"] == "/app/"
    assert reading.get(kluis, service_user, task.id, NOW).done_at is not None
    page = other.get("/app/tasks").text
    assert "<s>" in page
    assert "Heropenen" in page
    other.post(f"/app/tasks/{task.id}/reopen", data={"csrf": other_csrf})
    assert reading.get(kluis, service_user, task.id, NOW).done_at is None


def test_a_refused_form_says_why_and_keeps_the_values(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales")
    refused = client.post(
        "/app/tasks/new",
        data={"csrf": csrf, "title": "Keep me", "due_on": "", "priority": "normal", "assignee": ""},
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert "Keep me" in refused.text


def test_tasks_on_the_person_page_under_the_working_purpose(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales", "customer_service")
    person = add_person(kluis, ADMIN, NOW)
    assert f"/app/tasks/new?person_id={person}" in client.get(f"/app/contacts/{person}").text
    made = client.post(
        "/app/tasks/new",
        data={
            "csrf": csrf,
            "person_id": person,
            "title": "Call Fenna1 back",
            "due_on": DAY,
            "priority": "normal",
            "assignee": "",
        },
    )
    assert made.headers["location"] == f"/app/contacts/{person}#tasks-h"
    page = client.get(f"/app/contacts/{person}").text
    assert "Call Fenna1 back" in page
    with kluis.engine.connect() as conn:
        reads = conn.execute(
            select(AuditRow.purpose).where(
                AuditRow.action == "task.read", AuditRow.person_id == person
            )
        ).all()
    assert reads
    assert {r.purpose for r in reads} == {"customer_service"}


def test_a_lists_selection_posted_here_makes_one_task_per_person(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales", "customer_service")
    people = [add_person(kluis, ADMIN, NOW, n) for n in (1, 2, 3)]
    form = client.post("/app/tasks/new", data={"csrf": csrf, "person_id": people})
    assert form.status_code == 200
    assert len(re.findall(r'name="person_id"', form.text)) == 3
    made = client.post(
        "/app/tasks/new",
        data={
            "csrf": csrf_of(form.text),
            "person_id": people,
            "title": "Invite to the open day",
            "due_on": DAY,
            "priority": "normal",
            "assignee": "",
        },
    )
    assert made.headers["location"] == "/app/tasks"
    mine = reading.mine(kluis, staff(kluis, "sales"), NOW)
    assert sorted(t.person_id for t in mine) == sorted(people)


def test_change_delete_and_the_reminder_choice(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales")
    sales = staff(kluis, "sales")
    task_id = service.add(kluis, sales, NewTask("Order paper", DAY), NOW)
    page = client.get(f"/app/tasks/{task_id}").text
    assert 'value="Order paper"' in page
    changed = client.post(
        f"/app/tasks/{task_id}",
        data={
            "csrf": csrf,
            "title": "Order more paper",
            "due_on": DAY,
            "due_time": "10:00",
            "priority": "low",
            "notes": "",
            "assignee": str(sales.user_id),
        },
    )
    assert changed.status_code == 303, changed.text
    assert reading.get(kluis, sales, task_id, NOW).title == "Order more paper"
    client.post("/app/tasks/reminders", data={"csrf": csrf, "reminders": "on"})
    assert reading.reminders_on(kluis, sales)
    client.post("/app/tasks/reminders", data={"csrf": csrf})
    assert not reading.reminders_on(kluis, sales)
    client.post(f"/app/tasks/{task_id}/delete", data={"csrf": csrf})
    assert reading.mine(kluis, sales, NOW) == []


def test_done_can_log_the_activity(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales", "customer_service")
    sales = staff(kluis, "sales")
    person = add_person(kluis, ADMIN, NOW)
    task_id = service.add(
        kluis,
        sales,
        NewTask("Call about the order", DAY, person_id=person, purpose_key="customer_service"),
        NOW,
    )
    assert 'name="log_activity"' in client.get("/app/tasks").text
    client.post(f"/app/tasks/{task_id}/done", data={"csrf": csrf, "log_activity": "note"})
    [logged] = activity_reads.of_person(kluis, ADMIN, person, "customer_service", NOW)
    assert (logged.type, logged.subject) == ("note", "Call about the order")
