"""SMS and WhatsApp campaigns through a real local server in Twilio's API shape: each message
decided by ``may_contact``, the number read under the deciding purpose, the opt-out line, the
WhatsApp template, failures recorded, drafts edited and deleted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import select

from conftest import MARKETING, NOW, SALES
from kluis.audit import service as audit
from kluis.errors import Conflict, InvalidField, PermissionDenied
from kluis.messaging import campaigns, drafts, texting
from kluis.messaging.tables import MessageRow
from kluis.runtime import Kluis
from smsprovider import ProviderServer
from text_helpers import phone_of, population, with_provider

SMS = {
    "channel": "sms",
    "name": "Spring SMS",
    "topic": "offers",
    "body_nl": "Hallo {{ given_name }}, alle kaas halve prijs!",
    "body_en": "Hello {{ given_name }}, all cheese half price!",
}
WHATSAPP = {
    "channel": "whatsapp",
    "name": "Spring WhatsApp",
    "topic": "offers",
    "body_nl": "Hallo {{1}}, de lente is er: {{2}}",
    "whatsapp_template": {
        "name": "spring_offer",
        "content": {"nl": "HXnl0001", "en": "HXen0001"},
        "params": ["{{ given_name }}", "kaas halve prijs"],
    },
}


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


def clock() -> datetime:
    return NOW


def factory(provider: ProviderServer, k: Kluis, channel: str):  # type: ignore[no-untyped-def]
    url = k.settings.sms_url if channel == "sms" else k.settings.whatsapp_url
    assert url
    return lambda: texting.TwilioTransport(
        texting.parse_provider_url(url, channel), sleep=lambda _s: None
    )


def send(k: Kluis, provider: ProviderServer, campaign_id: int, channel: str = "sms") -> None:
    campaigns.send_campaign(
        k,
        MARKETING,
        campaign_id,
        clock,
        texting=factory(provider, k, channel),
        sleep=lambda _s: None,
    )


def rows(k: Kluis, campaign_id: int) -> dict[str, MessageRow]:
    with k.engine.connect() as conn:
        found = conn.execute(select(MessageRow).where(MessageRow.campaign_id == campaign_id))
        return {row.person_id: row for row in found}  # type: ignore[misc]


def test_an_sms_campaign_goes_to_whom_may_contact_allows(
    kluis: Kluis, provider: ProviderServer
) -> None:
    k = with_provider(kluis, provider)
    people = population(k, "sms")
    draft = campaigns.create_campaign(k, MARKETING, SMS, NOW)
    assert draft.channel == "sms"
    preview = campaigns.preview(k, draft.id, NOW)
    assert preview.allowed == 2
    assert preview.refused == {"no_consent": 2, "withdrawn": 1, "objected": 1}
    send(k, provider, draft.id)
    by_number = {r.form["To"]: r.form for r in provider.received}
    assert set(by_number) == {phone_of(2), phone_of(6)}
    english, dutch = by_number[phone_of(2)], by_number[phone_of(6)]
    assert english["Body"] == (
        "Hello Fenna2, all cheese half price!\nReply STOP to +3197010000001 to opt out"
    )
    assert dutch["Body"].endswith("\nAfmelden: STOP aan +3197010000001")
    assert english["From"] == "+3197010000001"
    messages = rows(k, draft.id)
    sent = messages[people["consenting"]]
    assert sent.status == "sent"
    assert sent.message_id
    assert sent.message_id.startswith("SM")
    assert english["StatusCallback"] == (
        f"https://kluis.example.com/webhooks/twilio/sms/status/{sent.id}"
    )
    assert sent.basis == "consent"
    assert sent.allowed
    assert campaigns.get_campaign(k, draft.id).status == "sent"
    reads = audit.list_entries(
        k.engine, person_id=people["consenting"], action="person.read", limit=1000
    )
    assert any("phone" in json.dumps(e.details) for e in reads)


class Killed(BaseException):
    """Stands for the sender dying right after the provider took a text."""


def test_a_text_that_may_have_reached_the_provider_is_never_sent_again(
    kluis: Kluis, provider: ProviderServer
) -> None:
    # A handset cannot collapse two copies of a text as a mail system collapses one Message-ID:
    # a text cut off mid-hand-over is interrupted (at most one), the others go on resume.
    k = with_provider(kluis, provider)
    people = population(k, "sms")
    draft = campaigns.create_campaign(k, MARKETING, SMS, NOW)
    config = texting.parse_provider_url(k.settings.sms_url or "", "sms")

    class Dying(texting.TwilioTransport):
        def send(self, message: texting.TextMessage | texting.TemplateMessage) -> str:
            super().send(message)
            raise Killed

    with pytest.raises(Killed):
        campaigns.send_campaign(
            k,
            MARKETING,
            draft.id,
            clock,
            texting=lambda: Dying(config, sleep=lambda _s: None),
            sleep=lambda _s: None,
        )
    assert len(provider.received) == 1
    send(k, provider, draft.id)
    assert campaigns.get_campaign(k, draft.id).counts == {"interrupted": 1, "sent": 1}
    assert sorted(r.form["To"] for r in provider.received) == [phone_of(2), phone_of(6)]
    statuses = {rows(k, draft.id)[people[p]].status for p in ("consenting", "consenting_nl")}
    assert statuses == {"interrupted", "sent"}


def test_a_refused_number_is_recorded_as_failed_with_its_code(
    kluis: Kluis, provider: ProviderServer
) -> None:
    k = with_provider(kluis, provider)
    people = population(k, "sms")
    provider.refuse.add(phone_of(2))
    draft = campaigns.create_campaign(k, MARKETING, SMS, NOW)
    send(k, provider, draft.id)
    failed = rows(k, draft.id)[people["consenting"]]
    assert (failed.status, failed.error_code) == ("failed", "21211")
    assert phone_of(2) not in (failed.error or "")
    assert rows(k, draft.id)[people["consenting_nl"]].status == "sent"


def test_a_whatsapp_campaign_sends_the_approved_template(
    kluis: Kluis, provider: ProviderServer
) -> None:
    k = with_provider(kluis, provider)
    population(k, "whatsapp")
    draft = campaigns.create_campaign(k, MARKETING, WHATSAPP, NOW)
    assert draft.template is not None
    assert draft.template["name"] == "spring_offer"
    send(k, provider, draft.id, "whatsapp")
    forms = {r.form["To"]: r.form for r in provider.received}
    assert set(forms) == {f"whatsapp:{phone_of(2)}", f"whatsapp:{phone_of(6)}"}
    english = forms[f"whatsapp:{phone_of(2)}"]
    assert english["ContentSid"] == "HXen0001"
    assert forms[f"whatsapp:{phone_of(6)}"]["ContentSid"] == "HXnl0001"
    assert json.loads(english["ContentVariables"]) == {"1": "Fenna2", "2": "kaas halve prijs"}
    assert english["From"] == "whatsapp:+3197010000001"


def test_whatsapp_needs_a_template_and_sms_no_subject(kluis: Kluis) -> None:
    with pytest.raises(InvalidField, match="template"):
        campaigns.create_campaign(
            kluis, MARKETING, {k: v for k, v in WHATSAPP.items() if k != "whatsapp_template"}, NOW
        )
    with pytest.raises(InvalidField, match="subject"):
        campaigns.create_campaign(kluis, MARKETING, {**SMS, "subject_nl": "Lente"}, NOW)
    with pytest.raises(InvalidField, match="render"):
        campaigns.create_campaign(kluis, MARKETING, {**SMS, "body_nl": "Hoi {{ given_name"}, NOW)


def test_an_unknown_channel_is_refused_naming_the_five(kluis: Kluis) -> None:
    with pytest.raises(
        InvalidField, match="channel is not one of email, phone, sms, whatsapp, post"
    ):
        campaigns.create_campaign(kluis, MARKETING, {**SMS, "channel": "fax"}, NOW)


def test_without_a_provider_sending_is_refused(kluis: Kluis) -> None:
    draft = campaigns.create_campaign(kluis, MARKETING, SMS, NOW)
    with pytest.raises(texting.ChannelNotConfigured, match="KLUIS_SMS_URL"):
        campaigns.ready_to_send(kluis, MARKETING, draft.id, None, NOW)


def test_a_draft_is_edited_and_deleted(kluis: Kluis, provider: ProviderServer) -> None:
    k = with_provider(kluis, provider)
    draft = campaigns.create_campaign(k, MARKETING, SMS, NOW)
    changed = drafts.update_campaign(
        k, MARKETING, draft.id, {"body_nl": "Nieuw: {{ given_name }}", "name": "Lente 2"}, NOW
    )
    assert changed.body["nl"] == "Nieuw: {{ given_name }}"
    assert changed.name == "Lente 2"
    assert changed.body["en"] == SMS["body_en"]
    with pytest.raises(InvalidField):
        drafts.update_campaign(k, MARKETING, draft.id, {"channel": "email"}, NOW)
    with pytest.raises(PermissionDenied):
        drafts.delete_campaign(k, SALES, draft.id, NOW)
    drafts.delete_campaign(k, MARKETING, draft.id, NOW)
    assert campaigns.list_campaigns(k, MARKETING)[1] == 0
    sent = campaigns.create_campaign(k, MARKETING, SMS, NOW)
    send(k, provider, sent.id)
    with pytest.raises(Conflict):
        drafts.update_campaign(k, MARKETING, sent.id, {"name": "Later"}, NOW)
    with pytest.raises(Conflict):
        drafts.delete_campaign(k, MARKETING, sent.id, NOW)
