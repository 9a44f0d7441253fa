"""A campaign rendered for one chosen person before it is sent: what they would get, in their
language, read under the purpose the staff member works for (audited as a read, Art. 5(2)); or,
when no person is chosen, rendered with sample values. It sends nothing and decides nothing:
whether they would get it is the audience's question.

The e-mail footer of a preview carries the real wording but links that lead nowhere: a
person's signed unsubscribe link shown to staff, or sent to them in a test, would let anyone
who clicks it withdraw the person's consent (Art. 7(3) is the person's own act)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.consent import catalogue
from kluis.contacts import people as contacts
from kluis.errors import KluisError
from kluis.locale.catalogues import messages
from kluis.messaging import campaigns, compose, render, rules, text_rules, texts
from kluis.messaging.text_pages import SAMPLE_SENDER
from kluis.runtime import Kluis

PLACEHOLDER = re.compile(r"\{\{\s*(\d{1,2})\s*\}\}")

PREVIEW_LINK = "/unsubscribe/preview"
"""Where a preview's footer links point: a link that is no token, so it unsubscribes nobody."""


@dataclass(frozen=True)
class PersonPreview:
    campaign_id: int
    person_id: str | None
    """None when rendered with sample values."""
    channel: str
    language: str
    subject: str | None
    text: str
    encoding: str | None
    segments: int | None
    html: str | None = None
    """E-mail: the HTML part, as sent (shown escaped on the staff pages)."""
    params: tuple[str, ...] = ()
    """WhatsApp: the template's placeholders' values, ``{{1}}`` first."""
    template_text: str | None = None
    """WhatsApp: the template's approved wording with the values filled in, for reading."""


def preview_for(
    k: Kluis, actor: Actor, campaign_id: int, person_id: str, purpose_key: str, now: datetime
) -> PersonPreview:
    """The campaign as ``person_id`` would get it, read under ``purpose_key`` (audited)."""
    campaigns.may_send(actor)
    view = campaigns.get_campaign(k, campaign_id)
    person = contacts.read_person(k, actor, person_id, purpose_key, now)
    names = {
        name: value if isinstance(value := person.fields.get(name), str) else ""
        for name in ("given_name", "family_name")
    }
    return rendered(k, view, person_id, person.language, names)


def sample(k: Kluis, actor: Actor, campaign_id: int, language: str) -> PersonPreview:
    """The campaign rendered with sample names (``compose.SAMPLE``), in ``language`` when the
    campaign has it; nobody's data is read."""
    campaigns.may_send(actor)
    view = campaigns.get_campaign(k, campaign_id)
    names = {name: compose.SAMPLE[name] for name in ("given_name", "family_name")}
    return rendered(k, view, None, language, names)


def preview_footer(k: Kluis, topic_name: str, language: str) -> render.Footer:
    words = messages("common", language)
    dead = f"{k.settings.base_url.rstrip('/')}{PREVIEW_LINK}"
    return render.Footer(
        text=words["footer_text"].format(
            organisation=k.settings.organisation_name, topic=topic_name
        ),
        unsubscribe_label=words["footer_unsubscribe"],
        unsubscribe_url=dead,
        preferences_label=words["footer_preferences"],
        preferences_url=dead,
    )


def rendered(
    k: Kluis,
    view: campaigns.CampaignView,
    person_id: str | None,
    preferred: str,
    names: dict[str, str],
) -> PersonPreview:
    """``view`` rendered for one person's (or the sample's) names and language."""
    context: dict[str, Any] = {**names, "organisation": k.settings.organisation_name}
    if view.channel == "email":
        languages = tuple(lang for lang in rules.LANGUAGES if lang in view.subject)
        language = rules.pick_language(preferred, languages)
        with k.engine.connect() as conn:
            topic = catalogue.topic_row(conn, view.topic)
        footer = preview_footer(k, topic.name_nl if language == "nl" else topic.name_en, language)
        mail = render.from_strings(
            view.subject[language], view.body[language], context, footer, language
        )
        return PersonPreview(
            view.id, person_id, "email", language, mail.subject, mail.text, None, None, mail.html
        )
    if view.template is not None:
        languages = tuple(lang for lang in rules.LANGUAGES if lang in view.template["content"])
        language = rules.pick_language(preferred, languages)
        values = tuple(
            texts.render_text(texts.compile_text(p, "whatsapp_template"), context)
            for p in view.template.get("params", [])
        )
        text = f"[{view.template['name']} / {language}] " + " | ".join(values)
        wording = view.body.get(language)
        filled = fill_placeholders(wording, values) if wording else None
        return PersonPreview(
            view.id, person_id, "whatsapp", language, None, text, None, None, None, values, filled
        )
    languages = tuple(lang for lang in rules.LANGUAGES if lang in view.body)
    language = rules.pick_language(preferred, languages)
    text = texts.render_text(texts.compile_text(view.body[language], f"body_{language}"), context)
    if view.channel == "sms":
        try:
            sender = texts.configured(k, "sms")
        except KluisError:
            sender = SAMPLE_SENDER
        text = text_rules.with_opt_out(text, language, sender)
    length = text_rules.measure(text)
    return PersonPreview(
        view.id, person_id, view.channel, language, None, text, length.encoding, length.segments
    )


def fill_placeholders(wording: str, values: tuple[str, ...]) -> str:
    """A WhatsApp template's wording with ``{{1}}``, ``{{2}}``, ... replaced by ``values``
    (a placeholder without a value stays as written). Plain replacement: the wording is the
    provider's, not a Jinja2 template."""

    def value(found: re.Match[str]) -> str:
        number = int(found.group(1))
        return values[number - 1] if 1 <= number <= len(values) else found.group(0)

    return PLACEHOLDER.sub(value, wording)
