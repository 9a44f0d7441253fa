"""A person added with custom values is one transaction (``collect.create_person``'s ``also``):
the person's row, their sealed values and both audit events are written together, so a refused
value leaves no person behind and the audit trail has both or neither; on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select

from conftest import ADMIN, NOW, SALES
from kluis.audit import service as audit
from kluis.contacts import collect, custom_fields, people
from kluis.contacts.custom_rules import CustomField, CustomKind
from kluis.contacts.tables import people as people_table
from kluis.errors import PurposeRefused
from kluis.purposes.service import list_purposes
from kluis.runtime import Kluis
from staff_helpers import csrf_of, signed_in

SIZE = CustomField(
    "size", "Shoe size", "Schoenmaat", CustomKind.NUMBER, "user.demographic.profile", True
)
WRITES = re.compile(r"^\s*INSERT INTO (people|custom_values)\b", re.IGNORECASE)


def _count(kluis: Kluis) -> int:
    with kluis.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(people_table)).scalar_one())


def test_the_form_writes_the_person_and_their_values_in_one_transaction(kluis: Kluis) -> None:
    custom_fields.declare(kluis, ADMIN, SIZE, NOW)
    client, _ = signed_in(kluis, "sales", "sales_follow_up")
    page = client.get("/app/contacts/new?purpose=sales_follow_up").text
    transactions = [0]
    written: list[tuple[int, str]] = []

    def began(conn: Connection) -> None:
        transactions[0] += 1

    def executing(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        found = WRITES.match(statement)
        if found:
            written.append((transactions[0], found.group(1).lower()))

    event.listen(kluis.engine, "begin", began)
    event.listen(kluis.engine, "before_cursor_execute", executing)
    try:
        made = client.post(
            "/app/contacts/new",
            data={
                "csrf": csrf_of(page), "purposes": "sales_follow_up", "relationship": "prospect",
                "language": "nl", "given_name": "Jorien", "email": "jorien.dekker@example.com",
                "custom.size": "39",
            },
        )  # fmt: skip
    finally:
        event.remove(kluis.engine, "begin", began)
        event.remove(kluis.engine, "before_cursor_execute", executing)
    assert made.status_code == 303, made.text
    person = made.headers["location"].rsplit("/", 1)[1]
    assert {table for _, table in written} == {"people", "custom_values"}
    assert len({at for at, _ in written}) == 1
    assert custom_fields.read_values(kluis, ADMIN, person, "sales_follow_up", NOW) == {"size": "39"}
    actions = [e.action for e in audit.list_entries(kluis.engine, person_id=person)]
    assert "person.created" in actions
    assert "person.updated" in actions


def test_a_refused_value_leaves_no_person_and_no_audit_entry(kluis: Kluis) -> None:
    custom_fields.declare(kluis, ADMIN, SIZE, NOW)
    purpose_key = "customer_service"  # does not cover the shoe size's category
    purpose = next(p for p in list_purposes(kluis.engine) if p.key == purpose_key)
    before = _count(kluis)
    entries = len(audit.list_entries(kluis.engine, limit=10_000))

    def values(conn: Connection, person_id: str) -> None:
        custom_fields.store_values(kluis, conn, SALES, person_id, purpose, {"size": "40"}, NOW)

    item = people.NewPerson("prospect", [purpose_key], {"given_name": "Kees"})
    with pytest.raises(PurposeRefused):
        collect.create_person(kluis, ADMIN, item, NOW, also=values)
    assert _count(kluis) == before
    assert len(audit.list_entries(kluis.engine, limit=10_000)) == entries
    assert audit.verify(kluis.engine).ok
