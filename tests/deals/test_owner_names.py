"""Colleagues on the deals, task and activity pages are named by the one rule of
``auth.colleagues``: admins see the sign-in address, the privacy officer, sales and the other
roles see "Collega N (rol)". Checked per role on every place a colleague shows: the deals list
(its owner filter and column), the deal page, the new-deal form (for the roles that write),
the forecast's owner rows, the deals CSV, the task form's assignees and an activity's
author."""

from __future__ import annotations

import csv
import io

import pytest

from activity_helpers import log_call
from conftest import NOW
from deal_helpers import add_deal, pipeline
from factories import add_person
from kluis.runtime import Kluis
from staff_helpers import signed_in
from task_helpers import staff

ADDRESS = "joris.vink@example.com"
DEAL_PAGES = ("/app/deals/list", "/app/deals/forecast")
WRITERS_PAGES = (*DEAL_PAGES, "/app/deals/new")


def _owned_deal(kluis: Kluis) -> tuple[int, int]:
    pipeline(kluis, NOW)
    owner = staff(kluis, "sales", ADDRESS)
    assert owner.user_id is not None
    deal_id = add_deal(kluis, NOW, value="900", expected_close="2026-04-01", owner_id=owner.user_id)
    return owner.user_id, deal_id


@pytest.mark.parametrize("role", ["sales", "privacy_officer"])
def test_deal_readers_who_are_not_admins_see_no_address(kluis: Kluis, role: str) -> None:
    owner_id, deal_id = _owned_deal(kluis)
    client, _ = signed_in(kluis, role, "sales_follow_up")
    pages = WRITERS_PAGES if role == "sales" else DEAL_PAGES
    for path in (*pages, f"/app/deals/{deal_id}"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert ADDRESS not in page.text, path
        assert f"Collega {owner_id} (sales)" in page.text, path
    got = client.get("/app/deals/export.csv")
    assert got.status_code == 200, got.text
    assert ADDRESS not in got.text
    [row] = list(csv.DictReader(io.StringIO(got.text)))
    assert row["owner"] == f"Collega {owner_id} (sales)"


def test_an_admin_sees_the_owners_address_everywhere(kluis: Kluis) -> None:
    _, deal_id = _owned_deal(kluis)
    client, _ = signed_in(kluis, "admin", "sales_follow_up")
    for path in (*WRITERS_PAGES, f"/app/deals/{deal_id}"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert ADDRESS in page.text, path
    [row] = list(csv.DictReader(io.StringIO(client.get("/app/deals/export.csv").text)))
    assert row["owner"] == ADDRESS


@pytest.mark.parametrize(("role", "sees"), [("admin", True), ("service", False)])
def test_the_task_form_and_an_activitys_author(kluis: Kluis, role: str, sees: bool) -> None:
    author = staff(kluis, "service", ADDRESS)
    person_id = add_person(kluis, author, NOW)
    activity_id = log_call(kluis, person_id, actor=author, subject="Asked about the invoice")
    client, _ = signed_in(kluis, role, "customer_service")
    form = client.get("/app/tasks/new").text
    activity = client.get(f"/app/activities/{activity_id}")
    assert activity.status_code == 200, activity.text
    assert "Asked about the invoice" in activity.text
    for page in (form, activity.text):
        assert (ADDRESS in page) is sees
        assert (f"Collega {author.user_id} (service)" in page) is not sees
    assert f"user:{author.user_id}" not in activity.text
