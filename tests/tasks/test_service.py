"""Tasks: sealing, purpose-bound links, audit, erasure and the end of a purpose take them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from conftest import NOW
from factories import add_person
from kluis.actors import Actor, Role
from kluis.audit import service as audit_service
from kluis.audit.tables import AuditRow as AuditEntry
from kluis.contacts import erasure
from kluis.contacts import repository as contacts_repo
from kluis.errors import InvalidField, NotFound, PurposeRefused
from kluis.runtime import Kluis
from kluis.tasks import reading, service
from kluis.tasks.rules import Bucket
from kluis.tasks.service import NewTask
from kluis.tasks.tables import Task
from task_helpers import staff

TODAY = date(2026, 3, 14)


def _audit(kluis: Kluis) -> list[tuple[str, str | None, str | None, str]]:
    with kluis.engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.action, AuditEntry.person_id, AuditEntry.purpose, AuditEntry.details)
        )
        return [(r.action, r.person_id, r.purpose, str(r.details)) for r in rows]


def test_a_task_about_nobody_is_plain_and_mine(kluis: Kluis) -> None:
    sales = staff(kluis, "sales")
    task_id = service.add(kluis, sales, NewTask("Order new brochures", TODAY), NOW)
    [mine] = reading.mine(kluis, sales, NOW)
    assert (mine.id, mine.title, mine.bucket, mine.assignee) == (
        task_id,
        "Order new brochures",
        Bucket.TODAY,
        "sales@example.com",
    )
    with kluis.engine.connect() as conn:
        assert conn.execute(select(Task.title)).scalar() == "Order new brochures"


def test_a_task_about_a_person_is_sealed_and_its_reads_audited_without_the_title(
    kluis: Kluis,
) -> None:
    sales = staff(kluis, "sales")
    person = add_person(kluis, sales, NOW)
    task_id = service.add(
        kluis,
        sales,
        NewTask(
            "Call Fenna1 about her invoice",
            TODAY - timedelta(days=1),
            notes="She asked twice",
            person_id=person,
            purpose_key="customer_service",
        ),
        NOW,
    )
    with kluis.engine.connect() as conn:
        row = conn.execute(select(Task.title, Task.title_sealed, Task.notes)).one()
    assert row.title is None
    assert row.notes is None
    assert b"Fenna1" not in row.title_sealed
    [view] = reading.of_person(kluis, sales, person, "customer_service", NOW)
    assert (view.title, view.notes, view.bucket) == (
        "Call Fenna1 about her invoice",
        "She asked twice",
        Bucket.OVERDUE,
    )
    entries = _audit(kluis)
    assert ("task.created", person, "customer_service") in [e[:3] for e in entries]
    assert ("task.read", person, "customer_service") in [e[:3] for e in entries]
    assert not any("Fenna1" in e[3] or "twice" in e[3] for e in entries)
    assert reading.get(kluis, sales, task_id, NOW).title == "Call Fenna1 about her invoice"


def test_linking_needs_a_purpose_the_role_holds_and_the_person_was_collected_for(
    kluis: Kluis,
) -> None:
    sales, marketing = staff(kluis, "sales"), staff(kluis, "marketing")
    person = add_person(kluis, sales, NOW)
    with pytest.raises(PurposeRefused):
        service.add(
            kluis,
            marketing,
            NewTask("x", TODAY, person_id=person, purpose_key="customer_service"),
            NOW,
        )
    with pytest.raises(PurposeRefused):
        service.add(
            kluis, sales, NewTask("x", TODAY, person_id=person, purpose_key="sales_follow_up"), NOW
        )
    with pytest.raises(InvalidField) as refused:
        service.add(kluis, sales, NewTask("x", TODAY, person_id=person), NOW)
    assert refused.value.field == "purpose"


def test_a_colleague_must_hold_the_purpose_of_a_task_given_to_them(kluis: Kluis) -> None:
    sales, marketing = staff(kluis, "sales"), staff(kluis, "marketing")
    person = add_person(kluis, sales, NOW)
    new = NewTask(
        "Follow up",
        TODAY,
        person_id=person,
        purpose_key="customer_service",
        assignee_id=marketing.user_id,
    )
    with pytest.raises(PurposeRefused) as refused:
        service.add(kluis, sales, new, NOW)
    assert refused.value.field == "assignee"
    service_user = staff(kluis, "service")
    task_id = service.add(
        kluis,
        sales,
        NewTask(
            "Follow up",
            TODAY,
            person_id=person,
            purpose_key="customer_service",
            assignee_id=service_user.user_id,
        ),
        NOW,
    )
    assert [t.id for t in reading.mine(kluis, service_user, NOW)] == [task_id]
    assert reading.mine(kluis, sales, NOW) == []


def test_others_tasks_are_not_found(kluis: Kluis) -> None:
    sales, marketing = staff(kluis, "sales"), staff(kluis, "marketing")
    task_id = service.add(kluis, sales, NewTask("Private to-do", TODAY), NOW)
    for call in (
        lambda: reading.get(kluis, marketing, task_id, NOW),
        lambda: service.complete(kluis, marketing, task_id, NOW),
        lambda: service.delete(kluis, marketing, task_id, NOW),
    ):
        with pytest.raises(NotFound):
            call()


def test_complete_reopen_edit_delete(kluis: Kluis) -> None:
    sales = staff(kluis, "sales")
    person = add_person(kluis, sales, NOW)
    task_id = service.add(
        kluis,
        sales,
        NewTask("Send offer", TODAY, person_id=person, purpose_key="customer_service"),
        NOW,
    )
    service.complete(kluis, sales, task_id, NOW)
    service.complete(kluis, sales, task_id, NOW)
    assert reading.get(kluis, sales, task_id, NOW).done_at == NOW
    assert reading.mine(kluis, sales, NOW + timedelta(days=2)) == []
    service.reopen(kluis, sales, task_id, NOW)
    service.edit(
        kluis,
        sales,
        task_id,
        {"title": "Send the offer", "priority": "high", "due_time": "16:00"},
        NOW,
    )
    view = reading.get(kluis, sales, task_id, NOW)
    assert (view.title, view.priority, view.done_at, str(view.due_time)) == (
        "Send the offer",
        "high",
        None,
        "16:00:00",
    )
    with pytest.raises(InvalidField):
        service.edit(kluis, sales, task_id, {"person_id": "x"}, NOW)
    service.delete(kluis, sales, task_id, NOW)
    actions = [e[0] for e in _audit(kluis)]
    assert actions.count("task.done") == 2
    assert "task.changed" in actions
    assert "task.deleted" in actions
    assert audit_service.verify(kluis.engine).ok


def test_bulk_creates_one_task_per_person_or_none(kluis: Kluis) -> None:
    sales = staff(kluis, "sales")
    first, second = add_person(kluis, sales, NOW, 1), add_person(kluis, sales, NOW, 2)
    other = add_person(kluis, sales, NOW, 3, purposes=("sales_follow_up",))
    new = NewTask("Invite to the fair", TODAY, purpose_key="customer_service")
    with pytest.raises(PurposeRefused):
        service.add_for_people(kluis, sales, new, [first, other], NOW)
    assert reading.mine(kluis, sales, NOW) == []
    made = service.add_for_people(kluis, sales, new, [first, second, first], NOW)
    assert len(made) == 2
    assert {t.person_id for t in reading.mine(kluis, sales, NOW)} == {first, second}


def test_erasure_and_the_end_of_a_purpose_take_the_tasks(kluis: Kluis) -> None:
    sales, admin = staff(kluis, "sales"), staff(kluis, "admin")
    erased = add_person(kluis, sales, NOW, 1)
    ended = add_person(kluis, sales, NOW, 2, purposes=("customer_service", "sales_follow_up"))
    for person, purpose in (
        (erased, "customer_service"),
        (ended, "sales_follow_up"),
        (ended, "customer_service"),
    ):
        service.add(
            kluis, sales, NewTask("About them", TODAY, person_id=person, purpose_key=purpose), NOW
        )
    erasure.erase_person(kluis, admin, erased, NOW)
    with kluis.engine.begin() as conn:
        contacts_repo.replace_purposes(conn, ended, [], ["sales_follow_up"])
    with kluis.engine.connect() as conn:
        left = conn.execute(text("SELECT person_id, purpose_key FROM tasks")).all()
    assert [tuple(r) for r in left] == [(ended, "customer_service")]


def test_reminder_choice_is_the_users_own_and_audited(kluis: Kluis) -> None:
    sales = staff(kluis, "sales")
    assert not reading.reminders_on(kluis, sales)
    reading.set_reminders(kluis, sales, True, NOW)
    assert reading.reminders_on(kluis, sales)
    assert ("task.reminders_chosen", None, None) in [e[:3] for e in _audit(kluis)]


def test_a_role_that_lost_the_purpose_sees_its_task_hidden_and_can_still_tick_it(
    kluis: Kluis,
) -> None:
    marketing, admin = staff(kluis, "marketing"), staff(kluis, "admin")
    person = add_person(kluis, admin, NOW, purposes=("email_marketing",), phone=None)
    task_id = service.add(
        kluis,
        admin,
        NewTask(
            "Ask Fenna1 about the newsletter",
            TODAY,
            person_id=person,
            purpose_key="email_marketing",
            assignee_id=marketing.user_id,
        ),
        NOW,
    )
    moved = Actor(ref=marketing.ref, role=Role.SERVICE, user_id=marketing.user_id)
    [view] = reading.mine(kluis, moved, NOW)
    assert (view.id, view.hidden, view.title) == (task_id, True, None)
    with pytest.raises(PurposeRefused):
        service.edit(kluis, moved, task_id, {"title": "x"}, NOW)
    service.complete(kluis, moved, task_id, NOW)
    assert not any(e[1] == person and e[0] == "task.read" and "mine" in e[3] for e in _audit(kluis))
