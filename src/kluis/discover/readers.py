"""The readers of structured old files: spreadsheets (every sheet, streamed by openpyxl's
read-only mode), PDF text (pypdf, page by page), mail (mbox, RFC 4155; single messages, RFC
5322) and address books (vCard, RFC 6350). Each yields hits with the place a person would look:
sheet and cell, page, message id, card.

pypdf reads PDF text with no dependency of its own (pure Python), where pdfminer.six brings two
more packages; the scan needs the text of each page, nothing of the layout.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from email.message import Message
from typing import IO

from kluis.discover.rules import Hit, Matcher

Reader = Callable[[str, IO[bytes], Matcher], Iterator[Hit]]


def _cell_text(value: object) -> str:
    return "" if value is None else str(value)


def xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[str, int, list[str]]]:
    """(sheet, row number, cell texts) of every row of every sheet, streamed."""
    # lazy: openpyxl takes ~0.2 s to import and only a spreadsheet needs it (commands start fast)
    import openpyxl

    book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield sheet.title, number, [_cell_text(v) for v in row]
    finally:
        book.close()


def judge_row(m: Matcher, cells: list[str]) -> list[tuple[str, int]]:
    """The kinds found in a row of cells (with the cell), after the byte prefilter."""
    if not any(cells) or not m.candidate(";".join(cells).encode("utf-8")):
        return []
    return m.judge(cells)


def scan_xlsx(name: str, stream: IO[bytes], m: Matcher) -> Iterator[Hit]:
    # lazy: as in xlsx_rows
    from openpyxl.utils import get_column_letter

    for sheet, number, cells in xlsx_rows(stream):
        for kind, column in judge_row(m, cells):
            yield Hit(name, f"sheet {sheet}, cell {get_column_letter(column + 1)}{number}", kind)


def scan_pdf(name: str, stream: IO[bytes], m: Matcher) -> Iterator[Hit]:
    # lazy: pypdf takes ~0.1 s to import and only a PDF needs it (commands start fast)
    import pypdf

    reader = pypdf.PdfReader(stream)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text() or ""
        if m.candidate(text.encode("utf-8")):
            for kind, _ in m.judge([text]):
                yield Hit(name, f"page {number}", kind)


def mail_fields(message: Message) -> list[str]:
    """What of a message can name a person: its headers and its text parts."""
    fields = [f"{key}: {value}" for key, value in message.items()]
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            charset = part.get_content_charset() or "utf-8"
            try:
                fields.append(payload.decode(charset, "replace"))
            except LookupError:
                fields.append(payload.decode("utf-8", "replace"))
    return fields


def message_place(message: Message, number: int) -> str:
    message_id = message.get("Message-ID")
    return f"message {str(message_id).strip()}" if message_id else f"message {number}"


def parse_message(raw: bytes) -> Message:
    """A message with its headers decoded (RFC 2047 encoded words), so names in them match."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def mbox_messages(stream: IO[bytes]) -> Iterator[bytes]:
    """The raw messages of an mbox file (RFC 4155: each begins with a ``From `` line after an
    empty line or at the start), one at a time, the ``From `` line included."""
    current: list[bytes] = []
    previous_blank = True
    for line in stream:
        if line.startswith(b"From ") and previous_blank and current:
            yield b"".join(current)
            current = []
        current.append(line)
        previous_blank = line in (b"\n", b"\r\n")
    if current:
        yield b"".join(current)


def _judge_message(name: str, raw: bytes, number: int, m: Matcher) -> Iterator[Hit]:
    message = parse_message(raw.split(b"\n", 1)[1] if raw.startswith(b"From ") else raw)
    fields = mail_fields(message)
    if m.candidate("\n".join(fields).encode("utf-8")):
        place = message_place(message, number)
        for kind, _ in m.judge(fields):
            yield Hit(name, place, kind)


def scan_mbox(name: str, stream: IO[bytes], m: Matcher) -> Iterator[Hit]:
    for number, raw in enumerate(mbox_messages(stream), start=1):
        yield from _judge_message(name, raw, number, m)


def scan_eml(name: str, stream: IO[bytes], m: Matcher) -> Iterator[Hit]:
    yield from _judge_message(name, stream.read(), 1, m)


def vcards(stream: IO[bytes]) -> Iterator[tuple[int, list[bytes]]]:
    """(first line number, raw lines) of each card, streamed."""
    current: list[bytes] = []
    start = 1
    for number, line in enumerate(stream, start=1):
        if line.strip().upper() == b"BEGIN:VCARD":
            current, start = [], number
        current.append(line)
        if line.strip().upper() == b"END:VCARD":
            yield start, current
            current = []
    if current:
        yield start, current


def card_fields(lines: list[bytes]) -> list[str]:
    """The values of a card's properties (folded lines joined, RFC 6350 3.2); the structured
    name ``N`` (family;given;...) also as "given family"."""
    text = b"".join(lines).decode("utf-8", "replace").replace("\r\n", "\n")
    unfolded = text.replace("\n ", "").replace("\n\t", "")
    fields = []
    for line in unfolded.split("\n"):
        key, sep, value = line.partition(":")
        if not sep:
            continue
        fields.append(value)
        if key.split(";")[0].upper() == "N":
            parts = value.split(";")
            if len(parts) >= 2:
                fields.append(f"{parts[1]} {parts[0]}".replace("\\,", ","))
    return fields


def scan_vcard(name: str, stream: IO[bytes], m: Matcher) -> Iterator[Hit]:
    for number, (line, lines) in enumerate(vcards(stream), start=1):
        fields = card_fields(lines)
        if m.candidate("\n".join(fields).encode("utf-8")):
            for kind, _ in m.judge(fields):
                yield Hit(name, f"card {number} (line {line})", kind)


READERS: dict[str, Reader] = {
    "xlsx": scan_xlsx,
    "pdf": scan_pdf,
    "mbox": scan_mbox,
    "eml": scan_eml,
    "vcard": scan_vcard,
}
