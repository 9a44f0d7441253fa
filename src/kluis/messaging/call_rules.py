"""Phone call lists, the pure part: the outcomes a call can have, what each means, and what a
phone campaign must say (its script).

A call is made to someone ``may_contact`` allows on the phone channel for the campaign's topic
(Telecommunicatiewet 11.7, ePrivacy Art. 13(3)); "opt out" is the person objecting to further
calls (Art. 21(2)-(3)) and is recorded as a withdrawal for the phone channel and every topic.
The outcome is one of a fixed list, never free text: nothing personal is kept on the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kluis.errors import InvalidField
from kluis.locale import N_

OUTCOMES = ("reached", "no_answer", "call_back", "not_interested", "opt_out")
SPOKEN = frozenset({"reached", "not_interested", "opt_out"})
"""Outcomes in which the person was spoken to: each is a contact moment, logged as a call
activity on their timeline (``contacts.hooks.contact_moment``)."""
"""What a call can end in, in the order the buttons show them."""

DONE = frozenset({"reached", "not_interested", "opt_out"})
"""Outcomes after which the person is not called again for the campaign."""

MAX_SCRIPT = 10_000
"""Characters a call script may have."""

BAD_OUTCOME = N_("outcome is one of reached, no_answer, call_back, not_interested, opt_out")
NO_SUBJECT = N_("a call script has no subject")
TOO_LONG = N_("a call script has at most %(max)d characters")
NO_TEMPLATE = N_("only a WhatsApp campaign has a template")
NO_SCRIPT = N_("give the call script in nl or en")


def check_outcome(value: str) -> str:
    if value not in OUTCOMES:
        raise InvalidField(BAD_OUTCOME, field="outcome")
    return value


def check_script(values: Mapping[str, Any]) -> None:
    """A phone campaign has a script (``body_nl`` and/or ``body_en``) and nothing else."""
    for lang in ("en", "nl"):
        if values.get(f"subject_{lang}"):
            raise InvalidField(NO_SUBJECT, field=f"subject_{lang}")
        if len(str(values.get(f"body_{lang}") or "")) > MAX_SCRIPT:
            raise InvalidField(
                TOO_LONG % {"max": MAX_SCRIPT},
                field=f"body_{lang}",
                msgid=TOO_LONG,
                values={"max": MAX_SCRIPT},
            )
    if values.get("whatsapp_template"):
        raise InvalidField(NO_TEMPLATE, field="whatsapp_template")
    if not any(values.get(f"body_{lang}") for lang in ("en", "nl")):
        raise InvalidField(NO_SCRIPT, field="body_nl")


def pick_script(scripts: Mapping[str, str], language: str) -> tuple[str, str]:
    """The script in the person's language if the campaign has it, else the first it has."""
    for lang in (language, "nl", "en"):
        if scripts.get(lang):
            return lang, scripts[lang]
    return language, ""


def open_again(outcome: str | None) -> bool:
    """Whether a call with this last outcome is still to be made."""
    return outcome is None or outcome not in DONE


def results(rows: list[tuple[str | None, str | None]]) -> dict[str, Any]:
    """A call list's results from its rows' (outcome, refused_reason): called, reached, no
    answer, call back, not interested, opted out, still to call, refused by reason."""
    out: dict[str, Any] = dict.fromkeys(OUTCOMES, 0)
    refused: dict[str, int] = {}
    called = to_call = 0
    for outcome, refused_reason in rows:
        if outcome is not None:
            called += 1
            out[outcome] += 1
        if refused_reason is not None:
            refused[refused_reason] = refused.get(refused_reason, 0) + 1
        elif open_again(outcome):
            to_call += 1
    return {"people": len(rows), "called": called, **out, "to_call": to_call, "refused": refused}
