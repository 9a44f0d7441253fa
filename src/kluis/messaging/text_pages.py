"""What the campaign pages show of a text campaign: each language's SMS as it will go (the
opt-out line included) with its length on the wire, and the results on the channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kluis.actors import Actor
from kluis.errors import KluisError
from kluis.messaging import compose, results, text_rules, texts
from kluis.runtime import Kluis

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


def outcome(k: Kluis, actor: Actor, campaign_id: int) -> results.Results:
    return results.results(k, actor, campaign_id)
