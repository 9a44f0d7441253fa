"""What a task is about (issue 18: "an optional person, company or activity it is about"). A
task about a company is business data, kept plain, and an unknown company is refused naming
``company_id``. A task about an activity is about the activity's person under the activity's
purpose, so its title is sealed with their key and it goes with them; an unknown activity, or
one about another person or purpose, is refused naming ``activity_id``; deleting the activity
unlinks the task and keeps it. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from activity_helpers import log_call
from conftest import NOW
from factories import add_person
from kluis.activities import service as activities
from kluis.contacts import erasure
from kluis.contacts.companies import create_company
from kluis.errors import InvalidField, NotFound
from kluis.runtime import Kluis
from kluis.tasks import reading, rules, service
from kluis.tasks.service import NewTask
from kluis.tasks.tables import Task
from task_helpers import staff

TODAY = date(2026, 3, 14)
TITLE = "Send Fenna the copy of the invoice"


def test_the_rule_takes_the_activitys_person_and_purpose() -> None:
    assert rules.about_activity(None, None, "p1", "customer_service") == ("p1", "customer_service")
    assert rules.about_activity("p1", "customer_service", "p1", "customer_service") == (
        "p1",
        "customer_service",
    )
    for person, purpose in (("p2", None), (None, "invoicing"), ("p2", "customer_service")):
        with pytest.raises(InvalidField) as refused:
            rules.about_activity(person, purpose, "p1", "customer_service")
        assert refused.value.field == "activity_id"


def test_a_task_about_an_activity_is_about_its_person_and_sealed(kluis: Kluis) -> None:
    service_user = staff(kluis, "service")
    person = add_person(kluis, service_user, NOW)
    call = log_call(kluis, person, actor=service_user)
    task_id = service.add(kluis, service_user, NewTask(TITLE, TODAY, activity_id=call), NOW)
    with kluis.engine.connect() as conn:
        row = conn.execute(select(Task).where(Task.id == task_id)).one()
    assert (row.person_id, row.purpose_key, row.activity_id) == (
        person,
        "customer_service",
        call,
    )
    assert row.title is None
    assert row.title_sealed is not None
    assert TITLE.encode() not in row.title_sealed
    view = reading.get(kluis, service_user, task_id, NOW)
    assert (view.title, view.activity_id) == (TITLE, call)


def test_an_unknown_or_mismatched_activity_is_refused(kluis: Kluis) -> None:
    service_user = staff(kluis, "service")
    person = add_person(kluis, service_user, NOW, 1)
    other = add_person(kluis, service_user, NOW, 2)
    call = log_call(kluis, person, actor=service_user)
    with pytest.raises(NotFound) as unknown:
        service.add(kluis, service_user, NewTask(TITLE, TODAY, activity_id="no-such-id"), NOW)
    assert unknown.value.field == "activity_id"
    mismatched = NewTask(
        TITLE, TODAY, activity_id=call, person_id=other, purpose_key="customer_service"
    )
    with pytest.raises(InvalidField) as refused:
        service.add(kluis, service_user, mismatched, NOW)
    assert refused.value.field == "activity_id"
    with kluis.engine.connect() as conn:
        assert conn.execute(select(Task.id)).all() == []


def test_deleting_the_activity_keeps_the_task_and_erasure_takes_it(kluis: Kluis) -> None:
    service_user, admin = staff(kluis, "service"), staff(kluis, "admin")
    person = add_person(kluis, service_user, NOW)
    call = log_call(kluis, person, actor=service_user)
    task_id = service.add(kluis, service_user, NewTask(TITLE, TODAY, activity_id=call), NOW)
    activities.delete(kluis, service_user, call, "customer_service", NOW)
    with kluis.engine.connect() as conn:
        kept = conn.execute(select(Task.id, Task.activity_id, Task.person_id)).all()
    assert [tuple(r) for r in kept] == [(task_id, None, person)]
    erasure.erase_person(kluis, admin, person, NOW)
    with kluis.engine.connect() as conn:
        assert conn.execute(select(Task.id)).all() == []


def test_a_task_about_a_company_is_plain_and_names_it(kluis: Kluis) -> None:
    sales = staff(kluis, "sales")
    company = create_company(kluis, sales, {"name": "Bakkerij Visser"}, NOW).id
    task_id = service.add(
        kluis, sales, NewTask("Renew the contract", TODAY, company_id=company), NOW
    )
    with kluis.engine.connect() as conn:
        row = conn.execute(select(Task).where(Task.id == task_id)).one()
    assert (row.title, row.company_id, row.person_id) == ("Renew the contract", company, None)
    assert reading.get(kluis, sales, task_id, NOW).company_id == company
    with pytest.raises(NotFound) as unknown:
        service.add(kluis, sales, NewTask("Renew", TODAY, company_id=company + 100), NOW)
    assert unknown.value.field == "company_id"
