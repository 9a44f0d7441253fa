"""A campaign rendered for one chosen person before it is sent: what they would get, in their
language, read under the purpose the staff member works for (audited as a read, Art. 5(2)).
It sends nothing and decides nothing: whether they would get it is the audience's question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kluis.actors import Actor
from kluis.contacts import people as contacts
from kluis.errors import KluisError
from kluis.messaging import campaigns, render, rules, text_rules, texts
from kluis.messaging.text_pages import SAMPLE_SENDER
from kluis.runtime import Kluis


@dataclass(frozen=True)
class PersonPreview:
    campaign_id: int
    person_id: str
    channel: str
    language: str
    subject: str | None
    text: str
    encoding: str | None
    segments: int | None


def preview_for(
    k: Kluis, actor: Actor, campaign_id: int, person_id: str, purpose_key: str, now: datetime
) -> PersonPreview:
    campaigns.may_send(actor)
    view = campaigns.get_campaign(k, campaign_id)
    person = contacts.read_person(k, actor, person_id, purpose_key, now)
    names = {
        name: value if isinstance(value := person.fields.get(name), str) else ""
        for name in ("given_name", "family_name")
    }
    context = {**names, "organisation": k.settings.organisation_name}
    if view.channel == "email":
        languages = tuple(lang for lang in rules.LANGUAGES if lang in view.subject)
        language = rules.pick_language(person.language, languages)
        rendered = render.from_strings(
            view.subject[language], view.body[language], context, None, language
        )
        return PersonPreview(
            campaign_id, person_id, "email", language, rendered.subject, rendered.text, None, None
        )
    if view.template is not None:
        languages = tuple(lang for lang in rules.LANGUAGES if lang in view.template["content"])
        language = rules.pick_language(person.language, languages)
        values = [
            texts.render_text(texts.compile_text(p, "whatsapp_template"), context)
            for p in view.template.get("params", [])
        ]
        text = f"[{view.template['name']} / {language}] " + " | ".join(values)
        return PersonPreview(campaign_id, person_id, "whatsapp", language, None, text, None, None)
    languages = tuple(lang for lang in rules.LANGUAGES if lang in view.body)
    language = rules.pick_language(person.language, languages)
    text = texts.render_text(texts.compile_text(view.body[language], f"body_{language}"), context)
    if view.channel == "sms":
        try:
            sender = texts.configured(k, "sms")
        except KluisError:
            sender = SAMPLE_SENDER
        text = text_rules.with_opt_out(text, language, sender)
    length = text_rules.measure(text)
    return PersonPreview(
        campaign_id, person_id, view.channel, language, None, text, length.encoding, length.segments
    )
