"""What came of a privacy request, stored as a code and its values rather than as a sentence,
so each reader gets it in their own words: the API and the CLI the English they always had, a
staff page its Dutch (Art. 12(1): information to the person and about their request "in clear
and plain language"; the controller's record of having answered, Art. 5(2)). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kluis.locale import N_


class Code(StrEnum):
    COPY = "copy"
    """A copy of the data (Art. 15, 20): ``how`` (``email`` or ``handed_over``), ``article``."""
    RECTIFIED = "rectified"
    """Fields corrected (Art. 16): ``fields``, their code names."""
    RESTRICTED = "restricted"
    OBJECTION = "objection"
    ERASED = "erased"
    ERASED_EXCEPT = "erased_except"
    """Erased but what a law keeps (Art. 17(3)(b)): ``kept``, the purposes' keys."""
    REFUSED = "refused"
    """Refused (Art. 12(4)): ``reason``, as staff wrote it."""
    TEXT = "text"
    """An outcome stored as English text before outcomes had codes, which no pattern of the
    sentences Kluis wrote matched: ``text``, shown as it was."""


@dataclass(frozen=True)
class Outcome:
    """A request's outcome; ``values`` also holds ``waiting`` (an erasure waiting for its
    connected systems' confirmations) and ``lifted_on`` (an ISO day: a restriction lifted)."""

    code: Code
    values: Mapping[str, Any] = field(default_factory=dict)

    def stored(self) -> dict[str, Any]:
        return dict(self.values)

    def english(self) -> str:
        """The sentence the API and the CLI show, the one Kluis stored before codes."""
        v = self.values
        text = self._english_sentence()
        if v.get("waiting"):
            text += "; waiting for connected systems, a final certificate follows"
        if v.get("lifted_on"):
            text += f"; lifted {v['lifted_on']}"
        return text

    def _english_sentence(self) -> str:
        v = self.values
        if self.code is Code.COPY:
            how = _HOW_EN[v.get("how", "email")]
            return f"copy of the personal data {how} (Art. {v.get('article', '15')})"
        if self.code is Code.RECTIFIED:
            return f"rectified: {', '.join(v.get('fields', []))} (Art. 16)"
        if self.code is Code.ERASED_EXCEPT:
            return (
                f"erased except what {', '.join(v.get('kept', []))} must keep by law "
                "(Art. 17(3)(b)); the rest is restricted to that purpose"
            )
        if self.code in (Code.REFUSED, Code.TEXT):
            return str(v.get("reason" if self.code is Code.REFUSED else "text", ""))
        return _ENGLISH[self.code]

    def said(
        self,
        gettext: Callable[[str], str],
        field_name: Callable[[str], str],
        purpose_name: Callable[[str], str],
        day: Callable[[str], str],
    ) -> str:
        """The outcome in a page's language: ``gettext`` of the code's sentence, fields and
        purposes by their names (never a code name), the day a restriction was lifted as a
        date. A refusal's reason and an old text are shown as they were written."""
        v = self.values
        if self.code is Code.COPY:
            text = gettext(_COPY[(v.get("how", "email"), str(v.get("article", "15")))])
        elif self.code is Code.RECTIFIED:
            names = ", ".join(field_name(f) for f in v.get("fields", []))
            text = gettext(SAID[self.code]) % {"fields": names}
        elif self.code is Code.ERASED_EXCEPT:
            names = ", ".join(purpose_name(p) for p in v.get("kept", []))
            text = gettext(SAID[self.code]) % {"purposes": names}
        elif self.code in (Code.REFUSED, Code.TEXT):
            text = str(v.get("reason" if self.code is Code.REFUSED else "text", ""))
        else:
            text = gettext(SAID[self.code])
        if v.get("waiting"):
            text += " " + gettext(
                N_("Waiting for the connected systems; a final certificate follows.")
            )
        if v.get("lifted_on"):
            text += " " + gettext(N_("Lifted on %(day)s.")) % {"day": day(str(v["lifted_on"]))}
        return text

    def lifted(self, day: str) -> Outcome:
        return Outcome(self.code, {**self.values, "lifted_on": day})


def of(code: str | None, values: Mapping[str, Any] | None) -> Outcome | None:
    """A stored outcome, or None for a request not finished."""
    if code is None:
        return None
    return Outcome(Code(code), dict(values or {}))


_ENGLISH = {
    Code.RESTRICTED: "processing restricted to storage (Art. 18)",
    Code.OBJECTION: "direct marketing stopped on every channel (Art. 21(3))",
    Code.ERASED: "erased: rows deleted, key destroyed, id in the erasure register (Art. 17)",
}

_HOW_EN = {"email": "sent by e-mail", "handed_over": "handed over"}

_COPY = {
    ("email", "15"): N_("Copy of the personal data sent by e-mail (Art. 15)."),
    ("handed_over", "15"): N_("Copy of the personal data handed over (Art. 15)."),
    ("email", "20"): N_("Copy of the personal data sent by e-mail as a file (Art. 20)."),
    ("handed_over", "20"): N_("Copy of the personal data handed over as a file (Art. 20)."),
}

SAID = {
    Code.RECTIFIED: N_("Corrected: %(fields)s (Art. 16)."),
    Code.RESTRICTED: N_("Processing restricted to storage (Art. 18)."),
    Code.OBJECTION: N_("Direct marketing stopped on every channel (Art. 21(3))."),
    Code.ERASED: N_("Erased: rows deleted, key destroyed, id in the erasure register (Art. 17)."),
    Code.ERASED_EXCEPT: N_(
        "Erased, except what %(purposes)s must keep by law (Art. 17(3)(b)); the rest is "
        "restricted to that purpose."
    ),
}
