"""What the retention rules decide from, read page by page without decrypting anything: the
purposes catalogue with its periods, and for each person their purposes, which fields hold a
value, their consents' spans and any legal hold (``rules.PersonFacts``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.purposes import service as purposes_service
from kluis.purposes.rules import Duration, Purpose, parse_duration
from kluis.retention import repository, rules
from kluis.runtime import Kluis


def _catalogue(k: Kluis) -> dict[str, tuple[Purpose, Duration]]:
    return {
        p.key: (p, parse_duration(p.retention)) for p in purposes_service.list_purposes(k.engine)
    }


def _spans(rows: list[Any]) -> list[rules.ConsentSpan]:
    return [rules.ConsentSpan(row.status, row.since, row.reconfirm_by) for row in rows]


def of(k: Kluis, ids: list[str], now: datetime) -> Iterator[tuple[rules.PersonFacts, list[Any]]]:
    """The facts of each of ``ids`` still on file, with their kept consent rows."""
    catalogue = _catalogue(k)
    with k.engine.connect() as conn:
        rows = repository.people_rows(conn, ids)
        held = repository.purposes(conn, ids)
        perms = repository.permissions(conn, ids)
        holds = repository.holds(conn, ids, now)
    for person_id in ids:
        row = rows.get(person_id)
        if row is None:
            continue
        purposes = [
            rules.HeldPurpose(catalogue[key][0], catalogue[key][1], at)
            for key, at in held.get(person_id, [])
            if key in catalogue
        ]
        hold = holds.get(person_id)
        yield (
            rules.PersonFacts(
                person_id=person_id,
                held=purposes,
                present_fields=frozenset(f.name for f in PERSONAL_FIELDS if getattr(row, f.name)),
                last_interaction_at=row.last_interaction_at,
                contract_ended_at=row.contract_ended_at,
                consents=_spans(perms.get(person_id, [])),
                hold_until=None if hold is None else hold.date(),
            ),
            perms.get(person_id, []),
        )


def pages(k: Kluis, size: int) -> Iterator[list[str]]:
    """Everyone's ids in pages of ``size``, each page read in its own short transaction."""
    after = ""
    while True:
        with k.engine.connect() as conn:
            ids = repository.page_ids(conn, after, size)
        if not ids:
            return
        yield ids
        after = ids[-1]
