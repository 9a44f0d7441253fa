"""Old files to search, made in the tests: CSV, XLSX (openpyxl), mbox, vCard, PDF (pypdf's
own objects: a page of Helvetica text, no PDF writer needed) and ZIP archives of them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

import openpyxl
from pypdf import PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

from kluis.discover.rules import Identifiers


@dataclass(frozen=True)
class Someone:
    given: str
    family: str
    email: str
    phone: str
    """As written in the file (any notation)."""


PERSON = Identifiers(
    emails=("Marieke.vanDam@example.com",),
    phones=("+31623456789",),
    names=(("Marieke", "van Dam"),),
)
PLANTED = Someone("Marieke", "van Dam", "marieke.vandam@example.com", "06-23456789")
DECOYS = [
    Someone("Marieke", "van Dammen", "marieke.vandam@example.co", "06-23456788"),
    Someone("Mariek", "van Dam", "marieke.vandam2@example.com", "+31 6 2345 67890"),
    Someone("Anna", "van Dam-Smit", "amarieke.vandam@example.com", "016-23456789"),
    Someone("Marieke", "Dam", "marieke.vandam@example.com.au", "+32 6 2345 6789"),
]


def csv_bytes(people: Sequence[Someone], delimiter: str = ";", encoding: str = "utf-8") -> bytes:
    lines = [delimiter.join(["given", "family", "email", "phone", "city"])]
    for n, p in enumerate(people):
        lines.append(delimiter.join([p.given, p.family, p.email, p.phone, f"Stad {n}"]))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(sheets: dict[str, Sequence[Someone]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, people in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(["name", "email", "phone"])
        for p in people:
            sheet.append([f"{p.given} {p.family}", p.email, p.phone])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def message_bytes(sender: Someone, n: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"{sender.given} {sender.family} <{sender.email}>"
    message["To"] = "shop@example.com"
    message["Subject"] = f"Bestelling {n}"
    message["Message-ID"] = f"<order-{n}@example.com>"
    message.set_content(f"Hallo,\n\nMijn nummer is {sender.phone}.\n\nGroet,\n{sender.given}\n")
    return message.as_bytes()


def mbox_bytes(senders: Sequence[Someone]) -> bytes:
    parts = []
    for n, sender in enumerate(senders, start=1):
        parts.append(b"From shop@example.com Mon Jan  1 00:00:00 2018\n" + message_bytes(sender, n))
    return b"\n".join(part.replace(b"\r\n", b"\n") for part in parts) + b"\n"


def vcard_bytes(people: Sequence[Someone]) -> bytes:
    cards = [
        "BEGIN:VCARD\r\nVERSION:4.0\r\n"
        f"FN:{p.given} {p.family}\r\nN:{p.family};{p.given};;;\r\n"
        f"EMAIL:{p.email}\r\nTEL:{p.phone}\r\nEND:VCARD\r\n"
        for p in people
    ]
    return "".join(cards).encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF whose pages show these lines (Latin-1 text in Helvetica)."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    font_ref = writer._add_object(font)
    for lines in pages:
        page = writer.add_blank_page(width=595, height=842)
        body = ["BT", "/F1 11 Tf", "14 TL", "50 800 Td"]
        for line in lines:
            body.append(f"({_escape(line)}) Tj T*")
        body.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(body).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()
