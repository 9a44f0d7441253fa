"""Helpers for import tests: writing files, reading everyone back (under ``privacy_requests``,
the purpose that covers everyone, so all fields are compared)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from conftest import ADMIN, NOW
from kluis.runtime import Kluis
from kluis.transfer import export


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def everyone(kluis: Kluis, tmp: Path) -> list[dict[str, Any]]:
    """Every person's full record without id and times, sorted: what two imports must agree on."""
    out = tmp / "everyone.json"
    export.export_people(kluis, ADMIN, out, "privacy_requests", export.ExportFormat.JSON, NOW)
    people = json.loads(out.read_text(encoding="utf-8"))
    for person in people:
        person.pop("id")
    return sorted(people, key=lambda p: json.dumps(p, sort_keys=True))
