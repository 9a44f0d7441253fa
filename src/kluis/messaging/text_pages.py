"""What the campaign pages show of a text campaign: each language's SMS as it will go (the
opt-out line included) with its length on the wire, and the results on the channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kluis.actors import Actor
from kluis.errors import KluisError
from kluis.messaging import compose, results, text_rules, texts
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_

SAMPLE_SENDER = "+3197010000000"
"""The number the opt-out line names while no provider is configured (same length as most)."""


@dataclass(frozen=True)
class Shown:
    language: str
    text: str
    length: text_rules.Length


def lengths(k: Kluis, view: Any) -> list[Shown]:
    """Each language's SMS rendered for a sample person, with its encoding and parts."""
    if view.channel != "sms":
        return []
    try:
        sender = texts.configured(k, "sms")
    except KluisError:
        sender = SAMPLE_SENDER
    shown = []
    for lang in ("nl", "en"):
        body = view.body.get(lang)
        if not body:
            continue
        try:
            text = texts.render_text(texts.compile_text(body, f"body_{lang}"), compose.SAMPLE)
        except KluisError:
            continue
        full = text_rules.with_opt_out(text, lang, sender)
        shown.append(Shown(lang, full, text_rules.measure(full)))
    return shown


COUNTER = N_("{encoding}: {units} characters, {segments} SMS, {remaining} left in the last")
"""How the compose form says a text's length; ``sms-length.js`` fills in the same words as the
text is typed (the template is handed to it in the page, translated)."""


def opt_out_lines(k: Kluis) -> dict[str, str]:
    """The opt-out line each language's SMS ends with, the configured sender (or a sample)."""
    try:
        sender = texts.configured(k, "sms")
    except KluisError:
        sender = SAMPLE_SENDER
    return {lang: text_rules.with_opt_out("", lang, sender) for lang in ("nl", "en")}


def counter(template: str, length: text_rules.Length) -> str:
    """``template`` (``COUNTER`` translated) with ``length``'s figures."""
    return (
        template.replace("{encoding}", "GSM-7" if length.encoding == "gsm7" else "UCS-2")
        .replace("{units}", str(length.units))
        .replace("{segments}", str(length.segments))
        .replace("{remaining}", str(length.remaining))
    )


def draft_lengths(k: Kluis, values: dict[str, str]) -> dict[str, text_rules.Length]:
    """The length of each language's SMS typed in the compose form, rendered with the sample
    names and with the opt-out line: what the server counts, whatever the page's script
    showed. A text that does not render yet is left out (the form says why on saving)."""
    lines = opt_out_lines(k)
    found = {}
    for lang in ("nl", "en"):
        body = values.get(f"body_{lang}", "")
        if not body:
            continue
        try:
            text = texts.render_text(texts.compile_text(body, f"body_{lang}"), compose.SAMPLE)
        except KluisError:
            continue
        found[lang] = text_rules.measure(text + lines[lang])
    return found


def outcome(k: Kluis, actor: Actor, campaign_id: int) -> results.Results:
    return results.results(k, actor, campaign_id)
