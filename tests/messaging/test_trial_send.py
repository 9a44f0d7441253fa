"""The test send to oneself on every channel that sends: rendered for a chosen person under a
purpose (or sample values), sent to the staff member's own address or number through a real
SMTP server and a real local provider server, marked as a test, never a message of the campaign,
audited without values; refused with a clear error without a provider, a mail server or a
number. Both backends."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from api_helpers import assert_problem, client_for
from conftest import ADMIN, NOW
from factories import add_marketed_person
from kluis.actors import Actor, Role
from kluis.audit import service as audit
from kluis.auth import service as auth
from kluis.errors import Conflict, InvalidField
from kluis.messaging import campaigns, results, trial_send
from kluis.messaging.service import MailNotConfigured
from kluis.messaging.tables import MessageRow
from kluis.messaging.texting import ChannelNotConfigured
from kluis.runtime import Kluis
from mailserver import MailServer
from smsprovider import ProviderServer
from text_helpers import with_provider

EMAIL = {
    "name": "Spring",
    "topic": "offers",
    "subject_nl": "Lente voor {{ given_name }}",
    "body_nl": "Hallo {{ given_name }} {{ family_name }},\n\nalle kaas halve prijs.",
    "subject_en": "Spring for {{ given_name }}",
    "body_en": "Hello {{ given_name }},\n\nall cheese half price.",
}
SMS = {
    "channel": "sms",
    "name": "Spring SMS",
    "topic": "offers",
    "body_nl": "Hoi {{ given_name }}!",
}
WHATSAPP = {
    "channel": "whatsapp",
    "name": "WA",
    "topic": "offers",
    "body_nl": "Hallo {{1}}, {{2}}",
    "whatsapp_template": {
        "name": "spring_offer",
        "content": {"nl": "HXnl0001"},
        "params": ["{{ given_name }}", "kaas halve prijs"],
    },
}


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


def staff(k: Kluis, email: str = "anna.marketing@example.com") -> Actor:
    user, _ = auth.create_user(k.engine, ADMIN, email, "marketing", NOW, password="x" * 16)
    return Actor(ref=f"user:{user.id}", role=Role.MARKETING, user_id=user.id)


def with_mail(k: Kluis, smtp: MailServer) -> Kluis:
    return dataclasses.replace(k, settings=k.settings.model_copy(update={"smtp_url": smtp.url}))


def messages(k: Kluis) -> int:
    with k.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(MessageRow)).scalar_one())


def test_an_email_test_goes_to_oneself_as_the_person_would_get_it(
    kluis: Kluis, smtp: MailServer
) -> None:
    k = with_mail(kluis, smtp)
    anna = staff(k)
    person = add_marketed_person(k, ADMIN, NOW, 7, relationship="customer")
    draft = campaigns.create_campaign(k, anna, EMAIL, NOW)

    sent = trial_send.send_test(k, anna, draft.id, person, "email_marketing", NOW)

    assert sent.to == "anna.marketing@example.com"
    (mail,) = smtp.handler.received
    assert mail["To"] == "anna.marketing@example.com"
    assert mail["Subject"] == "[TEST] Lente voor Fenna7"
    text = mail.get_body(("plain",))
    assert text is not None
    assert "Hallo Fenna7" in text.get_content()
    assert "/unsubscribe/preview" in text.get_content()  # a link that unsubscribes nobody
    html = mail.get_body(("html",))
    assert html is not None
    assert "Fenna7" in html.get_content()
    assert messages(k) == 0
    assert results.results(k, anna, draft.id).sent == 0
    (entry,) = audit.list_entries(k.engine, action="campaign.test_sent", limit=10)
    assert entry.person_id == person
    assert entry.actor == anna.ref
    assert entry.details == {"campaign_id": draft.id, "channel": "email", "user_id": anna.user_id}
    assert "Fenna" not in json.dumps(entry.details)
    reads = audit.list_entries(k.engine, person_id=person, action="person.read", limit=10)
    assert reads  # the person's names were read under the purpose, audited


def test_sample_values_when_no_person_is_chosen(kluis: Kluis, smtp: MailServer) -> None:
    k = with_mail(kluis, smtp)
    anna = staff(k)
    draft = campaigns.create_campaign(k, anna, EMAIL, NOW)
    sent = trial_send.send_test(k, anna, draft.id, None, None, NOW, language="en")
    assert sent.person_id is None
    (mail,) = smtp.handler.received
    assert mail["Subject"] == "[TEST] Spring for Fenna"
    (entry,) = audit.list_entries(k.engine, action="campaign.test_sent", limit=10)
    assert entry.person_id is None


def test_an_sms_test_goes_to_the_staff_number_marked_on_its_first_line(
    kluis: Kluis, provider: ProviderServer
) -> None:
    k = with_provider(kluis, provider)
    anna = staff(k)
    person = add_marketed_person(k, ADMIN, NOW, 8, relationship="customer")
    draft = campaigns.create_campaign(k, anna, SMS, NOW)
    with pytest.raises(InvalidField) as missing:
        trial_send.send_test(k, anna, draft.id, person, "email_marketing", NOW)
    assert "/app/profile/phone" in missing.value.detail
    assert provider.received == []

    assert trial_send.set_phone(k, anna, "06 12345678", NOW) == "+31612345678"
    trial_send.send_test(k, anna, draft.id, person, "email_marketing", NOW)

    (request,) = provider.received
    assert request.form["To"] == "+31612345678"
    assert request.form["Body"] == "[TEST]\nHoi Fenna8!\nAfmelden: STOP aan +3197010000001"
    assert "StatusCallback" not in request.form
    assert messages(k) == 0
    changed = audit.list_entries(k.engine, action="user.test_phone_changed", limit=10)
    assert [e.details for e in changed] == [{"user_id": anna.user_id, "removed": False}]
    assert "3161234" not in json.dumps([e.details for e in changed])


def test_the_staff_number_is_sealed_at_rest(kluis: Kluis) -> None:
    anna = staff(kluis)
    trial_send.set_phone(kluis, anna, "+31612345678", NOW)
    with kluis.engine.connect() as conn:
        (sealed,) = conn.execute(
            select(auth.User.test_phone_sealed).where(auth.User.id == anna.user_id)
        ).one()
    assert sealed is not None
    assert b"612345678" not in sealed
    assert trial_send.phone_of(kluis, anna) == "+31612345678"
    trial_send.set_phone(kluis, anna, None, NOW)
    assert trial_send.phone_of(kluis, anna) is None
    with pytest.raises(InvalidField):
        trial_send.set_phone(kluis, anna, "not a number", NOW)


def test_a_whatsapp_test_is_the_approved_template(kluis: Kluis, provider: ProviderServer) -> None:
    k = with_provider(kluis, provider)
    anna = staff(k)
    trial_send.set_phone(k, anna, "+31612345678", NOW)
    draft = campaigns.create_campaign(k, anna, WHATSAPP, NOW)
    trial_send.send_test(k, anna, draft.id, None, None, NOW)
    (request,) = provider.received
    assert request.form["To"] == "whatsapp:+31612345678"
    assert request.form["ContentSid"] == "HXnl0001"
    assert json.loads(request.form["ContentVariables"]) == {"1": "Fenna", "2": "kaas halve prijs"}


def test_refused_without_a_provider_or_a_mail_server(kluis: Kluis) -> None:
    anna = staff(kluis)
    trial_send.set_phone(kluis, anna, "+31612345678", NOW)
    sms = campaigns.create_campaign(kluis, anna, SMS, NOW)
    with pytest.raises(ChannelNotConfigured, match="KLUIS_SMS_URL"):
        trial_send.send_test(kluis, anna, sms.id, None, None, NOW)
    mail = campaigns.create_campaign(kluis, anna, EMAIL, NOW)
    with pytest.raises(MailNotConfigured, match="KLUIS_SMTP_URL"):
        trial_send.send_test(kluis, anna, mail.id, None, None, NOW)
    phone = campaigns.create_campaign(
        kluis,
        anna,
        {"channel": "phone", "name": "Bel", "topic": "offers", "body_nl": "Goedendag"},
        NOW,
    )
    with pytest.raises(Conflict):
        trial_send.send_test(kluis, anna, phone.id, None, None, NOW)
    assert audit.list_entries(kluis.engine, action="campaign.test_sent", limit=10) == []


def test_the_api_sends_a_test_and_refuses_without_a_number(
    kluis: Kluis, smtp: MailServer, provider: ProviderServer
) -> None:
    k = with_provider(with_mail(kluis, smtp), provider)
    person = add_marketed_person(k, ADMIN, NOW, 7, relationship="customer")
    client = client_for(k, "marketing")
    mail = campaigns.create_campaign(k, ADMIN, EMAIL, NOW)
    sent = client.post(
        f"/api/v1/campaigns/{mail.id}/test",
        params={"person_id": person, "purpose": "email_marketing"},
    )
    assert sent.status_code == 200, sent.text
    assert sent.json() == {
        "campaign_id": mail.id,
        "channel": "email",
        "person_id": person,
        "language": "nl",
        "to": "marketing@example.com",
    }
    assert smtp.handler.received[0]["Subject"] == "[TEST] Lente voor Fenna7"
    sms = campaigns.create_campaign(k, ADMIN, SMS, NOW)
    assert_problem(client.post(f"/api/v1/campaigns/{sms.id}/test"), 422)
    assert provider.received == []
