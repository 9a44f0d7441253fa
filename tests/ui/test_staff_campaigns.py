"""The staff app's campaign pages through a TestClient, on SQLite and PostgreSQL, with a real SMTP
server: composing in Dutch and English, the audience preview with the people left out by reason,
sending in the background, results that refresh while sending, roles and CSRF."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person as add_person
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.contacts import flags
from kluis.messaging import campaigns
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer
from staff_helpers import signed_in

SPRING = {
    "name": "Lente",
    "channel": "email",
    "topic": "offers",
    "subject_nl": "Lenteaanbieding",
    "body_nl": "Hallo {{ given_name }},\n\nAlle kaas halve prijs.",
    "subject_en": "Spring offer",
    "body_en": "Hello {{ given_name }},\n\nAll cheese half price.",
}


def speak(client: TestClient, csrf: str, language: str) -> None:
    response = client.post("/app/language", data={"csrf": csrf, "language": language})
    assert response.status_code == 303, response.text


def marketer(kluis: Kluis, smtp: MailServer | None = None) -> tuple[TestClient, str]:
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    if smtp is not None:
        url = smtp.url
        client.app.state.transport_factory = lambda: SmtpTransport(  # type: ignore[attr-defined]
            parse_smtp_url(url), sleep=lambda _s: None
        )
    return client, csrf


def population(kluis: Kluis) -> None:
    """Two people the campaign may reach (a customer, a consent) and three it may not."""
    notice = catalogue.add_notice(
        kluis, ADMIN, "en", "Yes, send me offers by e-mail.", NOW, covers=[("email", "offers")]
    ).id
    add_person(kluis, ADMIN, NOW, 1, relationship="customer")
    consenting = add_person(kluis, ADMIN, NOW, 2, relationship="prospect", language="en")
    add_person(kluis, ADMIN, NOW, 3, relationship="prospect")
    unsubscribed = add_person(kluis, ADMIN, NOW, 4, relationship="customer")
    objector = add_person(kluis, ADMIN, NOW, 5, relationship="customer")
    consent.record(
        kluis,
        MARKETING,
        consenting,
        "email",
        "offers",
        "granted",
        NOW,
        consent.Grant(method="double_opt_in", notice_id=notice),
    )
    consent.record(kluis, MARKETING, unsubscribed, "email", "offers", "withdrawn", NOW)
    flags.set_flag(kluis, MARKETING, objector, "objection", True, "phone", NOW)


def compose(client: TestClient, csrf: str, **values: str) -> str:
    made = client.post("/app/campaigns/new", data={"csrf": csrf, **SPRING, **values})
    assert made.status_code == 303, made.text
    return str(made.headers["location"])


def reason_count(page: str, reason: str) -> int:
    found = re.search(
        rf'<tr data-reason="{reason}"><td>[^<]*</td><td class="number">(\d+)</td>', page
    )
    assert found, f"no row for {reason}"
    return int(found.group(1))


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", ("Campagnes", "Nieuwe campagne", "Publiek nu", "Berichten per status")),
        ("en", ("Campaigns", "New campaign", "Audience now", "Messages by status")),
    ],
)
def test_every_campaign_page_renders_in_the_language(
    kluis: Kluis, language: str, words: tuple[str, ...]
) -> None:
    client, csrf = marketer(kluis)
    speak(client, csrf, language)
    url = compose(client, csrf)
    for path, word in (
        ("/app/campaigns", words[0]),
        ("/app/campaigns/new", words[1]),
        (url, words[2]),
        (f"{url}/results", words[3]),
    ):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert f'<html lang="{language}">' in page.text
        assert word in page.text, path
    assert "Lente" in client.get("/app/campaigns").text


def test_compose_shows_both_languages_and_the_preview_counts_refusals_by_reason(
    kluis: Kluis,
) -> None:
    population(kluis)
    client, csrf = marketer(kluis)
    speak(client, csrf, "en")
    page = client.get(compose(client, csrf)).text
    assert "Lenteaanbieding" in page
    assert "Spring offer" in page
    assert "Hello {{ given_name }}," in page
    audience = re.search(r'<span class="count ok">(\d+)</span>', page)
    assert audience
    assert int(audience.group(1)) == 2
    assert reason_count(page, "no_consent") == 1
    assert reason_count(page, "withdrawn") == 1
    assert reason_count(page, "objected") == 1
    assert "The person objected to direct marketing" in page
    assert "Send to 2 people" in page


def test_a_send_reaches_the_mail_server_and_the_results_count_it(
    kluis: Kluis, smtp: MailServer
) -> None:
    population(kluis)
    client, csrf = marketer(kluis, smtp)
    url = compose(client, csrf)
    sent = client.post(f"{url}/send", data={"csrf": csrf})
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"{url}/results"
    assert sorted(str(m["To"]) for m in smtp.received) == [
        "fenna.brouwersma1@example.com",
        "fenna.brouwersma2@example.com",
    ]
    assert sorted(str(m["Subject"]) for m in smtp.received) == ["Lenteaanbieding", "Spring offer"]
    results = client.get(sent.headers["location"]).text
    assert 'http-equiv="refresh"' not in results
    assert re.search(r'<tr data-status="sent"><td>[^<]*</td><td class="number">2</td>', results)
    assert reason_count(results, "no_consent") == 1
    assert reason_count(results, "withdrawn") == 1
    assert reason_count(results, "objected") == 1
    again = client.post(f"{url}/send", data={"csrf": csrf})
    assert again.status_code == 409
    assert len(smtp.received) == 2


def test_the_results_refresh_while_sending(kluis: Kluis, smtp: MailServer) -> None:
    population(kluis)
    client, csrf = marketer(kluis)
    url = compose(client, csrf)
    campaign_id = int(url.rsplit("/", 1)[1])
    seen: list[str] = []

    def look(_done: int, _total: int) -> None:
        seen.append(client.get(f"{url}/results").text)

    campaigns.send_campaign(
        kluis,
        MARKETING,
        campaign_id,
        lambda: NOW,
        lambda: SmtpTransport(parse_smtp_url(smtp.url), sleep=lambda _s: None),
        batch=1,  # a page each: the results show the rows, marked a page at a time
        progress=look,
        sleep=lambda _s: None,
    )
    assert len(seen) == 2
    assert '<meta http-equiv="refresh" content="2">' in seen[0]
    assert '<progress id="progress" max="2" value="1">' in seen[0]
    assert 'http-equiv="refresh"' not in client.get(f"{url}/results").text


def test_a_missing_text_names_the_field(kluis: Kluis) -> None:
    client, csrf = marketer(kluis)
    speak(client, csrf, "en")
    refused = client.post(
        "/app/campaigns/new",
        data={"csrf": csrf, **SPRING, "body_en": ""},
    )
    assert refused.status_code == 422
    assert "Text in English:" in refused.text
    assert '<textarea id="body_en" name="body_en" rows="8" aria-invalid="true"' in refused.text
    assert 'value="Spring offer"' in refused.text
    assert campaigns.list_campaigns(kluis, MARKETING)[1] == 0


def test_a_text_that_does_not_render_is_refused_before_sending(kluis: Kluis) -> None:
    client, csrf = marketer(kluis)
    speak(client, csrf, "en")
    refused = client.post(
        "/app/campaigns/new",
        data={"csrf": csrf, **SPRING, "body_nl": "Hallo {{ voornaam }},"},
    )
    assert refused.status_code == 422
    assert "Text in Dutch:" in refused.text
    assert "voornaam" in refused.text
    assert campaigns.list_campaigns(kluis, MARKETING)[1] == 0


def test_forms_without_the_csrf_token_are_refused(kluis: Kluis, smtp: MailServer) -> None:
    population(kluis)
    client, csrf = marketer(kluis, smtp)
    assert client.post("/app/campaigns/new", data=SPRING).status_code == 403
    url = compose(client, csrf)
    assert client.post(f"{url}/send", data={}).status_code == 403
    assert client.post(f"{url}/send", data={"csrf": "forged"}).status_code == 403
    assert smtp.received == []
    assert campaigns.list_campaigns(kluis, MARKETING)[0][0].status == "draft"


@pytest.mark.parametrize("role", ["sales", "service"])
def test_roles_that_run_no_campaigns_get_the_refusal(kluis: Kluis, role: str) -> None:
    draft = campaigns.create_campaign(
        kluis, MARKETING, {k: v for k, v in SPRING.items() if k != "channel"}, NOW
    )
    client, csrf = signed_in(kluis, role)
    for path in ("/app/campaigns", "/app/campaigns/new", f"/app/campaigns/{draft.id}"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "may run campaigns" in page.text or "campagnes" in page.text
    assert client.post(f"/app/campaigns/{draft.id}/send", data={"csrf": csrf}).status_code == 403


def test_without_a_mail_server_sending_says_so(kluis: Kluis) -> None:
    population(kluis)
    client, csrf = marketer(kluis)
    url = compose(client, csrf)
    refused = client.post(f"{url}/send", data={"csrf": csrf})
    assert refused.status_code == 503
    assert campaigns.list_campaigns(kluis, MARKETING)[0][0].status == "draft"
