"""Custom columns in an import: what two ``custom.KEY`` columns (a searchable number and a
choice, each sealed with the person's key, the number with a blind-index digest) cost the bulk
import, against the same file without them, in the same run.

The baseline is the import of the same people (same file, same options, same fresh database)
without the two columns; the runs alternate (without, with; without, with; ...) so both see the
same load, and the ratio is taken per pair, wall clock and CPU (the worker process counted).
The figure is the import's speed with custom columns as a share of its speed without: the work
per person grows by two sealed values and one digest, written in the same batch.

    python benchmarks/custom_import.py [--rows 20000] [--pairs 3] [--workers 1]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from harness import Result, Timing, alternate, report, stopwatch
from kluis.actors import Actor, Role
from kluis.contacts import custom_fields
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.settings import Settings
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ACTOR = Actor(ref="benchmark", role=Role.ADMIN)
GIVEN = ["Anouk", "Bram", "Daan", "Eva", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Sem"]
FAMILY = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
HEADER = ["Voornaam", "Achternaam", "E-mail", "Telefoon", "Postadres"]
CUSTOM = ["Schoenmaat", "Niveau"]
TIERS = ("gold", "silver", "bronze")
FIELDS = (
    CustomField(
        "shoe_size", "Shoe size", "Schoenmaat", CustomKind.NUMBER, "user.contact.address", True
    ),
    CustomField(
        "tier",
        "Tier",
        "Niveau",
        CustomKind.CHOICE,
        "user.contact.address",
        choices=tuple(Choice(t, t.title(), t.title()) for t in TIERS),
    ),
)
PURPOSES = ("customer_service",)
WITHOUT = ImportOptions(purposes=PURPOSES, relationship="customer")
WITH = ImportOptions(
    purposes=PURPOSES,
    relationship="customer",
    mapping=("Schoenmaat=custom.shoe_size", "Niveau=custom.tier"),
)


def record(n: int) -> list[str]:
    return [
        GIVEN[n % len(GIVEN)],
        f"{FAMILY[n % len(FAMILY)]} {n}",
        f"person{n}@example.com",
        f"+31 6 {20000000 + n}",
        f"Dorpsstraat {n % 300 + 1}, 1234 AB Ergens",
    ]


def generate(path: Path, count: int, custom: bool) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER + (CUSTOM if custom else []))
        for n in range(count):
            extra = [str(36 + n % 12), TIERS[n % 3]] if custom else []
            writer.writerow(record(n) + extra)


def run(directory: Path, source: Path, options: ImportOptions, workers: int) -> Timing:
    """A fresh Kluis with the default purposes and the two fields declared (outside the timed
    part), then the timed import."""
    s = Settings(data_dir=directory, master_key=SecretStr(new_master_key_text()))
    k = open_kluis(s, create=True)
    load_default_catalogue(k.engine, NOW)
    for declared in FIELDS:
        custom_fields.declare(k, ACTOR, declared, NOW)
    with stopwatch() as watch:
        done = pipeline.run_import(k, ACTOR, source, options, NOW, workers=workers)
    k.close()
    expected = done.counts.created * (2 if options.mapping else 0)
    assert done.counts.rejected == 0, done.rejects[:3]
    assert done.counts.custom == expected, (done.counts.custom, expected)
    return watch.timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=3, help="rounds of A B A B (at least 3)")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        plain, extended = directory / "plain.csv", directory / "custom.csv"
        generate(plain, args.rows, custom=False)
        generate(extended, args.rows, custom=True)
        compared = alternate(
            args.pairs,
            lambda i: run(directory / f"without{i}", plain, WITHOUT, args.workers),
            lambda i: run(directory / f"with{i}", extended, WITH, args.workers),
        )
    rate = args.rows / compared.median("kluis")
    print(
        f"rows {args.rows}, workers {args.workers}: without {compared.median('baseline'):.2f} s, "
        f"with two custom columns {compared.median('kluis'):.2f} s (median)"
    )
    report(
        Result(
            workload=f"import with two custom columns, {args.rows:,} rows (SQLite)",
            goal="none set; the cost of two sealed custom values a person",
            figure=f"{rate:,.0f} contacts/s",
            ratio=compared.summary(),
            met=None,
        )
    )


if __name__ == "__main__":
    main()
