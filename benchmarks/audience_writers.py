"""What the kept audience counts cost the writers (issue 17), on SQLite: the same writes with the
counting triggers dropped (baseline) and in place (Kluis), alternately (A B A B).

Two writes: a bulk insert of a batch of new people as ``benchmarks/audience.py`` builds them
(people, purposes, flags, their ``audience_people`` rows and their ``permissions`` rows, the
path of the import and of bulk creation), and an update of the facts copied on every
``permissions`` and ``audience_people`` row of a sample of people (the path of
``audience_index.people_changed``: a relationship, flag or purpose change). Each pair writes
fresh people, so both sides meet tables of the same size. The counts are recounted at the end
and must then equal a recount (the triggers' own correctness is the tests').

    python benchmarks/audience_writers.py [--people 20000] [--changed 2000] [--pairs 5]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import text

from audience import (
    AUDIENCE_PEOPLE,
    FLAGS,
    NOW,
    PERMISSIONS,
    PURPOSES,
    Batch,
    Population,
    load,
)
from audience import PEOPLE as PEOPLE_COLUMNS
from harness import Timing, alternate, stopwatch
from kluis.consent import audience_counts
from kluis.consent.catalogue import load_default_topics
from kluis.db import insert_rows
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault.keys import new_master_key_text


def insert(kluis: Kluis, batch: Batch) -> None:
    with kluis.engine.begin() as conn:
        insert_rows(conn, "people", PEOPLE_COLUMNS, batch.people)
        insert_rows(conn, "permissions", PERMISSIONS, batch.permissions)
        insert_rows(conn, "person_flags", FLAGS, batch.flags)
        insert_rows(conn, "person_purposes", PURPOSES, batch.purposes)
        insert_rows(conn, "audience_people", AUDIENCE_PEOPLE, batch.audience)


FLIP = "facts = CASE WHEN facts >= 32 THEN facts - 32 ELSE facts + 32 END"


def change(kluis: Kluis, ids: list[str]) -> None:
    """Flip the customer bit of these people on every copy of their facts."""
    params = [{"id": person_id} for person_id in ids]
    with kluis.engine.begin() as conn:
        for table in ("audience_people", "permissions"):
            conn.execute(text(f"UPDATE {table} SET {FLIP} WHERE person_id = :id"), params)


def writes(
    kluis: Kluis, population: Population, size: int, changed: int, triggers: bool
) -> tuple[Callable[[int], Timing], Callable[[int], Timing]]:
    """The two timed writes, with the triggers dropped or in place first (not timed)."""

    def ready() -> None:
        with kluis.engine.begin() as conn:
            audience_counts.drop_triggers(conn)
            if triggers:
                audience_counts.create_triggers(conn)

    def timed_insert(_: int) -> Timing:
        batch = population.batch(size)
        ready()
        with stopwatch() as watch:
            insert(kluis, batch)
        return watch.timing

    def timed_change(_: int) -> Timing:
        ids = population_ids(kluis, population, size, changed)
        ready()
        with stopwatch() as watch:
            change(kluis, ids)
        return watch.timing

    return timed_insert, timed_change


def population_ids(kluis: Kluis, population: Population, size: int, changed: int) -> list[str]:
    """Fresh people to change (written untimed), so each change meets the same kind of rows."""
    batch = population.batch(size)
    insert(kluis, batch)
    return [row[0] for row in batch.people[:changed]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000, help="people per inserted batch")
    parser.add_argument("--changed", type=int, default=2_000, help="people per facts change")
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "kluis", master_key=SecretStr(new_master_key_text())
        )
        kluis = open_kluis(settings, create=True)
        load_default_catalogue(kluis.engine, NOW)
        load_default_topics(kluis, NOW)
        population = Population()
        without = writes(kluis, population, args.people, args.changed, triggers=False)
        kept = writes(kluis, population, args.people, args.changed, triggers=True)
        print(f"audience writers: batches of {args.people} people; load {load()}")
        inserted = alternate(args.pairs, without[0], kept[0])
        changed = alternate(args.pairs, without[1], kept[1])
        with kluis.engine.begin() as conn:
            audience_counts.drop_triggers(conn)
            audience_counts.create_triggers(conn)
            audience_counts.recount(conn)
            assert audience_counts.kept(conn) == audience_counts.recounted(conn)
        kluis.close()
    print(f"  load after the timed runs {load()}")
    for name, pairs in (
        (f"insert {args.people} people with their permissions", inserted),
        (f"change the facts of {args.changed} people", changed),
    ):
        print(
            f"  {name}: without triggers {pairs.median('baseline') * 1000:.1f} ms, with"
            f" {pairs.median('kluis') * 1000:.1f} ms; {pairs.summary()}"
        )


if __name__ == "__main__":
    main()
