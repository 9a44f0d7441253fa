"""Searching old files for the person of a privacy request, and what is kept of each search.

The search is part of answering an access request (Art. 15(1): all the data, wherever it
lies) or an erasure (Art. 17(1): erased from every system and file). What it looks for comes
from the person's record, read under ``KLUIS_PRIVACY_PURPOSE`` (audited as a read with ``via``
``discover``), or, once the erasure has destroyed their key, from the identifiers captured at the
erasure (``kluis.discover.capture``); either way it stays in memory for the search only. Each
search is recorded on the request (files, places, kinds of identifier; no values) and audited
as ``discover.scanned``. Requests are the privacy-requests slice's, one floor up: it hands a
``Target`` in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.discover_events import DiscoverScanned
from kluis.discover import capture, redact, repository, rules, scan
from kluis.errors import InvalidField, PermissionDenied
from kluis.runtime import Kluis

SEARCHED_TYPES = ("access", "erasure")
"""The requests a search of old files belongs to."""

PLACES_KEPT = 200
"""Places kept per file in the report; a file naming the person more often says how many."""


@dataclass(frozen=True)
class Target:
    """The request whose person is looked for (from the privacy-requests slice)."""

    request_id: int
    person_id: str
    type: str


@dataclass
class FileReport:
    """One file searched: where the person was found in it, and by what kind of identifier."""

    name: str
    kind: str
    hits: list[dict[str, str]] = field(default_factory=list)
    """``place`` and ``kind`` of each hit (at most ``PLACES_KEPT``)."""
    hit_count: int = 0
    error: str | None = None
    copy: str | None = None
    """The redacted copy written, if any."""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "hits": self.hits,
            "hit_count": self.hit_count,
            "error": self.error,
            "copy": self.copy,
        }


@dataclass
class ScanReport:
    """One search: when, by whom, from where, and each file."""

    id: int
    request_id: int
    at: datetime
    actor: str
    source: str
    files: list[FileReport]

    @property
    def found(self) -> list[FileReport]:
        return [f for f in self.files if f.hit_count]

    @property
    def hit_count(self) -> int:
        return sum(f.hit_count for f in self.files)


def _check(actor: Actor, target: Target) -> None:
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may search old files")
    if target.type not in SEARCHED_TYPES:
        raise InvalidField(
            f"request {target.request_id} is a {target.type} request; old files are searched "
            "for access and erasure requests (Art. 15, 17)",
            field="request",
        )


def identifiers(
    k: Kluis, actor: Actor, target: Target, now: datetime
) -> tuple[rules.Identifiers, str]:
    """What to look for and where it came from: the person's record while it is there
    (``person``), the capture once the erasure took it (``capture``), or both after an erasure
    that kept some fields for a legal obligation; refused when neither is left."""
    live = capture.read_identifiers(k, actor, target.person_id, now)
    kept = capture.captured(k, target.request_id, now)
    sources = [name for name, found in (("person", live), ("capture", kept)) if found]
    if not sources:
        raise InvalidField(
            f"there is nothing left to search for the person of request {target.request_id}: "
            "they were erased and their identifiers were not captured, or the capture has ended",
            field="request",
        )
    both = [found for found in (live, kept) if found]
    merged = rules.Identifiers(
        tuple(dict.fromkeys(e for f in both for e in f.emails)),
        tuple(dict.fromkeys(p for f in both for p in f.phones)),
        tuple(dict.fromkeys(n for f in both for n in f.names)),
    )
    return merged, "+".join(sources)


def _file_report(searched: scan.Searched) -> FileReport:
    return FileReport(
        searched.name,
        searched.kind,
        [{"place": h.place, "kind": h.kind} for h in searched.hits[:PLACES_KEPT]],
        len(searched.hits),
        searched.error,
    )


def _record(
    k: Kluis,
    actor: Actor,
    target: Target,
    source: str,
    came_from: str,
    paths: Iterable[str],
    files: list[FileReport],
    now: datetime,
) -> ScanReport:
    with k.engine.begin() as conn:
        scan_id = repository.insert_scan(
            conn, target.request_id, now, actor.ref, source, [f.as_json() for f in files]
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [
                DiscoverScanned(
                    target.person_id,
                    target.request_id,
                    source,
                    came_from,
                    tuple(paths),
                    len(files),
                    sum(1 for f in files if f.hit_count),
                    sum(f.hit_count for f in files),
                    sum(1 for f in files if f.copy),
                )
            ],
        )
    return ScanReport(scan_id, target.request_id, now, actor.ref, source, files)


def scan_paths(
    k: Kluis,
    actor: Actor,
    target: Target,
    paths: list[Path],
    now: datetime,
    *,
    redact_to: Path | None = None,
    redacting: bool = False,
) -> ScanReport:
    """Search files and folders (recursively, archives included) for the request's person;
    with ``redacting``, write a copy of each CSV, XLSX, vCard and mbox that names them without
    their records (beside the original, or in ``redact_to``)."""
    _check(actor, target)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InvalidField(f"no such file or folder: {', '.join(missing)}", field="paths")
    found, came_from = identifiers(k, actor, target, now)
    m = rules.matcher(found)
    files = []
    for searched in scan.scan_paths(paths, m):
        report = _file_report(searched)
        if redacting and report.hit_count and "!" not in report.name:
            made = redact.redact(Path(report.name), m, redact_to)
            report.copy = made.copy if made is not None else None
        files.append(report)
    return _record(k, actor, target, "command", came_from, map(str, paths), files, now)


def scan_upload(
    k: Kluis, actor: Actor, target: Target, filename: str, stream: IO[bytes], now: datetime
) -> ScanReport:
    """Search one uploaded file (an archive's members too); the caller removes the upload."""
    _check(actor, target)
    name = Path(filename.replace("\\", "/")).name[:200] or "upload"
    found, came_from = identifiers(k, actor, target, now)
    files = [_file_report(s) for s in scan.scan_stream(name, stream, rules.matcher(found))]
    return _record(k, actor, target, "upload", came_from, [name], files, now)


def reports(k: Kluis, actor: Actor, request_id: int) -> list[ScanReport]:
    """The request's searches, oldest first (no personal value: names and places only)."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may see searches")
    with k.engine.connect() as conn:
        rows = repository.scans_of(conn, request_id)
    return [
        ScanReport(
            row.id,
            row.request_id,
            row.at,
            row.actor,
            row.source,
            [FileReport(**item) for item in row.files],
        )
        for row in rows
    ]


def certificate_part(k: Kluis, actor: Actor, request_id: int) -> dict[str, list[str]]:
    """What the erasure certificate says of old files: the files searched and those in which
    the person was found (names only), over all of the request's searches so far."""
    searched: dict[str, None] = {}
    found: dict[str, None] = {}
    for report in reports(k, actor, request_id):
        for item in report.files:
            searched[item.name] = None
            if item.hit_count:
                found[item.name] = None
    return {"files_searched": list(searched), "files_found": list(found)}
