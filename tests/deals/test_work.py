"""Activities and tasks linked to a deal (issue 19), on both backends: linked by their own
services, listed on the deal's page under each one's own purpose (audited), unlinked when the
deal goes, and still taken by the erasure of their person."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import delete, select

from activity_helpers import log_call
from api_helpers import assert_problem, client_for
from cli_helpers import ok_json
from conftest import NOW
from deal_helpers import add_deal, pipeline
from factories import add_person
from kluis.activities import reads
from kluis.activities.tables import Activity
from kluis.audit.tables import AuditRow
from kluis.contacts import erasure
from kluis.deals.tables import Deal
from kluis.errors import NotFound
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.tasks import reading
from kluis.tasks import service as tasks
from kluis.tasks.service import NewTask
from kluis.tasks.tables import Task
from task_helpers import staff

DUE = date(2026, 3, 20)


def _deal(kluis: Kluis) -> tuple[int, str]:
    pipeline(kluis, NOW)
    sales = staff(kluis, "sales")
    deal_id = add_deal(kluis, NOW, actor=sales)
    admin = staff(kluis, "admin")
    person_id = add_person(kluis, admin, NOW, purposes=("invoicing", "sales_follow_up"))
    return deal_id, person_id


def _list_reads(kluis: Kluis) -> list[str]:
    with kluis.engine.connect() as conn:
        rows = conn.execute(
            select(AuditRow.action, AuditRow.purpose, AuditRow.details).where(
                AuditRow.action.in_(("activity.list_read", "task.read"))
            )
        ).all()
    return [f"{a} {p} {json.dumps(d, sort_keys=True)}" for a, p, d in rows]


def test_activities_are_shown_on_the_deal_under_their_own_purpose(kluis: Kluis) -> None:
    deal_id, person_id = _deal(kluis)
    sales, service, marketing = (
        staff(kluis, "sales"),
        staff(kluis, "service"),
        staff(kluis, "marketing"),
    )
    mine = log_call(
        kluis, person_id, actor=sales, purpose="sales_follow_up", subject="Offer", deal_id=deal_id
    )
    log_call(kluis, person_id, actor=service, purpose="invoicing", subject="Bill", deal_id=deal_id)
    log_call(kluis, person_id, actor=sales, purpose="sales_follow_up", subject="Elsewhere")
    before = len(_list_reads(kluis))
    shown, hidden = reads.of_deal(kluis, sales, deal_id, NOW)
    assert ([a.id for a in shown], [a.subject for a in shown], hidden) == ([mine], ["Offer"], 1)
    assert shown[0].deal_id == deal_id
    (event,) = _list_reads(kluis)[before:]
    assert "sales_follow_up" in event
    assert '"deal"' in event
    assert "Offer" not in event
    shown, hidden = reads.of_deal(kluis, service, deal_id, NOW)
    assert ([a.subject for a in shown], hidden) == (["Bill"], 1)
    assert reads.of_deal(kluis, marketing, deal_id, NOW) == ([], 2)


def test_an_activity_or_task_names_a_deal_that_exists(kluis: Kluis) -> None:
    _deal_id, person_id = _deal(kluis)
    sales = staff(kluis, "sales")
    with pytest.raises(NotFound, match="deal"):
        log_call(kluis, person_id, actor=sales, purpose="sales_follow_up", deal_id=9999)
    with pytest.raises(NotFound, match="deal"):
        tasks.add(kluis, sales, NewTask("Send the offer", DUE, deal_id=9999), NOW)


def test_tasks_are_shown_on_the_deal_titles_only_where_the_reader_reaches(kluis: Kluis) -> None:
    deal_id, person_id = _deal(kluis)
    sales, service = staff(kluis, "sales"), staff(kluis, "service")
    plain = tasks.add(kluis, sales, NewTask("Send the offer", DUE, deal_id=deal_id), NOW)
    about = tasks.add(
        kluis,
        service,
        NewTask(
            "Check the bill", DUE, person_id=person_id, purpose_key="invoicing", deal_id=deal_id
        ),
        NOW,
    )
    tasks.add(kluis, sales, NewTask("Another deal's", DUE), NOW)
    found = {t.id: t for t in reading.of_deal(kluis, sales, deal_id, NOW)}
    assert set(found) == {plain, about}
    assert found[plain].title == "Send the offer"
    assert found[about].hidden
    assert found[about].deal_id == deal_id
    by_service = {t.id: t for t in reading.of_deal(kluis, service, deal_id, NOW)}
    assert by_service[about].title == "Check the bill"
    assert any('"deal"' in e and "invoicing" in e for e in _list_reads(kluis))


def test_deleting_a_deal_unlinks_its_work_and_erasure_still_takes_it(kluis: Kluis) -> None:
    deal_id, person_id = _deal(kluis)
    sales, admin = staff(kluis, "sales"), staff(kluis, "admin")
    kept = add_person(kluis, sales, NOW, 2, purposes=("sales_follow_up",))
    for who in (person_id, kept):
        log_call(kluis, who, actor=sales, purpose="sales_follow_up", deal_id=deal_id)
        tasks.add(
            kluis,
            sales,
            NewTask(
                "Call back", DUE, person_id=who, purpose_key="sales_follow_up", deal_id=deal_id
            ),
            NOW,
        )
    erasure.erase_person(kluis, admin, person_id, NOW)
    with kluis.engine.connect() as conn:
        for table in (Activity, Task):
            rows = conn.execute(select(table.person_id, table.deal_id)).all()
            assert [tuple(r) for r in rows] == [(kept, deal_id)], table
    with kluis.engine.begin() as conn:
        conn.execute(delete(Deal).where(Deal.id == deal_id))
    with kluis.engine.connect() as conn:
        for table in (Activity, Task):
            rows = conn.execute(select(table.person_id, table.deal_id)).all()
            assert [tuple(r) for r in rows] == [(kept, None)], table


def test_the_api_and_the_commands_take_a_deal(kluis: Kluis, kluis_env: Settings) -> None:
    deal_id, person_id = _deal(kluis)
    sales = client_for(kluis, "sales")
    logged = sales.post(
        f"/api/v1/contacts/{person_id}/activities",
        params={"purpose": "sales_follow_up"},
        json={"type": "call", "subject": "About the ovens", "deal_id": deal_id},
    )
    assert logged.status_code == 201, logged.text
    shown = sales.get(
        f"/api/v1/activities/{logged.json()['id']}", params={"purpose": "sales_follow_up"}
    )
    assert shown.json()["deal_id"] == deal_id
    task = sales.post(
        "/api/v1/tasks",
        json={"title": "Send the offer", "due_on": "2026-03-20", "deal_id": deal_id},
    )
    assert task.status_code == 201, task.text
    assert task.json()["deal_id"] == deal_id
    missing = sales.post(
        "/api/v1/tasks", json={"title": "X", "due_on": "2026-03-20", "deal_id": 999}
    )
    assert_problem(missing, 404, field="deal_id")
    made = ok_json(
        "activities", "log", person_id, "--purpose", "sales_follow_up", "--subject", "Visit",
        "--deal", str(deal_id),
    )  # fmt: skip
    added = ok_json(
        "tasks", "add", "Follow up", "--due", "2026-03-21", "--for", "sales@example.com",
        "--deal", str(deal_id),
    )  # fmt: skip
    assert added["deal_id"] == deal_id
    actor = staff(kluis, "sales")
    assert made["id"] in {a.id for a in reads.of_deal(kluis, actor, deal_id, NOW)[0]}
    assert len(reading.of_deal(kluis, actor, deal_id, NOW)) == 2
