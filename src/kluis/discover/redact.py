"""Copies of old files without the person (Art. 17(1)): the records that name them removed,
everything else kept, the original untouched, so the old export can be replaced by the copy.

A CSV or text file keeps its bytes, encoding and line endings except the records removed (a
record is a line, or several while a quoted field is open, RFC 4180); a spreadsheet keeps every
sheet and row but only the cells' values (formatting and formulas are not copied); an address
book loses whole cards, an mbox whole messages. Files inside archives are not rewritten.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kluis.discover import readers
from kluis.discover.rules import Matcher
from kluis.discover.scan import detect_encoding, kind_of

REDACTABLE = ("text", "xlsx", "vcard", "mbox")


@dataclass(frozen=True)
class Redacted:
    """The copy written and how many records it left out."""

    source: str
    copy: str
    removed: int


def copy_path(path: Path, out_dir: Path | None = None) -> Path:
    """``name.redacted.ext`` beside the original (or in ``out_dir``), never an existing file."""
    folder = out_dir if out_dir is not None else path.parent
    candidate = folder / f"{path.stem}.redacted{path.suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{path.stem}.redacted-{n}{path.suffix}"
        n += 1
    return candidate


def records(lines: Iterator[str]) -> Iterator[str]:
    """Lines joined while a double-quoted field is open (RFC 4180 2.6)."""
    pending = ""
    for line in lines:
        pending += line
        if pending.count('"') % 2 == 0:
            yield pending
            pending = ""
    if pending:
        yield pending


def _text(source: Path, target: Path, m: Matcher) -> int:
    with source.open("rb") as raw:
        encoding = detect_encoding(raw.read(65536))
    removed = 0
    options = {"encoding": encoding, "errors": "surrogateescape", "newline": ""}
    with source.open(**options) as reader, target.open("w", **options) as writer:  # type: ignore[call-overload]
        for record in records(iter(reader)):
            data = record.encode("utf-8", "surrogateescape")
            if m.candidate(data) and m.judge([record]):
                removed += 1
                continue
            writer.write(record)
    return removed


def _xlsx(source: Path, target: Path, m: Matcher) -> int:
    removed = 0
    # lazy: openpyxl takes ~0.2 s to import and only a spreadsheet needs it (commands start fast)
    import openpyxl

    copy = openpyxl.Workbook(write_only=True)
    sheet = None
    current = None
    with source.open("rb") as stream:
        for title, _, cells in readers.xlsx_rows(stream):
            if title != current:
                sheet, current = copy.create_sheet(title), title
            if readers.judge_row(m, cells):
                removed += 1
                continue
            assert sheet is not None
            sheet.append([cell if cell != "" else None for cell in cells])
    copy.save(target)
    return removed


def _vcard(source: Path, target: Path, m: Matcher) -> int:
    removed = 0
    with source.open("rb") as stream, target.open("wb") as out:
        for _, lines in readers.vcards(stream):
            fields = readers.card_fields(lines)
            if m.candidate("\n".join(fields).encode("utf-8")) and m.judge(fields):
                removed += 1
                continue
            out.writelines(lines)
    return removed


def _mbox(source: Path, target: Path, m: Matcher) -> int:
    removed = 0
    with source.open("rb") as stream, target.open("wb") as out:
        for raw in readers.mbox_messages(stream):
            body = raw.split(b"\n", 1)[1] if raw.startswith(b"From ") else raw
            fields = readers.mail_fields(readers.parse_message(body))
            if m.candidate("\n".join(fields).encode("utf-8")) and m.judge(fields):
                removed += 1
                continue
            out.write(raw)
    return removed


_WRITERS = {"text": _text, "xlsx": _xlsx, "vcard": _vcard, "mbox": _mbox}


def redactable(path: Path) -> str | None:
    """The kind of ``path`` when a copy without the person can be written, else None."""
    with path.open("rb") as stream:
        kind = kind_of(str(path), stream.read(io.DEFAULT_BUFFER_SIZE))
    return kind if kind in REDACTABLE else None


def redact(path: Path, m: Matcher, out_dir: Path | None = None) -> Redacted | None:
    """Write the copy of ``path`` without the person's records; None when its kind cannot be
    rewritten (PDF, a single message, an archive)."""
    kind = redactable(path)
    if kind is None:
        return None
    target = copy_path(path, out_dir)
    removed = _WRITERS[kind](path, target, m)
    return Redacted(str(path), str(target), removed)
