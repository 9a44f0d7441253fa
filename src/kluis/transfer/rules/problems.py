"""The refusal of an import's header (``columns``): each problem in English for the API and
the CLI, with the command line's options, and in a page's words; several at once are one
refusal, said one after the other on a page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kluis.errors import KluisError
from kluis.locale import N_


class ImportRefused(KluisError):
    """The whole file is refused before anything is written (a header or declaration problem)."""

    slug = "import-refused"
    title = "Import refused"
    status = 422


@dataclass(frozen=True)
class Problem:
    """One problem with an import's header: the field it is about, the English (with the
    command line's options, for the API and the CLI) and a page's sentence with its values."""

    field: str
    message: str
    msgid: str
    values: Mapping[str, object]

    def refusal(self) -> ImportRefused:
        return ImportRefused(self.message, field=self.field, msgid=self.msgid, values=self.values)


UNUSED = N_(
    "Column %(column)s holds a field none of the chosen purposes uses (GDPR Art. 5(1)(c)); "
    "leave it out, or import for a purpose that needs it."
)


def combined(problems: Sequence[Problem]) -> ImportRefused:
    """One refusal for all of ``problems``, on one line (a CLI prints it as one error line); its
    field is the first problem's. A page says each problem's own sentence (``parts``)."""
    if len(problems) == 1:
        return problems[0].refusal()
    listed = " ".join(f"({n}) {p.message.rstrip('.')}." for n, p in enumerate(problems, 1))
    refused = ImportRefused(
        f"{len(problems)} problems with the header, all to fix before anything is imported: "
        f"{listed}",
        field=problems[0].field,
    )
    refused.parts = [p.refusal() for p in problems]
    return refused
