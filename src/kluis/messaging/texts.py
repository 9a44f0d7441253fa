"""A text campaign's messages (SMS, WhatsApp): what every message shares, prepared once, and
each person's message built from it.

An SMS is the campaign's text in the person's language, rendered in the sandbox staff-written
text is always rendered in, with the opt-out line at the end (``text_rules.with_opt_out``:
every commercial SMS says how to stop, Telecommunicatiewet 11.7(4), ePrivacy Art. 13(2)). A
WhatsApp commercial message is only ever a pre-approved template (WhatsApp Business Policy):
the campaign names the template, the provider's id of each language's version and the values
of its placeholders, which may use the person's names. Nothing in a text is tracked: no
shortened or rewritten links, no pixels (ePrivacy Art. 5(3)).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Template

from kluis.errors import InvalidField
from kluis.messaging import render, rules, text_rules
from kluis.messaging.texting import (
    ChannelNotConfigured,
    TemplateMessage,
    TextMessage,
    parse_provider_url,
)
from kluis.runtime import Kluis

TEXT_CHANNELS = ("sms", "whatsapp")
ADDRESS = {"email": "email", "sms": "phone", "whatsapp": "phone"}
"""The field a channel's message goes to."""

MAX_TEXT = 1_600
"""Characters an SMS may have: ten parts of 160, more than any provider concatenates well."""

NO_NUMBER = "no phone number"


def provider_url(k: Kluis, channel: str) -> str | None:
    return k.settings.sms_url if channel == "sms" else k.settings.whatsapp_url


def configured(k: Kluis, channel: str) -> str:
    """The sender of ``channel`` (the number the opt-out line names); ChannelNotConfigured
    (503) when there is no provider, InvalidField when its URL is wrong."""
    url = provider_url(k, channel)
    if not url:
        raise ChannelNotConfigured(
            f"no {channel} provider is configured; set KLUIS_{channel.upper()}_URL "
            "(docs/channels.md)"
        )
    return parse_provider_url(url, channel).sender


def check_template(value: Any) -> dict[str, Any]:
    """A WhatsApp template as a campaign stores it: ``{"name": ..., "content": {lang: id},
    "params": [text, ...]}``; each parameter compiles."""
    if not isinstance(value, Mapping):
        raise InvalidField(
            "whatsapp_template is {name, content: {nl|en: provider id}, params: [...]}",
            field="whatsapp_template",
        )
    name = str(value.get("name") or "").strip()
    content = value.get("content") or {}
    params = value.get("params") or []
    if not name:
        raise InvalidField("name the approved WhatsApp template", field="whatsapp_template")
    if (
        not isinstance(content, Mapping)
        or not content
        or not set(content) <= set(rules.LANGUAGES)
        or not all(isinstance(v, str) and v.strip() for v in content.values())
    ):
        raise InvalidField(
            "give the provider's id of the template for nl and/or en (content)",
            field="whatsapp_template",
        )
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        raise InvalidField("params is a list of texts", field="whatsapp_template")
    for param in params:
        compile_text(param, "whatsapp_template")
    return {"name": name, "content": {k: v.strip() for k, v in content.items()}, "params": params}


def compile_text(text: str, field: str) -> Template:
    try:
        return render.sandbox().from_string(text)
    except Exception as exc:
        raise InvalidField(f"the message does not render: {exc}", field=field) from None


def render_text(template: Template, context: dict[str, Any], field: str = "body") -> str:
    """Render staff-written text for a text message: sandboxed, bounded, and unescaped once
    (a text message is never read as HTML)."""
    try:
        return html.unescape(render.bounded(template, context, MAX_TEXT * 4)).strip()
    except render.TooLarge:
        raise InvalidField(
            f"the text renders to more than {MAX_TEXT * 4:,} characters", field=field
        ) from None
    except Exception as exc:
        raise InvalidField(f"the message does not render: {exc}", field=field) from None


@dataclass(frozen=True)
class TextPlan:
    channel: str
    languages: tuple[str, ...]
    bodies: Mapping[str, Template]
    template: Mapping[str, Any] | None
    params: tuple[Template, ...]
    sender: str
    organisation: str
    callback: str
    """The status-callback URL, ``{id}`` standing for the message's row id."""


def prepare(k: Kluis, view: Any) -> TextPlan:
    """The plan of a text campaign (``view`` a ``campaigns.CampaignView``)."""
    sender = configured(k, view.channel)
    template = view.template if view.channel == "whatsapp" else None
    if template is not None:
        languages = tuple(lang for lang in rules.LANGUAGES if lang in template["content"])
    else:
        languages = tuple(lang for lang in rules.LANGUAGES if view.body.get(lang))
    if not languages:
        raise InvalidField("give the text in nl or en", field="body_nl")
    base = k.settings.base_url.rstrip("/")
    return TextPlan(
        channel=view.channel,
        languages=languages,
        bodies={
            lang: compile_text(view.body[lang], f"body_{lang}")
            for lang in languages
            if view.body.get(lang)
        },
        template=template,
        params=tuple(
            compile_text(p, "whatsapp_template") for p in (template or {}).get("params", [])
        ),
        sender=sender,
        organisation=k.settings.organisation_name,
        callback=f"{base}/webhooks/twilio/{view.channel}/status/{{id}}",
    )


def context_of(plan: TextPlan, given_name: str | None, family_name: str | None) -> dict[str, Any]:
    return {
        "given_name": given_name or "",
        "family_name": family_name or "",
        "organisation": plan.organisation,
    }


def build(
    plan: TextPlan,
    row_id: int,
    number: str,
    language: str,
    given_name: str | None,
    family_name: str | None,
) -> TextMessage | TemplateMessage:
    """The message of one person: the template (WhatsApp) or the text with its opt-out line."""
    context = context_of(plan, given_name, family_name)
    callback = plan.callback.format(id=row_id)
    if plan.template is not None:
        return TemplateMessage(
            number,
            str(plan.template["name"]),
            language,
            str(plan.template["content"][language]),
            tuple(render_text(p, context, "whatsapp_template") for p in plan.params),
            callback,
        )
    body = render_text(plan.bodies[language], context)
    if plan.channel == "sms":
        body = text_rules.with_opt_out(body, language, plan.sender)
    return TextMessage(number, body, callback)


def preview_text(
    plan: TextPlan, language: str, given_name: str | None, family_name: str | None
) -> tuple[str, text_rules.Length]:
    """What a person would get and, for SMS, its length on the wire."""
    message = build(plan, 0, "", language, given_name, family_name)
    if isinstance(message, TemplateMessage):
        text = f"[{message.name} / {language}] " + " | ".join(message.params)
    else:
        text = message.body
    return text, text_rules.measure(text)
