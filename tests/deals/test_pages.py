"""The deals staff pages through a TestClient: the board and its no-JavaScript move, the deal
page with its people under the deal's purpose, the list's filters, the forecast, the CSV under
the working purpose, the admin's pipeline page and the person panel; Dutch and English."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from activity_helpers import log_call
from conftest import ADMIN, NOW, SALES, SERVICE
from deal_helpers import add_deal, pipeline
from factories import add_person
from kluis.deals import people
from kluis.runtime import Kluis
from kluis.tasks import service as tasks
from kluis.tasks.service import NewTask
from mailserver import MailServer
from staff_helpers import choose, make_user, sign_in, signed_in
from task_helpers import staff
from test_dutch import Seen, client_of


def speak(client: TestClient, csrf: str, language: str) -> None:
    response = client.post("/app/language", data={"csrf": csrf, "language": language})
    assert response.status_code == 303, response.text


@pytest.mark.parametrize(
    ("language", "words"),
    [("nl", ("Gewonnen", "Verplaatsen", "Prognose")), ("en", ("Won", "Move", "Forecast"))],
)
def test_the_board_moves_a_card_without_javascript(
    kluis: Kluis, language: str, words: tuple[str, ...]
) -> None:
    pipeline_id = pipeline(kluis, NOW)
    deal_id = add_deal(kluis, NOW, value="1000", expected_close="2026-04-01")
    client, csrf = signed_in(kluis, "sales", "sales_follow_up")
    speak(client, csrf, language)
    board = client.get(f"/app/deals/board/{pipeline_id}")
    assert board.status_code == 200, board.text
    for word in words:
        assert word in board.text
    forecast = client.get("/app/deals/forecast").text
    assert "100,00" in forecast or "100.00" in forecast
    won = next(line for line in board.text.splitlines() if "Gewonnen" in line or ">Won<" in line)
    stage_id = won.split('value="')[1].split('"')[0]
    moved = client.post(f"/app/deals/{deal_id}/move", data={"csrf": csrf, "stage": stage_id})
    assert moved.status_code == 303, moved.text
    assert (
        "1.000,00" in client.get("/app/deals/forecast").text
        or "1,000.00" in client.get("/app/deals/forecast").text
    )


def test_the_deal_page_and_its_people(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    deal_id = add_deal(kluis, NOW)
    person_id = add_person(kluis, ADMIN, NOW, purposes=("sales_follow_up",))
    people.link_person(kluis, SALES, deal_id, person_id, "decision_maker", NOW)
    client, _ = signed_in(kluis, "sales", "sales_follow_up")
    page = client.get(f"/app/deals/{deal_id}").text
    assert "Fenna1 Brouwersma1" in page
    panel = client.get(f"/app/contacts/{person_id}").text
    assert f"/app/deals/{deal_id}" in panel
    other, _ = signed_in(kluis, "marketing", "email_marketing")
    refused = other.get(f"/app/deals/{deal_id}")
    assert refused.status_code == 403
    assert "Fenna1" not in refused.text


def test_activities_and_tasks_are_added_from_the_deal_page(kluis: Kluis) -> None:
    """The deal page offers a task and an activity with each person on it, the deal filled in;
    both come back to the deal, which lists them (the activity under its own purpose)."""
    pipeline(kluis, NOW)
    deal_id = add_deal(kluis, NOW)
    person_id = add_person(kluis, ADMIN, NOW, purposes=("invoicing", "sales_follow_up"))
    people.link_person(kluis, SALES, deal_id, person_id, "decision_maker", NOW)
    client, csrf = signed_in(kluis, "sales", "sales_follow_up")
    page = client.get(f"/app/deals/{deal_id}").text
    assert f"/app/tasks/new?deal_id={deal_id}" in page
    assert f"/app/contacts/{person_id}/activities/new?deal={deal_id}" in page
    form = client.get(f"/app/tasks/new?deal_id={deal_id}").text
    assert f'name="deal_id" value="{deal_id}"' in form
    added = client.post(
        "/app/tasks/new",
        data={"csrf": csrf, "title": "Send the offer", "due_on": "2026-03-20",
              "priority": "normal", "deal_id": str(deal_id)},
    )  # fmt: skip
    assert added.status_code == 303, added.text
    assert added.headers["location"].startswith(f"/app/deals/{deal_id}")
    form = client.get(f"/app/contacts/{person_id}/activities/new?deal={deal_id}").text
    assert f'name="deal" value="{deal_id}"' in form
    logged = client.post(
        f"/app/contacts/{person_id}/activities",
        data={"csrf": csrf, "type": "call", "subject": "Talked about the ovens",
              "deal": str(deal_id)},
    )  # fmt: skip
    assert logged.status_code == 303, logged.text
    assert logged.headers["location"].startswith(f"/app/deals/{deal_id}")
    page = client.get(f"/app/deals/{deal_id}").text
    assert "Send the offer" in page
    assert "Talked about the ovens" in page
    log_call(kluis, person_id, actor=SERVICE, purpose="invoicing", subject="Bill", deal_id=deal_id)
    page = client.get(f"/app/deals/{deal_id}").text
    assert "Bill" not in page
    assert "1 activiteit onder een doel dat uw rol niet heeft" in page


def test_the_list_filters_and_the_csv(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    add_deal(kluis, NOW, 1, value="1000", expected_close="2026-04-01")
    add_deal(kluis, NOW, 2, value="20", expected_close="2026-05-01")
    client, _ = signed_in(kluis, "sales", "sales_follow_up")
    page = client.get("/app/deals/list", params={"month": "2026-04"}).text
    assert "Bakery ovens 1" in page
    assert "Bakery ovens 2" not in page
    assert client.get("/app/deals/list", params={"month": "april"}).status_code == 422
    got = client.get("/app/deals/export.csv", params={"min_value": "100"})
    assert got.status_code == 200, got.text
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [r["title"] for r in rows] == ["Bakery ovens 1"]


def test_an_admin_edits_the_pipeline_page(kluis: Kluis) -> None:
    pipeline_id = pipeline(kluis, NOW)
    client, csrf = signed_in(kluis, "admin")
    page = client.get(f"/app/deals/pipelines/{pipeline_id}")
    assert page.status_code == 200, page.text
    form = {"csrf": csrf, "count": "0", "name_en": "Sales", "name_nl": "Verkoop 2"}
    saved = client.post(f"/app/deals/pipelines/{pipeline_id}", data=form)
    assert saved.status_code == 303, saved.text
    sales, _ = signed_in(kluis, "sales")
    assert sales.get(f"/app/deals/pipelines/{pipeline_id}").status_code == 403


def test_every_deals_page_is_dutch(kluis: Kluis, smtp: MailServer) -> None:
    """The deals pages through the same check as ``tests/test_dutch.py``'s staff pages."""
    seen = Seen(kluis)
    pipeline_id = pipeline(kluis, NOW)
    deal_id = add_deal(kluis, NOW, value="1000", expected_close="2026-04-01")
    add_deal(kluis, NOW, 2, stage="lost", lost_reason="Te duur")
    person = add_person(kluis, ADMIN, NOW, purposes=("sales_follow_up",))
    people.link_person(kluis, SALES, deal_id, person, "decision_maker", NOW)
    log_call(kluis, person, actor=SALES, purpose="sales_follow_up", deal_id=deal_id)
    tasks.add(
        kluis, staff(kluis, "sales"), NewTask("Offerte sturen", "2026-03-20", deal_id=deal_id), NOW
    )
    client = client_of(kluis, smtp)
    csrf = sign_in(client, make_user(kluis, "admin"))
    choose(client, csrf, "sales_follow_up")
    for path in (
        "/app/deals/board/{pipeline}",
        "/app/deals/{deal}",
        "/app/deals/new",
        "/app/deals/list",
        "/app/deals/list?month=2026-13",
        "/app/deals/forecast",
        "/app/deals/pipelines/{pipeline}",
        "/app/contacts/{person}",
        "/app/tasks/new?deal_id={deal}",
        "/app/contacts/{person}/activities/new?deal={deal}",
    ):
        url = path.format(pipeline=pipeline_id, deal=deal_id, person=person)
        seen.page(path, client.get(url), 422 if "2026-13" in path else 200)
    seen.check()
