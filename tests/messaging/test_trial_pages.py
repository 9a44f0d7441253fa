"""The campaign page before sending, through the staff pages in Dutch (plain forms, no
JavaScript): the tag chosen when composing, the preview with sample values and for a chosen
person under the working purpose, the SMS length counted by the server in the compose form, the
staff member's number for tests, and the test send with its refusals. Both backends."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator

import pytest

from call_helpers import phone_kluis
from conftest import ADMIN, NOW
from factories import add_marketed_person
from kluis.contacts import tags
from kluis.messaging import campaigns
from kluis.runtime import Kluis
from mailserver import MailServer
from smsprovider import ProviderServer
from staff_helpers import signed_in
from test_dutch import Seen
from text_helpers import with_provider


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


def dutch(k: Kluis) -> tuple[object, str]:
    client, csrf = signed_in(k, "marketing", "email_marketing")
    assert client.post("/app/language", data={"csrf": csrf, "language": "nl"}).status_code == 303
    return client, csrf


def test_compose_with_a_tag_preview_and_test_an_email(kluis: Kluis, smtp: MailServer) -> None:
    k = dataclasses.replace(
        kluis, settings=kluis.settings.model_copy(update={"smtp_url": smtp.url})
    )
    tags.create_tag(k, ADMIN, "vip", "Vaste klant", "Regular", NOW)
    person = add_marketed_person(k, ADMIN, NOW, 7, relationship="customer")
    client, csrf = dutch(k)
    seen = Seen(k)
    form = seen.page("new", client.get("/app/campaigns/new"))
    assert 'name="tag"' in form
    assert "Vaste klant" in form
    made = client.post(
        "/app/campaigns/new",
        data={
            "csrf": csrf,
            "channel": "email",
            "name": "Lente",
            "topic": "offers",
            "tag": "vip",
            "subject_nl": "Lente voor {{ given_name }}",
            "body_nl": "Hallo {{ given_name }},\n\n<b>kaas</b> halve prijs.",
        },
    )
    assert made.status_code == 303, made.text
    campaign_id = int(made.headers["location"].rsplit("/", 1)[1])
    assert campaigns.get_campaign(k, campaign_id).tag == "vip"

    page = seen.page("campaign", client.get(f"/app/campaigns/{campaign_id}"))
    assert 'id="campaign-tag">Vaste klant<' in page
    assert "Lente voor Fenna" in page  # sample values: nobody's data is read
    assert "voorbeeldwaarden" in page
    edit = seen.page("edit", client.get(f"/app/campaigns/{campaign_id}/edit"))
    assert re.search(r'<option value="vip" selected>', edit)

    shown = seen.page(
        "preview",
        client.get(f"/app/campaigns/{campaign_id}", params={"person": f"/app/contacts/{person}"}),
    )
    assert "Lente voor Fenna7" in shown
    assert "&lt;b&gt;kaas&lt;/b&gt;" in shown  # the text is escaped, never markup on the page
    assert "&lt;p&gt;" in shown  # the HTML part is shown as its source
    assert "<b>kaas</b>" not in shown

    tested = client.post(
        f"/app/campaigns/{campaign_id}/test", data={"csrf": csrf, "person": person}
    )
    assert tested.status_code == 303, tested.text
    after = seen.page("tested", client.get(tested.headers["location"]))
    assert 'id="test-sent"' in after
    (mail,) = smtp.handler.received
    assert mail["To"] == "marketing@example.com"
    assert mail["Subject"] == "[TEST] Lente voor Fenna7"
    forged = client.post(f"/app/campaigns/{campaign_id}/test", data={"person": person})
    assert forged.status_code == 403
    seen.check()


def test_an_sms_is_counted_by_the_server_and_tested_on_ones_own_number(
    kluis: Kluis, provider: ProviderServer
) -> None:
    k = with_provider(kluis, provider, base_url=None)
    client, csrf = dutch(k)
    seen = Seen(k)
    made = client.post(
        "/app/campaigns/new",
        data={
            "csrf": csrf,
            "channel": "sms",
            "name": "Sms",
            "topic": "offers",
            "body_nl": "€" * 10,
        },
    )
    assert made.status_code == 303, made.text
    campaign_id = int(made.headers["location"].rsplit("/", 1)[1])
    edit = seen.page("edit", client.get(f"/app/campaigns/{campaign_id}/edit"))
    assert '<script src="/app/static/sms-length.js" defer></script>' in edit
    counted = re.search(r'<output id="length-nl"[^>]*>([^<]*)</output>', edit)
    assert counted is not None
    # ten euro signs (two septets each) and "\nAfmelden: STOP aan +3197010000001"
    assert html.unescape(counted.group(1)) == "GSM-7: 54 tekens, 1 sms, 106 over in de laatste"

    refused = client.post(f"/app/campaigns/{campaign_id}/test", data={"csrf": csrf})
    assert refused.status_code == 422
    assert "/app/profile/phone" in refused.text
    seen.page("phone", client.get("/app/profile/phone"))
    wrong = client.post("/app/profile/phone", data={"csrf": csrf, "phone": "geen nummer"})
    assert wrong.status_code == 422
    saved = client.post("/app/profile/phone", data={"csrf": csrf, "phone": "+31 6 12345678"})
    assert saved.status_code == 303
    assert "+31612345678" in client.get("/app/profile/phone").text
    tested = client.post(f"/app/campaigns/{campaign_id}/test", data={"csrf": csrf})
    assert tested.status_code == 303, tested.text
    (request,) = provider.received
    assert request.form["To"] == "+31612345678"
    assert request.form["Body"].startswith("[TEST]\n€€€")
    removed = client.post("/app/profile/phone", data={"csrf": csrf, "remove": "1"})
    assert removed.status_code == 303
    assert "+31612345678" not in client.get("/app/profile/phone").text
    seen.check()


def test_a_person_without_a_working_purpose_or_not_held_is_refused_in_the_section(
    kluis: Kluis,
) -> None:
    person = add_marketed_person(kluis, ADMIN, NOW, 9, relationship="customer")
    draft = campaigns.create_campaign(
        kluis,
        ADMIN,
        {"name": "x", "topic": "offers", "subject_nl": "Hoi", "body_nl": "Hoi {{ given_name }}"},
        NOW,
    )
    client, _csrf = signed_in(kluis, "marketing")
    page = client.get(f"/app/campaigns/{draft.id}", params={"person": person})
    assert page.status_code == 200
    assert 'id="preview-error"' in page.text
    assert "Fenna9" not in page.text
    unknown = client.get(
        f"/app/campaigns/{draft.id}",
        params={"person": "00000000-0000-7000-8000-000000000000"},
    )
    assert unknown.status_code == 200
    assert 'id="preview-error"' in unknown.text


def test_the_page_says_when_the_marketing_purposes_cannot_read_the_channels_address(
    kluis: Kluis,
) -> None:
    sms = {"channel": "sms", "name": "Sms", "topic": "offers", "body_nl": "Hoi"}
    post = {"channel": "post", "name": "Brief", "topic": "offers", "body_nl": "Beste"}
    texted = campaigns.create_campaign(kluis, ADMIN, sms, NOW)
    letter = campaigns.create_campaign(kluis, ADMIN, post, NOW)
    client, _csrf = signed_in(kluis, "marketing", "email_marketing")
    page = client.get(f"/app/campaigns/{texted.id}").text
    assert 'id="unreadable"' in page
    assert 'href="/app/compliance/purposes/email_marketing"' in page
    assert 'id="unreadable"' in client.get(f"/app/campaigns/{letter.id}").text
    phone_kluis(kluis)  # the marketing purposes may read phone numbers now
    assert 'id="unreadable"' not in client.get(f"/app/campaigns/{texted.id}").text
