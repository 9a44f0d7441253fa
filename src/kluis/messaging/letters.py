"""What a post mailing is printed as: a CSV for a mailing house, address labels and one letter
per person, as PDF, all made in memory from the letters a mailing decided (``post``).

The PDFs are written with fpdf2 (pure Python, maintained, no system libraries; reportlab 5
would do as well but brings a C accelerator and more than labels and letters need). Labels are
A4 sheets of 3 x 8 labels of 70 x 37 mm (24 a sheet, no margins left and right, as Avery
Zweckform 3474 and its like), each with 5 mm of padding. Letters are A4 with the sender's name
and address at the top and the recipient's in the place of the window of a DL/C5 window
envelope (20 mm from the left, 50 mm from the top, NEN 1026 / DIN 5008 form B).

Fonts: without ``KLUIS_POST_FONT`` the PDF uses the standard Helvetica, whose Latin-1 covers
Dutch (é, ë, ï, ó, ü; ĳ is written ij); a character outside Latin-1 is printed as its nearest
Latin-1 letter (ł as l). ``KLUIS_POST_FONT`` names a TrueType font (e.g. DejaVuSans.ttf),
which is embedded (subset) and prints every character it has.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kluis import csvout
from kluis.errors import InvalidField
from kluis.messaging import texts

if TYPE_CHECKING:
    from fpdf import FPDF

LABEL_COLUMNS, LABEL_ROWS = 3, 8
LABEL_WIDTH, LABEL_HEIGHT = 70.0, 37.0
LABEL_TOP = (297.0 - LABEL_ROWS * LABEL_HEIGHT) / 2
LABEL_PADDING = 5.0
LABEL_LINES = 6
ADDRESS_COLUMNS = 4
"""Address lines the CSV has columns for; more lines are joined into the last."""

MAX_LETTER = 10_000
"""Characters a letter's body may have: about three pages."""

FOLD = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "\u0131": "i", "œ": "oe", "Œ": "OE", "ŋ": "n"}
"""Letters NFKD does not take apart, and their nearest Latin-1 spelling."""

MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


@dataclass(frozen=True)
class Letter:
    """One decided letter: its message row, the person's language, name and address lines."""

    message_id: int
    person_id: str
    language: str
    given_name: str
    family_name: str
    address: tuple[str, ...]

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)


@dataclass(frozen=True)
class Sender:
    """Who the letters come from: the organisation's name and postal address."""

    name: str
    address: tuple[str, ...]


def check(values: Mapping[str, Any]) -> None:
    """A letter needs a body in nl and/or en; its subject (the "Betreft" line) is optional."""
    if values.get("whatsapp_template"):
        raise InvalidField("only a WhatsApp campaign has a template", field="whatsapp_template")
    for lang in ("en", "nl"):
        body = values.get(f"body_{lang}")
        subject = values.get(f"subject_{lang}")
        if subject and not body:
            raise InvalidField(f"a letter's subject in {lang} needs its body", field=f"body_{lang}")
        if body:
            if len(str(body)) > MAX_LETTER:
                raise InvalidField(
                    f"a letter has at most {MAX_LETTER} characters", field=f"body_{lang}"
                )
            sample = {"given_name": "Fenna", "family_name": "Brouwersma", "organisation": "Kluis"}
            texts.render_text(texts.compile_text(str(body), f"body_{lang}"), sample)
    if not any(values.get(f"body_{lang}") for lang in ("en", "nl")):
        raise InvalidField("give the letter's text in nl or en", field="body_nl")


def address_lines(value: object) -> tuple[str, ...]:
    """The non-empty lines of a postal address as typed (a multi-line field)."""
    if not isinstance(value, str):
        return ()
    return tuple(line.strip() for line in value.splitlines() if line.strip())


def csv_bytes(letters: Sequence[Letter]) -> bytes:
    """The mailing house's file: one row per letter, UTF-8 with a byte-order mark (so a
    spreadsheet opens it as UTF-8), every cell neutralised against formulas
    (``kluis.csvout``). ``reference`` is the message's id, to report returned letters by."""
    handle = io.StringIO()
    writer = csvout.Writer(handle)
    lines = [f"address_{n}" for n in range(1, ADDRESS_COLUMNS + 1)]
    writer.writerow(["reference", "name", "given_name", "family_name", *lines, "language"])
    for letter in letters:
        cells = list(letter.address[: ADDRESS_COLUMNS - 1])
        rest = letter.address[ADDRESS_COLUMNS - 1 :]
        cells.append(", ".join(rest))
        cells += [""] * (ADDRESS_COLUMNS - len(cells))
        writer.writerow(
            [
                letter.message_id,
                letter.name,
                letter.given_name,
                letter.family_name,
                *cells,
                letter.language,
            ]
        )
    return ("\ufeff" + handle.getvalue()).encode("utf-8")


def _pdf(font: str | None, now: datetime, title: str) -> tuple[FPDF, str]:
    # lazy: fpdf2 takes ~0.2 s to import and only a post mailing's labels and letters need it
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(now)
    pdf.set_title(title)
    pdf.set_creator("Kluis")
    if font:
        pdf.add_font("letter", "", font)
        pdf.add_font("letter", "B", font)
        return pdf, "letter"
    return pdf, "helvetica"


def printable(text: str, family: str) -> str:
    """``text`` as the chosen font can print it: unchanged with an embedded font; folded to
    Latin-1 (``ł`` to ``l``, ``ĳ`` to ``ij``) with the standard Helvetica."""
    if family != "helvetica":
        return text
    out: list[str] = []
    for char in text:
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            folded = FOLD.get(char) or unicodedata.normalize("NFKD", char)
            out.append(folded.encode("latin-1", "ignore").decode("latin-1") or "?")
        else:
            out.append(char)
    return "".join(out)


Step = Callable[[int], None]
"""Told how many letters are written so far, every ``STEP`` of them (a job's progress)."""
STEP = 100


def labels_pdf(
    letters: Sequence[Letter], now: datetime, font: str | None = None, step: Step | None = None
) -> bytes:
    """Address labels, 24 an A4 sheet (3 x 8 of 70 x 37 mm), in the letters' order."""
    pdf, family = _pdf(font, now, "Labels")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    per_sheet = LABEL_COLUMNS * LABEL_ROWS
    for index, letter in enumerate(letters):
        spot = index % per_sheet
        if spot == 0:
            pdf.add_page()
        row, column = divmod(spot, LABEL_COLUMNS)
        x = column * LABEL_WIDTH + LABEL_PADDING
        y = LABEL_TOP + row * LABEL_HEIGHT + LABEL_PADDING
        lines = [letter.name, *letter.address][:LABEL_LINES]
        pdf.set_font(family, size=10)
        for n, line in enumerate(lines):
            pdf.set_xy(x, y + n * 4.5)
            pdf.cell(LABEL_WIDTH - 2 * LABEL_PADDING, 4.5, printable(line, family), new_x="LEFT")
        if step is not None and (index + 1) % STEP == 0:
            step(index + 1)
    if not letters:
        pdf.add_page()
    return bytes(pdf.output())


def dated(now: datetime, language: str) -> str:
    month = MONTHS["en" if language == "en" else "nl"][now.month - 1]
    return f"{now.day} {month} {now.year}"


@dataclass(frozen=True)
class Content:
    """A campaign's letter per language: the subject line (may be empty) and the body."""

    subject: Mapping[str, str]
    body: Mapping[str, str]


def letters_pdf(
    letters: Sequence[Letter],
    content: Content,
    sender: Sender,
    now: datetime,
    font: str | None = None,
    step: Step | None = None,
) -> bytes:
    """One letter per person, each starting on a new page: the sender, the recipient in the
    envelope's window, the date, the subject and the campaign's body in the person's language
    with their names filled in."""
    pdf, family = _pdf(font, now, "Letters")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    compiled = {
        lang: texts.compile_text(body, f"body_{lang}") for lang, body in content.body.items()
    }
    for index, letter in enumerate(letters):
        if step is not None and index and index % STEP == 0:
            step(index)
        language = letter.language if letter.language in compiled else next(iter(compiled))
        pdf.add_page()
        pdf.set_font(family, "B", 11)
        pdf.set_xy(20, 15)
        pdf.cell(0, 5, printable(sender.name, family), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=9)
        for line in sender.address:
            pdf.cell(0, 4, printable(line, family), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=11)
        pdf.set_xy(20, 50)
        for line in [letter.name, *letter.address][:LABEL_LINES]:
            pdf.cell(85, 5, printable(line, family), new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(20, 95)
        pdf.cell(0, 5, dated(now, language), new_x="LMARGIN", new_y="NEXT")
        subject = content.subject.get(language)
        if subject:
            pdf.ln(5)
            pdf.set_font(family, "B", 11)
            pdf.multi_cell(0, 5, printable(subject, family), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, size=11)
        pdf.ln(5)
        context = {
            "given_name": letter.given_name,
            "family_name": letter.family_name,
            "organisation": sender.name,
        }
        body = texts.render_text(compiled[language], context)
        pdf.multi_cell(0, 5.5, printable(body, family), new_x="LMARGIN", new_y="NEXT")
    if not letters:
        pdf.add_page()
    return bytes(pdf.output())
