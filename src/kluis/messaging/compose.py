"""What a campaign may say on each channel, checked when it is written or edited, so a mistake
(a misspelt name, a broken ``{{``, a text with no template) is found before sending instead of
stopping the send half-way.

E-mail needs a subject and a body in nl and/or en; an SMS a text per language (no subject: the
opt-out line is added when sending); a WhatsApp campaign the approved template it is sent as
(name, the provider's id per language, the placeholders' values) and, per language, the
template's text as approved, for the preview; a letter (post) a body per language and an
optional subject (``letters.check``); a phone campaign its call script per language
(``call_rules.check_script``). Any other channel is refused naming the five.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kluis.errors import InvalidField
from kluis.messaging import call_rules, letters, render, texts

FIELDS = (
    "name",
    "topic",
    "subject_en",
    "subject_nl",
    "body_en",
    "body_nl",
    "rate_per_minute",
    "whatsapp_template",
    "tag",
)
CHANNELS = ("email", *texts.TEXT_CHANNELS, "phone", "post")
NOT_YET = "a campaign goes by e-mail, SMS, WhatsApp, phone (a call list) or post (letters)"

SAMPLE = {"given_name": "Fenna", "family_name": "Brouwersma", "organisation": "Kluis"}
"""What a campaign's text may use; rendering it with these at composing finds a mistake."""


def check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise InvalidField(NOT_YET, field="channel")


def check(values: Mapping[str, Any], channel: str) -> None:
    """Check a campaign's (whole) values for ``channel``."""
    check_channel(channel)
    if "name" in values and not str(values["name"] or "").strip():
        raise InvalidField("give the campaign a name", field="name")
    rate = values.get("rate_per_minute")
    if rate is not None and not (isinstance(rate, int) and 1 <= rate <= 100_000):
        raise InvalidField("rate_per_minute is between 1 and 100000", field="rate_per_minute")
    if channel == "email":
        _check_email(values)
    elif channel == "post":
        letters.check(values)
    elif channel == "phone":
        call_rules.check_script(values)
    else:
        _check_text(values, channel)


def _check_email(values: Mapping[str, Any]) -> None:
    if values.get("whatsapp_template"):
        raise InvalidField("only a WhatsApp campaign has a template", field="whatsapp_template")
    for lang in ("en", "nl"):
        subject, body = values.get(f"subject_{lang}"), values.get(f"body_{lang}")
        if bool(subject) != bool(body):
            raise InvalidField(
                f"give both the subject and the body in {lang}, or neither", field=f"body_{lang}"
            )
        if subject and body:
            try:
                render.from_strings(str(subject), str(body), SAMPLE, None, lang)
            except InvalidField as exc:
                raise InvalidField(exc.detail, field=f"body_{lang}") from None
    if not any(values.get(f"subject_{lang}") for lang in ("en", "nl")):
        raise InvalidField("give the subject and body in nl or en", field="subject_nl")


def _check_text(values: Mapping[str, Any], channel: str) -> None:
    for lang in ("en", "nl"):
        if values.get(f"subject_{lang}"):
            raise InvalidField("a text message has no subject", field=f"subject_{lang}")
        body = values.get(f"body_{lang}")
        if body:
            texts.render_text(texts.compile_text(str(body), f"body_{lang}"), SAMPLE)
            if len(str(body)) > texts.MAX_TEXT:
                raise InvalidField(
                    f"a text message has at most {texts.MAX_TEXT} characters",
                    field=f"body_{lang}",
                )
    template = values.get("whatsapp_template")
    if channel == "sms":
        if template:
            raise InvalidField("only a WhatsApp campaign has a template", field="whatsapp_template")
        if not any(values.get(f"body_{lang}") for lang in ("en", "nl")):
            raise InvalidField("give the text in nl or en", field="body_nl")
        return
    if not template:
        raise InvalidField(
            "a commercial WhatsApp message goes only as a pre-approved template: name it "
            "(whatsapp_template)",
            field="whatsapp_template",
        )
    checked = texts.check_template(template)
    for param in checked["params"]:
        texts.render_text(texts.compile_text(param, "whatsapp_template"), SAMPLE)


def columns(values: Mapping[str, Any], channel: str) -> dict[str, Any]:
    """The campaign's content columns from checked ``values``."""
    template = values.get("whatsapp_template")
    return {
        "subject_en": values.get("subject_en") or None,
        "subject_nl": values.get("subject_nl") or None,
        "body_en": values.get("body_en") or None,
        "body_nl": values.get("body_nl") or None,
        "whatsapp_template": texts.check_template(template) if channel == "whatsapp" else None,
    }
