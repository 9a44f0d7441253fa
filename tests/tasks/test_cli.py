"""``kluis tasks add|list|done|reopen`` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from cli_helpers import ok, ok_json, refused
from conftest import ADMIN, NOW
from factories import add_person
from kluis.runtime import Kluis
from kluis.settings import Settings
from task_helpers import staff


def test_add_list_done_reopen(kluis: Kluis, kluis_env: Settings) -> None:
    staff(kluis, "sales")
    person = add_person(kluis, ADMIN, NOW)
    made = ok_json(
        "tasks",
        "add",
        "Call Fenna1",
        "--due",
        "2099-01-05",
        "--for",
        "sales@example.com",
        "--person",
        person,
        "--purpose",
        "customer_service",
        "--priority",
        "high",
    )
    assert (made["title"], made["bucket"], made["priority"]) == ("Call Fenna1", "later", "high")
    listed = ok_json("tasks", "list", "--for", "sales@example.com")
    assert [t["id"] for t in listed] == [made["id"]]
    text = ok("tasks", "list", "--person", person, "--purpose", "customer_service").stdout
    assert made["id"] in text
    assert "Call Fenna1" in text
    assert ok_json("tasks", "done", made["id"])["done_at"] is not None
    assert ok_json("tasks", "reopen", made["id"])["done_at"] is None
    assert "is done" in ok("tasks", "done", made["id"]).stdout


def test_refusals(kluis: Kluis, kluis_env: Settings) -> None:
    staff(kluis, "sales")
    refused("tasks", "add", "x", "--due", "tomorrow", "--for", "sales@example.com", field="due_on")
    refused("tasks", "add", "x", "--due", "2099-01-05", "--for", "no@example.com", field="for")
    refused("tasks", "list", field="for")
    refused("tasks", "done", "0190a8f0-0000-7000-8000-000000000000", field="task_id")
