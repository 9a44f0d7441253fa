"""What the retention rules decide from, read page by page without decrypting anything: the
purposes catalogue with its periods, and for each person their purposes, which fields hold a
value, their consents' spans and any legal hold (``rules.PersonFacts``).

The sweep reads the facts only of the people SQL names as candidates (``due``): a purpose past
the last anchor day that has ended its period (``rules.last_ended_anchor``), no purpose of the
catalogue, a field none of their purposes may use, or a lapsed consent. The filter may name
more people than the rules act on, never fewer; the rules still decide (Art. 5(1)(e)).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from itertools import compress
from typing import Any

from sqlalchemy import Connection

from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.purposes import service as purposes_service
from kluis.purposes.rules import Duration, Purpose, parse_duration
from kluis.retention import repository, rules
from kluis.runtime import Kluis

_FIELD_NAMES = tuple(f.name for f in PERSONAL_FIELDS)
_FIELDS_AT = slice(repository.PERSON_FIELDS_AT, repository.PERSON_FIELDS_AT + len(_FIELD_NAMES))
"""Where a ``repository.people_rows`` row says, field by field, whether a value is present."""


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
        rows = {i: rows[i] for i in ids if i in rows}
        held = repository.purposes(conn, list(rows))
        holds = repository.holds(conn, list(rows), now)
        found = _facts(conn, catalogue, rows, held, holds, now)
    yield from found


def _facts(
    conn: Connection,
    catalogue: dict[str, tuple[Purpose, Duration]],
    rows: dict[str, Any],
    held: dict[str, list[tuple[str, datetime]]],
    holds: dict[str, datetime],
    now: datetime,
    consenting: list[str] | None = None,
) -> list[tuple[rules.PersonFacts, list[Any]]]:
    """``consenting``: those of ``rows`` known to have kept consent state (the sweep's
    candidate query says so); None to look for everyone's."""
    ids = list(rows)
    if not ids:
        return []
    wanted = ids if consenting is None else consenting
    perms = repository.permissions(conn, wanted) if wanted else {}
    found = []
    for person_id, row in rows.items():
        keys = held.get(person_id, [])
        if any(key not in catalogue for key, _ in keys):
            # a purpose created after the catalogue was read: without its rule the person
            # would look as if nothing kept them; the next sweep (or forecast) decides
            continue
        purposes = [rules.HeldPurpose(*catalogue[key], at) for key, at in keys]
        hold = holds.get(person_id)
        found.append(
            (
                rules.PersonFacts(
                    person_id=person_id,
                    held=purposes,
                    present_fields=frozenset(compress(_FIELD_NAMES, row[_FIELDS_AT])),
                    last_interaction_at=row.last_interaction_at,
                    contract_ended_at=row.contract_ended_at,
                    consents=_spans(perms.get(person_id, [])),
                    hold_until=None if hold is None else hold.date(),
                ),
                perms.get(person_id, []),
            )
        )
    return found


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


@dataclass(frozen=True)
class Page:
    """A page of the sweep: how many people it looked at, and the facts of its candidates."""

    seen: int
    facts: list[tuple[rules.PersonFacts, list[Any]]]


def _filter(
    catalogue: dict[str, tuple[Purpose, Duration]], now: datetime
) -> tuple[list[repository.Cutoff], dict[tuple[str, ...], list[str]]]:
    today = now.date()
    cutoffs = []
    for key, (purpose, retention) in catalogue.items():
        day = rules.last_ended_anchor(retention, today)
        before = None if day is None else datetime.combine(day + timedelta(days=1), time(), UTC)
        cutoffs.append(repository.Cutoff(key, purpose.retention_anchor, before))
    fields: dict[tuple[str, ...], list[str]] = {}
    for f in PERSONAL_FIELDS:
        keys = tuple(key for key, (p, _) in catalogue.items() if p.may_use(f.category))
        if len(keys) < len(catalogue):  # a field every purpose may use needs no test
            fields.setdefault(keys, []).append(f.name)
    return cutoffs, {tuple(names): list(keys) for keys, names in fields.items()}


def due(k: Kluis, now: datetime, size: int) -> Iterator[Page]:
    """Everyone in pages of ``size``, each read in its own short transaction, with the facts of
    the page's candidates (see the module's docstring)."""
    catalogue = _catalogue(k)
    filtered = repository.candidate_queries(*_filter(catalogue, now), now)
    after = ""
    while True:
        with k.engine.connect() as conn:
            last, seen = repository.page_end(conn, after, size)
            named = repository.candidates(conn, after, last, filtered) if seen else {}
            found = _facts(
                conn,
                catalogue,
                {p: c.row for p, c in named.items()},
                {p: c.purposes for p, c in named.items()},
                {p: c.hold_until for p, c in named.items() if c.hold_until is not None},
                now,
                [p for p, c in named.items() if c.consents],
            )
        if not seen:
            return
        yield Page(seen, found)
        if last is None:
            return
        after = last
