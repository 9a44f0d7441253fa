"""A broken audit chain said in the reader's language (issue 15): the audit page shows where
and how the chain broke in Dutch, with the entry's number, where the API and the CLI keep the
English ``reason``. Each kind of break, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, update

from audit.test_chain import tamper, write_events
from kluis.audit import rules
from kluis.audit import service as audit
from kluis.audit.tables import AuditHead, AuditRow
from kluis.runtime import Kluis
from kluis.ui import staff
from staff_helpers import signed_in
from test_dutch import Seen

BREAKS: dict[str, tuple[Callable[[list[Any]], Any], str]] = {
    "changed": (
        lambda e: update(AuditRow).where(AuditRow.seq == e[-2].seq).values(actor="user:99"),
        "is gewijzigd nadat hij was geschreven",
    ),
    "relinked": (
        lambda e: update(AuditRow).where(AuditRow.seq == e[3].seq).values(prev_hash=rules.GENESIS),
        "sluit niet aan op de regel ervoor",
    ),
    "missing": (
        lambda e: delete(AuditRow).where(AuditRow.seq == e[len(e) // 2].seq),
        "ontbreekt (gevonden:",
    ),
    "removed at the end": (
        lambda e: delete(AuditRow).where(AuditRow.seq == e[-1].seq),
        "er zijn regels van het einde verwijderd",
    ),
    "head altered": (
        lambda e: update(AuditHead).where(AuditHead.id == 1).values(hash="e" * 64),
        "de kopregel of de laatste regel is gewijzigd",
    ),
}


@pytest.mark.parametrize("kind", list(BREAKS))
def test_every_break_has_a_dutch_sentence_with_its_entry(kluis: Kluis, kind: str) -> None:
    statement, dutch = BREAKS[kind]
    tamper(kluis, statement(write_events(kluis)))
    result = audit.verify(kluis.engine)
    assert not result.ok
    assert result.said is not None
    said = staff.translations("nl").gettext(result.said) % result.said_values
    assert dutch in said
    assert str(result.said_values["seq"]) in said
    assert result.reason is not None
    assert dutch not in result.reason


def test_the_audit_page_says_the_break_in_dutch(kluis: Kluis) -> None:
    entries = write_events(kluis)
    tamper(kluis, BREAKS["changed"][0](entries))
    client, csrf = signed_in(kluis, "admin")
    seen = Seen(kluis)
    answer = client.post(
        "/app/compliance/audit/verify",
        data={"csrf": csrf},
        headers={"Accept-Language": "nl"},
    )
    page = seen.page("audit, broken chain", answer)
    assert f"Regel {entries[-2].seq} is gewijzigd nadat hij was geschreven." in page
    assert 'lang="en"' not in page.split('id="verification"')[1].split("</div>")[0]
    seen.check()
