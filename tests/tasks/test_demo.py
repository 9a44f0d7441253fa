"""The tasks part of ``kluis demo``: tasks for every staff user, the person ones sealed and
under a purpose the user's role holds."""

from __future__ import annotations

from cli_helpers import ok_json
from conftest import NOW
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.tasks import reading
from task_helpers import staff


def test_demo_gives_every_staff_user_tasks_they_can_read(kluis: Kluis, kluis_env: Settings) -> None:
    marketing, sales = staff(kluis, "marketing"), staff(kluis, "sales")
    summary = ok_json("demo", "--people", "30")
    assert summary["tasks"] == 10
    for actor in (marketing, sales):
        mine = reading.mine(kluis, actor, NOW.replace(year=2100))
        assert len(mine) == 5
        assert all(not t.hidden for t in mine)
    sales_tasks = reading.mine(kluis, sales, NOW.replace(year=2100))
    assert any(t.deal_id is not None for t in sales_tasks)  # the demo's deals came first
