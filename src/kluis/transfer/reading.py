"""Reading import files as a stream of records: CSV (UTF-8 with or without BOM, ``;`` or ``,``)
and vCard (RFC 6350 and the older 3.0 and 2.1 that address books still write).

``scan`` reads the file once, as bytes, to hash it (the import job is found again by that digest)
and to refuse a file that is not UTF-8 before anything is written. ``records`` then streams it:
memory stays flat whatever the size.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeAlias

from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.transfer.rules.columns import ImportRefused
from kluis.transfer.rules.notes import (
    NO_PERSONAL_FIELD,
    OUTSIDE_CARD,
    UNREADABLE_CARD,
    UNTERMINATED_CARD,
    Reject,
)
from kluis.transfer.rules.records import csv_records, sniff_delimiter

_CHUNK = 1 << 20


class Format(StrEnum):
    """The formats an import reads."""

    CSV = "csv"
    VCARD = "vcf"


@dataclass(frozen=True)
class FileInfo:
    sha256: str
    format: Format
    lines: int
    """Physical lines (CSV) or cards (vCard): the estimate the progress bar counts towards."""


def scan(path: Path) -> FileInfo:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    cards = 0
    head = b""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ImportRefused(f"cannot read {path}: {exc.strerror}", field="file") from None
    with handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            if len(head) < 4096:
                head += chunk[: 4096 - len(head)]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                raise ImportRefused(
                    f"{path.name} is not UTF-8 text (near line {lines + 1}); in Excel save it as "
                    "'CSV UTF-8 (comma delimited)', or export the vCards as UTF-8",
                    field="file",
                ) from None
            lines += chunk.count(b"\n")
            cards += chunk.upper().count(b"BEGIN:VCARD")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportRefused(
                f"{path.name} ends in the middle of a character", field="file"
            ) from None
    first = head.decode("utf-8", errors="ignore").lstrip("\ufeff").lstrip()
    is_vcard = path.suffix.lower() in (".vcf", ".vcard") or first.upper().startswith("BEGIN:VCARD")
    if is_vcard:
        return FileInfo(digest.hexdigest(), Format.VCARD, cards)
    if not first:
        raise ImportRefused(f"{path.name} is empty", field="file")
    return FileInfo(digest.hexdigest(), Format.CSV, max(lines - 1, 1))


BAD_CARD = "\x00unreadable"
"""The first cell of a card vobject cannot parse: the record is rejected as such."""

VCARD_HEADERS: tuple[str, ...] = tuple(f.name for f in PERSONAL_FIELDS)
"""The columns a vCard is read into: the personal fields, by name."""

Record: TypeAlias = tuple[int, list[str]] | Reject
"""A record as read: its first line and its cells, or why it cannot be read."""


def records(path: Path, info: FileInfo) -> tuple[list[str], Iterator[Record]]:
    """The header and the records of a file; the file is opened only while the records are
    read."""
    if info.format is Format.VCARD:
        return list(VCARD_HEADERS), _vcards(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        delimiter = sniff_delimiter(handle.readline())
        handle.seek(0)
        if handle.read(1) != "\ufeff":
            handle.seek(0)
        first = next(csv_records(handle, delimiter), None)
    if first is None:
        raise ImportRefused(f"{path.name} has no header line", field="file")
    if isinstance(first, Reject):
        raise ImportRefused(f"the header line cannot be read: {first.reason}", field="file")
    return first[1], _csv_rows(path, delimiter)


def _csv_rows(path: Path, delimiter: str) -> Iterator[Record]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        stream = csv_records(handle, delimiter)
        next(stream, None)
        yield from stream


def _vcards(path: Path) -> Iterator[Record]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from vcard_records(handle)


def vcard_records(lines: Iterable[str]) -> Iterator[Record]:
    """Each card as cells in ``VCARD_HEADERS`` order, numbered by its ``BEGIN:VCARD`` line, so
    that every record is accounted for (RFC 6350 section 3.3: a card runs from ``BEGIN:VCARD``
    to ``END:VCARD``). Each ``BEGIN:VCARD`` line starts a record: a card the next
    ``BEGIN:VCARD`` or the end of the file interrupts is rejected (its ``END:VCARD`` is missing;
    a card inside a card, as vCard 2.1's ``AGENT`` writes, ends the outer one, and the inner one
    is read as a card of its own). Lines outside any card, up to a blank line or the next card,
    are one record, rejected: they may be a card whose ``BEGIN:VCARD`` was lost."""
    card: list[str] = []
    start = 0
    stray = 0
    """The first of the lines outside a card read since the last card or blank line."""
    number = 0
    for number, line in enumerate(lines, start=1):
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            if stray:
                yield _outside(stray, number - 1)
                stray = 0
            if card:
                yield Reject(
                    start,
                    "",
                    f"the card has no END:VCARD before the next BEGIN:VCARD on line {number}",
                    UNTERMINATED_CARD,
                )
            card, start = [line], number
        elif card:
            card.append(line)
            if upper == "END:VCARD":
                cells = card_cells("".join(card))
                if cells[0] == BAD_CARD:
                    yield Reject(start, "", "not a vCard that can be read", UNREADABLE_CARD)
                elif not any(c.strip() for c in cells):  # a card is a record, never a blank
                    yield Reject(start, "", "no personal field has a value", NO_PERSONAL_FIELD)
                else:
                    yield start, cells
                card = []
        elif upper:
            stray = stray or number
        elif stray:
            yield _outside(stray, number - 1)
            stray = 0
    if card:
        yield Reject(
            start,
            "",
            f"the card has no END:VCARD: the file ends first (line {number})",
            UNTERMINATED_CARD,
        )
    if stray:
        yield _outside(stray, number)


def _outside(first: int, last: int) -> Reject:
    where = f"line {first} is" if first == last else f"lines {first} to {last} are"
    return Reject(
        first,
        "",
        f"{where} outside any BEGIN:VCARD ... END:VCARD; not read (a card missing its "
        "BEGIN:VCARD?)",
        OUTSIDE_CARD,
    )


def card_cells(text: str) -> list[str]:
    """The personal fields of one vCard; properties no field holds (photos, URLs, X-…) are not
    read at all. A card vobject cannot parse gives a row that fails validation."""
    # lazy: vobject (~0.03 s) is needed only when a vCard is read or written
    import vobject

    try:
        card = vobject.readOne(text)
    except Exception:  # vobject raises many kinds; a bad card is a bad row
        return [BAD_CARD] + [""] * (len(VCARD_HEADERS) - 1)
    contents = card.contents
    values: dict[str, str] = {}

    def first(name: str) -> str:
        items = contents.get(name)
        if not items:
            return ""
        value = items[0].value
        return value if isinstance(value, str) else str(value)

    if "n" in contents:
        name = contents["n"][0].value
        values["given_name"] = " ".join(p for p in [name.given, name.additional] if p).strip()
        values["family_name"] = str(name.family or "").strip()
    if not values.get("given_name") and not values.get("family_name"):
        shown = first("fn")
        # a card of a person without a name carries the person id as FN (``contacts.vcard``:
        # RFC 6350 requires an FN); that is no name to import
        if shown and first("uid").removeprefix("urn:uuid:") != shown:
            values["given_name"] = shown
    values["email"] = first("email")
    phone = first("tel")
    # vCard 4.0 writes TEL as a tel: URI (RFC 6350 6.4.1, RFC 3966); 3.0 and 2.1 as text
    values["phone"] = phone[4:] if phone[:4].lower() == "tel:" else phone
    values["birth_date"] = first("bday")
    if "adr" in contents:
        adr = contents["adr"][0].value
        parts = [adr.street, f"{adr.code} {adr.city}".strip(), adr.region, adr.country]
        values["address"] = "\n".join(
            " ".join(p) if isinstance(p, list) else str(p) for p in parts if p
        )
    values["job_title"] = first("title")
    if "categories" in contents:
        cats = contents["categories"][0].value
        values["interests"] = ",".join(cats) if isinstance(cats, list) else str(cats)
    values["notes"] = first("note")
    return [values.get(name, "") for name in VCARD_HEADERS]
