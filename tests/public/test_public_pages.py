"""The public pages, through the app and a real SMTP server (aiosmtpd): unsubscribe (one-click
from the received header), preferences (ticks, withdrawals, grants with evidence, Sec-GPC), sign-up
with double opt-in, bad links, languages and escaping."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

import ports
from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person as add_person
from factories import grant_consent
from kluis import locale
from kluis.api import get_now
from kluis.app import create_app
from kluis.consent import catalogue, decisions
from kluis.consent import ledger as consent
from kluis.consent.catalogue import DEFAULT_TOPICS
from kluis.consent.grant_rules import every
from kluis.consent.rules import Channel
from kluis.contacts import erasure
from kluis.contacts import people as contacts
from kluis.locale.formats import say_duration
from kluis.messaging import campaigns, tokens
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.public import i18n
from kluis.public.signups import purge_signups
from kluis.public.tables import Signup
from kluis.purposes.service import change_purpose
from kluis.runtime import Kluis
from mailserver import MailServer

AGENT = "Mozilla/5.0 (X11; Linux x86_64) KluisTest/1.0"
NOTICE_NL = "Ja, stuur mij e-mail over de onderwerpen die ik aanvink. Afmelden kan altijd."
NOTICE_EN = "Yes, send me e-mail about the topics I tick. I can unsubscribe at any time."


def make_client(kluis: Kluis, smtp: MailServer | None = None, now: Any = NOW) -> TestClient:
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: now
    if smtp is not None:
        url = smtp.url
        app.state.transport_factory = lambda: SmtpTransport(
            parse_smtp_url(url), sleep=lambda _s: None
        )
    return TestClient(app, headers={"User-Agent": AGENT})


@pytest.fixture
def client(kluis: Kluis, smtp: MailServer) -> TestClient:
    return make_client(kluis, smtp)


class Form(HTMLParser):
    """The inputs, buttons and forms of a page, as (tag, attributes)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "button", "form"):
            self.elements.append((tag, dict(attrs)))

    def checkboxes(self, name: str) -> dict[str, dict[str, str | None]]:
        return {
            str(a.get("value")): a
            for tag, a in self.elements
            if tag == "input" and a.get("type") == "checkbox" and a.get("name") == name
        }

    def disabled(self) -> list[str]:
        return [
            str(a.get("id"))
            for tag, a in self.elements
            if tag == "input" and a.get("type") == "checkbox" and "disabled" in a
        ]

    def value(self, name: str) -> str | None:
        for tag, a in self.elements:
            if tag == "input" and a.get("name") == name:
                return a.get("value")
        return None

    def forms(self) -> list[dict[str, str | None]]:
        return [a for tag, a in self.elements if tag == "form"]


def assert_page(response: Any, status: int, *texts: str) -> str:
    """An HTML page (never JSON, never a trace) with ``status`` saying each of ``texts``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in response.headers
    page: str = response.text
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert "Traceback" not in page
    for text in texts:
        assert text in page, f"{text!r} is not on the page"
    return page


EVERY_PAIR = every([c.value for c in Channel], [key for key, _en, _nl in DEFAULT_TOPICS])


def add_notices(kluis: Kluis) -> tuple[int, int]:
    """A Dutch and an English notice, each asking for every channel and topic."""
    nl = catalogue.add_notice(kluis, ADMIN, "nl", NOTICE_NL, NOW, covers=EVERY_PAIR).id
    en = catalogue.add_notice(kluis, ADMIN, "en", NOTICE_EN, NOW, covers=EVERY_PAIR).id
    return nl, en


def allowed(kluis: Kluis, person_id: str, topic: str, at: Any = NOW) -> tuple[bool, str]:
    decision = decisions.decide(kluis, MARKETING, person_id, "email", "commercial", topic, at)
    return decision.allowed, decision.reason.value


def events(kluis: Kluis, person_id: str) -> list[tuple[Any, ...]]:
    return [
        (e.action, e.channel, e.topic, e.method, e.notice_id, e.captured_by, e.source_ip)
        for e in consent.ledger(kluis, ADMIN, person_id, "privacy_requests", NOW).events
    ]


def sign(kluis: Kluis, use: str, person_id: str, topic: str | None = None) -> str:
    channel = "email" if topic else None
    return tokens.sign(kluis.vault.signing_key, tokens.LinkToken(use, person_id, channel, topic))


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def confirm_path(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+/confirm/\S+", text_part(message))
    assert found is not None, text_part(message)
    url = urlsplit(found.group(0))
    return f"{url.path}?{url.query}"


def signups_count(kluis: Kluis) -> int:
    with kluis.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Signup)).scalar_one())


def people_with(kluis: Kluis, address: str) -> list[contacts.PersonView]:
    return contacts.search_people(kluis, ADMIN, "privacy_requests", NOW, text=address).items


# Unsubscribe ------------------------------------------------------------------------------------

SPRING = {
    "name": "Spring",
    "topic": "offers",
    "subject_en": "Spring offer",
    "body_en": "Hello {{ given_name }},\n\nAll cheese half price.",
    "subject_nl": "Lenteaanbieding",
    "body_nl": "Hallo {{ given_name }},\n\nAlle kaas halve prijs.",
}


def test_one_click_from_the_received_header_withdraws_and_the_next_campaign_skips(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    nl, _en = add_notices(kluis)
    fan = add_person(kluis, ADMIN, NOW, 1, relationship="prospect")
    other = add_person(kluis, ADMIN, NOW, 2, relationship="prospect")
    grant_consent(kluis, fan, "email", "offers", nl, method="paper_form")
    grant_consent(kluis, other, "email", "offers", nl, method="paper_form")

    def transport() -> SmtpTransport:
        return SmtpTransport(parse_smtp_url(smtp.url), sleep=lambda _s: None)

    first = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    campaigns.send_campaign(
        kluis, MARKETING, first.id, lambda: NOW, transport, sleep=lambda _s: None
    )
    mail = next(m for m in smtp.received if m["To"] == "fenna.brouwersma1@example.com")
    url = str(mail["List-Unsubscribe"]).split(",")[0].strip().strip("<>")
    path = urlsplit(url).path
    assert path.startswith("/unsubscribe/")

    # A link scanner (or the person) opening the link changes nothing.
    before = events(kluis, fan)
    page = assert_page(client.get(path), 200, "Afmelden", "Aanbiedingen", "e-mail")
    form = Form(page)
    assert form.value("List-Unsubscribe") == "One-Click"
    assert [f.get("method") for f in form.forms()] == ["post"]
    assert events(kluis, fan) == before
    assert allowed(kluis, fan, "offers") == (True, "consent")

    # The RFC 8058 one-click POST: no cookie, no CSRF token, no redirect.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"}, follow_redirects=False)
    assert_page(response, 200, "Je bent afgemeld", "Aanbiedingen")
    assert "location" not in response.headers
    assert events(kluis, fan)[-1] == (
        "withdrawn",
        "email",
        "offers",
        "unsubscribe_link",
        None,
        "person",
        None,
    )
    assert allowed(kluis, fan, "offers") == (False, "withdrawn")
    assert allowed(kluis, other, "offers") == (True, "consent")

    smtp.received.clear()
    later = NOW + timedelta(hours=1)
    second = campaigns.create_campaign(kluis, MARKETING, SPRING | {"name": "Summer"}, later)
    campaigns.send_campaign(
        kluis, MARKETING, second.id, lambda: later, transport, sleep=lambda _s: None
    )
    assert [str(m["To"]) for m in smtp.received] == ["fenna.brouwersma2@example.com"]


def test_unsubscribe_button_and_a_post_without_the_one_click_body(
    kluis: Kluis, client: TestClient
) -> None:
    nl, _en = add_notices(kluis)
    person = add_person(kluis, ADMIN, NOW, 1, relationship="prospect", language="en")
    grant_consent(kluis, person, "email", "newsletter", nl, method="paper_form")
    path = f"/unsubscribe/{sign(kluis, 'unsubscribe', person, 'newsletter')}"
    # The person's language wins over the browser's.
    page = assert_page(
        client.get(path, headers={"Accept-Language": "nl"}), 200, 'lang="en"', "Newsletter"
    )
    assert "Nieuwsbrief" not in page
    assert_page(client.post(path, data={}), 200, "Nothing changes until you press the button.")
    assert allowed(kluis, person, "newsletter") == (True, "consent")
    assert_page(client.post(path, data={"List-Unsubscribe": "One-Click"}), 200, "unsubscribed")
    assert allowed(kluis, person, "newsletter") == (False, "withdrawn")
    # Unsubscribing twice records nothing new.
    client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert [e[0] for e in events(kluis, person)] == ["granted", "withdrawn"]


# Bad links --------------------------------------------------------------------------------------


def test_tampered_misused_expired_and_orphaned_links_give_a_clear_page(
    kluis: Kluis, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = add_person(kluis, ADMIN, NOW, 1)
    token = sign(kluis, "unsubscribe", person, "offers")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for method in ("get", "post"):
        response = getattr(client, method)(f"/unsubscribe/{tampered}")
        assert_page(response, 400, "Deze link werkt niet", "veranderd of afgebroken")
    assert_page(
        client.get(f"/preferences/{tampered}", headers={"Accept-Language": "en-GB,en;q=0.8"}),
        400,
        "This link does not work",
        "changed or cut off",
    )
    # A preferences link is no unsubscribe link (each use has its own salt), nor a confirmation.
    preferences_token = sign(kluis, "preferences", person)
    assert_page(client.post(f"/unsubscribe/{preferences_token}"), 400, "Deze link werkt niet")
    assert_page(client.get(f"/confirm/{preferences_token}?lang=en"), 400, "changed or cut off")
    assert_page(client.post(f"/confirm/{token}"), 400, "Deze link werkt niet")

    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda _self: int(time.time()) - 91 * 86400)
        old = sign(kluis, "unsubscribe", person, "offers")
    assert_page(client.get(f"/unsubscribe/{old}"), 410, "Deze link is verlopen")
    assert_page(client.post(f"/unsubscribe/{old}", data={"List-Unsubscribe": "One-Click"}), 410)
    assert events(kluis, person) == []

    erasure.erase_person(kluis, ADMIN, person, NOW)
    assert_page(client.get(f"/unsubscribe/{token}"), 410, "niet meer bij ons geregistreerd")
    assert_page(
        client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}),
        410,
        "niet meer bij ons geregistreerd",
    )
    assert_page(client.get(f"/preferences/{preferences_token}"), 410, "niet meer")


def test_an_unexpected_failure_gives_a_page_not_json(
    kluis: Kluis, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = add_person(kluis, ADMIN, NOW, 1, language="en")

    def broken(*_args: Any) -> None:
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("kluis.public.preferences.load", broken)
    page = assert_page(
        client.get(f"/preferences/{sign(kluis, 'preferences', person)}?lang=en"),
        500,
        "Something went wrong",
    )
    assert "fell over" not in page


# Preferences ------------------------------------------------------------------------------------


def test_preferences_show_the_state_and_untick_withdraws_and_tick_grants(
    kluis: Kluis, client: TestClient
) -> None:
    nl, en = add_notices(kluis)
    person = add_person(kluis, ADMIN, NOW, 1, relationship="prospect")
    grant_consent(kluis, person, "email", "offers", nl, method="paper_form")
    grant_consent(kluis, person, "email", "newsletter", nl, method="paper_form")
    consent.record(kluis, MARKETING, person, "email", "newsletter", "withdrawn", NOW)
    path = f"/preferences/{sign(kluis, 'preferences', person)}"

    page = assert_page(client.get(path), 200, "Je voorkeuren", NOTICE_NL, "Nooit gegeven")
    form = Form(page)
    boxes = form.checkboxes("consent")
    assert len(boxes) == 5 * 4
    assert {value for value, a in boxes.items() if "checked" in a} == {"email.offers"}
    assert form.disabled() == []
    assert form.value("notice-email.offers") == str(nl)
    assert form.value("notice-sms.promotions") == str(nl)
    assert "Ingetrokken op 14 maart 2026" in page
    assert NOTICE_EN not in page

    response = client.post(
        path,
        data={
            "shown": ["", "email.offers"],
            "consent": ["email.product_info", "sms.promotions"],
            "notice-email.product_info": str(nl),
            "notice-sms.promotions": str(nl),
            "action": "save",
        },
    )
    page = assert_page(response, 200, "Je keuzes zijn opgeslagen.", "Ingetrokken voor:")
    after = Form(page).checkboxes("consent")
    assert {v for v, a in after.items() if "checked" in a} == {
        "email.product_info",
        "sms.promotions",
    }
    ledger = events(kluis, person)[3:]
    assert sorted(ledger) == sorted(
        [
            ("withdrawn", "email", "offers", "preference_centre", None, "person", None),
            ("granted", "email", "product_info", "web_form", nl, "person", "testclient"),
            ("granted", "sms", "promotions", "web_form", nl, "person", "testclient"),
        ]
    )
    agents = {
        e.user_agent
        for e in consent.ledger(kluis, ADMIN, person, "privacy_requests", NOW).events[3:]
    }
    assert agents == {None, AGENT}
    assert allowed(kluis, person, "offers") == (False, "withdrawn")
    assert allowed(kluis, person, "product_info") == (True, "consent")

    # A notice in another language than the page's is not what the page showed: no grant.
    client.post(
        path,
        data={"shown": "", "consent": ["email.newsletter"], "notice-email.newsletter": str(en)},
    )
    assert allowed(kluis, person, "newsletter") == (False, "withdrawn")
    assert len(events(kluis, person)) == 6


def test_without_a_notice_in_the_persons_language_boxes_can_only_be_unticked(
    kluis: Kluis, client: TestClient
) -> None:
    en = catalogue.add_notice(kluis, ADMIN, "en", NOTICE_EN, NOW, covers=EVERY_PAIR).id
    person = add_person(kluis, ADMIN, NOW, 1, relationship="prospect")
    grant_consent(kluis, person, "email", "offers", en, method="paper_form")
    path = f"/preferences/{sign(kluis, 'preferences', person)}"
    page = assert_page(client.get(path), 200, "Nieuwe toestemming geven kan hier")
    form = Form(page)
    assert list(form.checkboxes("consent")) == ["email.offers"]
    assert len(form.disabled()) == 5 * 4 - 1
    assert form.value("notice-email.offers") is None
    client.post(
        path,
        data={
            "shown": ["", "email.offers"],
            "consent": ["email.offers", "email.newsletter"],
            "notice-email.newsletter": str(en),
        },
    )
    assert [e[0] for e in events(kluis, person)] == ["granted"]
    client.post(path, data={"shown": ["", "email.offers"]})
    assert [e[0] for e in events(kluis, person)] == ["granted", "withdrawn"]


OFFERS_NL = "Ja, stuur mij per e-mail aanbiedingen en de nieuwsbrief."
SMS_NL = "Ja, stuur mij per sms speciale acties."
WHATSAPP_EN = "Yes, send me special promotions on WhatsApp."


def add_specific_notices(kluis: Kluis) -> tuple[int, int, int, int]:
    """Notices that each ask for a few pairs only, the way a business words them; an older
    Dutch e-mail wording is superseded by a newer one for offers only."""
    old = catalogue.add_notice(
        kluis, ADMIN, "nl", "Ja, e-mail mij aanbiedingen.", NOW, covers=[("email", "offers")]
    ).id
    email = catalogue.add_notice(
        kluis,
        ADMIN,
        "nl",
        OFFERS_NL,
        NOW,
        covers=[("email", "offers"), ("email", "newsletter")],
    ).id
    sms = catalogue.add_notice(kluis, ADMIN, "nl", SMS_NL, NOW, covers=[("sms", "promotions")]).id
    whatsapp = catalogue.add_notice(
        kluis, ADMIN, "en", WHATSAPP_EN, NOW, covers=[("whatsapp", "promotions")]
    ).id
    return old, email, sms, whatsapp


def test_each_preference_box_shows_and_records_the_wording_for_its_channel_and_topic(
    kluis: Kluis, client: TestClient
) -> None:
    """Art. 7(1): the wording next to a box is the one its grant cites; a box no wording asks
    for in the page's language is not offered, and a notice posted for another box is ignored."""
    old, email, sms, _whatsapp = add_specific_notices(kluis)
    person = add_person(kluis, ADMIN, NOW, 1, relationship="prospect")
    path = f"/preferences/{sign(kluis, 'preferences', person)}"

    page = assert_page(client.get(path), 200, OFFERS_NL, SMS_NL)
    assert WHATSAPP_EN not in page
    assert "Ja, e-mail mij aanbiedingen." not in page
    form = Form(page)
    offered = {"email.offers", "email.newsletter", "sms.promotions"}
    assert set(form.checkboxes("consent")) == offered
    assert len(form.disabled()) == 5 * 4 - 3
    assert {name: form.value(f"notice-{name}") for name in offered} == {
        "email.offers": str(email),
        "email.newsletter": str(email),
        "sms.promotions": str(sms),
    }
    assert page.count(OFFERS_NL) == 2
    assert page.index(OFFERS_NL) < page.index('value="email.offers"')

    # The page's own form: each grant cites its box's notice.
    client.post(
        path,
        data={
            "shown": "",
            "consent": ["email.offers", "sms.promotions"],
            "notice-email.offers": str(email),
            "notice-sms.promotions": str(sms),
        },
    )
    assert sorted((e[1], e[2], e[4]) for e in events(kluis, person)) == [
        ("email", "offers", email),
        ("sms", "promotions", sms),
    ]

    # A forged form: a wording cited for a box it does not ask for grants nothing; an older
    # wording that does ask for the box is still what the page may have shown.
    client.post(
        path,
        data={
            "shown": ["", "email.offers", "sms.promotions"],
            "consent": ["email.offers", "sms.promotions", "whatsapp.promotions", "sms.offers"],
            "notice-whatsapp.promotions": str(email),
            "notice-sms.offers": str(sms),
        },
    )
    client.post(
        path,
        data={
            "shown": ["", "email.offers", "sms.promotions"],
            "consent": ["email.offers", "sms.promotions", "email.newsletter"],
            "notice-email.newsletter": str(old),
        },
    )
    assert len(events(kluis, person)) == 2
    client.post(path, data={"shown": ["", "email.offers"], "consent": []})
    client.post(
        path,
        data={"shown": "", "consent": ["email.offers"], "notice-email.offers": str(old)},
    )
    assert [e[:5] for e in events(kluis, person)[2:]] == [
        ("withdrawn", "email", "offers", "preference_centre", None),
        ("granted", "email", "offers", "web_form", old),
    ]


def test_a_sec_gpc_submit_records_an_objection(kluis: Kluis, client: TestClient) -> None:
    add_notices(kluis)
    customer = add_person(kluis, ADMIN, NOW, 1, relationship="customer", language="en")
    path = f"/preferences/{sign(kluis, 'preferences', customer)}"
    assert allowed(kluis, customer, "offers") == (True, "soft_opt_in")
    assert_page(client.get(path, headers={"Sec-GPC": "1"}), 200, "Global Privacy Control")
    assert "Global Privacy Control" not in client.get(path).text

    # Without the header a save records no objection; with it, it does.
    client.post(path, data={"shown": ""})
    assert consent.ledger(kluis, ADMIN, customer, "privacy_requests", NOW).flags == []
    response = client.post(path, data={"shown": ""}, headers={"Sec-GPC": "1"})
    assert_page(response, 200, "Global Privacy Control signal as an objection")
    flags = consent.ledger(kluis, ADMIN, customer, "privacy_requests", NOW).flags
    assert [(f.flag, f.active, f.method, f.captured_by) for f in flags] == [
        ("objection", True, "web_form", "person")
    ]
    assert allowed(kluis, customer, "offers") == (False, "objected")
    assert_page(client.get(path), 200, "You objected to direct marketing")


def test_stop_all_marketing_and_the_customers_opt_out_per_topic(
    kluis: Kluis, client: TestClient
) -> None:
    add_notices(kluis)
    customer = add_person(kluis, ADMIN, NOW, 1, relationship="customer")
    path = f"/preferences/{sign(kluis, 'preferences', customer)}"
    page = assert_page(client.get(path), 200, "Stop alle marketing", "als klant")
    stops = Form(page).checkboxes("stop")
    assert set(stops) == {
        f"email.{t}" for t in ("product_info", "offers", "promotions", "newsletter")
    }

    client.post(path, data={"shown": "", "stop": ["email.offers"]})
    assert allowed(kluis, customer, "offers") == (False, "withdrawn")
    assert allowed(kluis, customer, "newsletter") == (True, "soft_opt_in")
    assert events(kluis, customer)[-1][:4] == ("withdrawn", "email", "offers", "preference_centre")

    response = client.post(path, data={"action": "object"})
    page = assert_page(response, 200, "Je bezwaar tegen alle direct marketing is vastgelegd")
    assert "Stop alle marketing" not in page
    assert allowed(kluis, customer, "newsletter") == (False, "objected")
    flags = consent.ledger(kluis, ADMIN, customer, "privacy_requests", NOW).flags
    assert [(f.flag, f.method, f.captured_by) for f in flags] == [
        ("objection", "web_form", "person")
    ]


# Sign-up ----------------------------------------------------------------------------------------


def signup_data(kluis: Kluis, address: str, language: str = "en", **extra: Any) -> dict[str, Any]:
    notice = next(n.id for n in reversed(catalogue.list_notices(kluis)) if n.language == language)
    return {
        "email": address,
        "given_name": "Noor",
        "family_name": "Visser",
        "language": language,
        "topic": ["offers", "newsletter"],
        "notice-offers": str(notice),
        "notice-newsletter": str(notice),
    } | extra


def test_signup_with_double_opt_in(kluis: Kluis, smtp: MailServer, client: TestClient) -> None:
    _nl, en = add_notices(kluis)
    page = assert_page(
        client.get("/signup?lang=en"),
        200,
        "Sign up",
        NOTICE_EN,
        "As long as your consent lasts, and 30 days after you withdraw it.",
    )
    boxes = Form(page).checkboxes("topic")
    assert set(boxes) == {"product_info", "offers", "promotions", "newsletter"}
    assert not any("checked" in a for a in boxes.values())

    address = "noor.visser@example.com"
    response = client.post("/signup?lang=en", data=signup_data(kluis, address))
    assert_page(response, 200, "Check your mailbox")
    assert people_with(kluis, address) == []
    assert signups_count(kluis) == 1
    with kluis.engine.connect() as conn:
        row = conn.execute(select(Signup)).one()
    assert b"noor" not in row.sealed.lower()
    assert b"testclient" not in row.sealed

    [mail] = smtp.received
    assert mail["To"] == address
    assert mail["Subject"] == "Please confirm your sign-up with My organisation"
    assert mail["Content-Language"] == "en"
    assert "service@localhost" in str(mail["From"])
    assert mail["List-Unsubscribe"] is None
    assert "Dear Noor," in text_part(mail)
    path = confirm_path(mail)

    # Opening the link (a scanner may) grants nothing.
    page = assert_page(client.get(path), 200, "Confirm your sign-up", "Offers", "Newsletter")
    assert [f.get("method") for f in Form(page).forms()] == ["post"]
    assert "Promotions" not in page
    assert people_with(kluis, address) == []

    assert_page(client.post(path), 200, "Sign-up confirmed")
    [person] = people_with(kluis, address)
    assert (person.relationship, person.language, person.purposes) == (
        "prospect",
        "en",
        ("email_marketing",),
    )
    assert (person.fields["given_name"], person.fields["family_name"]) == ("Noor", "Visser")
    ledger = consent.ledger(kluis, ADMIN, person.id, "privacy_requests", NOW).events
    assert sorted(
        (e.action, e.topic, e.method, e.notice_id, e.captured_by, e.source_ip, e.user_agent)
        for e in ledger
    ) == [
        ("granted", "newsletter", "double_opt_in", en, "person", "testclient", AGENT),
        ("granted", "offers", "double_opt_in", en, "person", "testclient", AGENT),
    ]
    assert allowed(kluis, person.id, "offers") == (True, "consent")
    assert allowed(kluis, person.id, "promotions") == (False, "no_consent")
    assert signups_count(kluis) == 0

    # The link works once.
    assert_page(client.post(path), 410, "already used")
    assert_page(client.get(path), 410, "already used")
    assert len(consent.ledger(kluis, ADMIN, person.id, "privacy_requests", NOW).events) == 2


def test_the_signup_offers_only_topics_with_a_wording_and_each_grant_cites_its_own(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    """The sign-up asks for e-mail: each topic box shows the newest Dutch wording asking for
    e-mail about that topic, topics without one are not offered, and the confirmed grants
    cite each topic's own wording (Art. 7(1))."""
    _old, email, sms, _whatsapp = add_specific_notices(kluis)
    newsletter_only = catalogue.add_notice(
        kluis, ADMIN, "nl", "Ja, stuur mij de nieuwsbrief.", NOW, covers=[("email", "newsletter")]
    ).id
    page = assert_page(client.get("/signup"), 200, OFFERS_NL, "Ja, stuur mij de nieuwsbrief.")
    assert SMS_NL not in page
    form = Form(page)
    assert set(form.checkboxes("topic")) == {"offers", "newsletter"}
    assert (form.value("notice-offers"), form.value("notice-newsletter")) == (
        str(email),
        str(newsletter_only),
    )
    assert_page(client.get("/signup?lang=en"), 503, "Signing up is not possible at the moment")

    # A notice posted for a topic it does not ask e-mail about is refused, nothing is sent.
    forged = signup_data(
        kluis,
        "noor@example.com",
        "nl",
        topic=["offers", "promotions"],
        **{"notice-offers": str(email), "notice-promotions": str(sms)},
    )
    assert_page(client.post("/signup", data=forged), 422, "De tekst waarmee je instemt")
    assert smtp.received == []

    data = signup_data(
        kluis,
        "noor@example.com",
        "nl",
        **{"notice-offers": str(email), "notice-newsletter": str(newsletter_only)},
    )
    assert_page(client.post("/signup", data=data), 200, "Kijk in je mailbox")
    [mail] = smtp.received
    assert_page(client.post(confirm_path(mail)), 200, "Aanmelding bevestigd")
    [person] = people_with(kluis, "noor@example.com")
    assert sorted((e[2], e[3], e[4]) for e in events(kluis, person.id)) == [
        ("newsletter", "double_opt_in", newsletter_only),
        ("offers", "double_opt_in", email),
    ]


def test_known_and_unknown_addresses_get_the_same_page(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    add_notices(kluis)
    known = add_person(kluis, ADMIN, NOW, 1, relationship="customer")
    pages = [
        client.post("/signup", data=signup_data(kluis, address, "nl")).text
        for address in ("fenna.brouwersma1@example.com", "nieuw@example.com")
    ]
    assert pages[0] == pages[1]
    assert "Kijk in je mailbox" in pages[0]
    assert sorted(str(m["To"]) for m in smtp.received) == [
        "fenna.brouwersma1@example.com",
        "nieuw@example.com",
    ]
    mail = next(m for m in smtp.received if m["To"] == "fenna.brouwersma1@example.com")
    assert mail["Content-Language"] == "nl"
    assert_page(client.post(confirm_path(mail)), 200, "Aanmelding bevestigd")
    assert [p.id for p in people_with(kluis, "fenna.brouwersma1@example.com")] == [known]
    assert {e[2] for e in events(kluis, known)} == {"offers", "newsletter"}
    assert allowed(kluis, known, "offers") == (True, "consent")


def test_signup_errors_are_shown_by_the_field_in_the_page_language_and_escaped(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    add_notices(kluis)
    bad = signup_data(
        kluis, "not-an-address", "nl", given_name="<script>alert(1)</script>", topic=[]
    )
    page = assert_page(
        client.post("/signup?lang=nl", data=bad),
        422,
        "Dit is geen geldig e-mailadres.",
        "Kies minstens één onderwerp.",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    )
    assert "<script>" not in page
    assert 'aria-describedby="email-error"' in page
    assert "given_name-error" not in page
    english = client.post("/signup?lang=en", data=signup_data(kluis, "", "en", topic=["offers"]))
    assert_page(english, 422, "Enter your e-mail address.")
    assert "Choose at least one topic." not in english.text
    assert smtp.received == []
    assert signups_count(kluis) == 0

    # A name with markup goes through, escaped in the e-mail's HTML and on the pages.
    client.post("/signup?lang=en", data=signup_data(kluis, "x@example.com", given_name="<b>X</b>"))
    [mail] = smtp.received
    assert "&lt;b&gt;X&lt;/b&gt;" in html_part(mail)
    assert "<b>X</b>" not in html_part(mail)
    assert "Dear <b>X</b>," in text_part(mail)
    catalogue.change_topic(kluis, ADMIN, "offers", {"name_en": "<i>Offers</i>"}, NOW)
    page = assert_page(client.get(confirm_path(mail)), 200, "&lt;i&gt;Offers&lt;/i&gt;")
    assert "<i>" not in page


def test_a_notice_changed_since_the_form_was_shown_is_not_agreed_to(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    nl, _en = add_notices(kluis)
    data = signup_data(kluis, "a@example.com", "nl") | {"notice-offers": "999"}
    assert_page(client.post("/signup?lang=nl", data=data), 422, "De tekst waarmee je instemt")
    data["notice-offers"] = str(nl)
    assert_page(client.post("/signup?lang=en", data=data), 422, "has changed in the meantime")
    assert smtp.received == []


def test_unconfirmed_signups_grant_nothing_and_are_deleted(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    add_notices(kluis)
    client.post("/signup?lang=nl", data=signup_data(kluis, "a@example.com", "nl"))
    client.post("/signup?lang=nl", data=signup_data(kluis, "b@example.com", "nl"))
    first, second = (confirm_path(m) for m in smtp.received)
    assert purge_signups(kluis, NOW + timedelta(hours=71)) == 0
    late = make_client(kluis, smtp, NOW + timedelta(hours=72, minutes=1))
    assert_page(late.post(second), 410, "Deze link is verlopen")
    assert purge_signups(kluis, NOW + timedelta(hours=73)) == 1
    assert signups_count(kluis) == 0
    assert_page(client.post(first), 410, "al gebruikt of verlopen")
    assert people_with(kluis, "a@example.com") == []
    assert people_with(kluis, "b@example.com") == []


def test_when_the_mail_cannot_be_sent_the_signup_is_dropped(kluis: Kluis) -> None:
    add_notices(kluis)
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: NOW
    # a port held and not listening refuses the connection; a mail server's port, closed, could
    # meanwhile be another test's server (tests/ports.py)
    with ports.reserved() as port:
        app.state.transport_factory = lambda: SmtpTransport(
            parse_smtp_url(f"smtp://127.0.0.1:{port}?timeout=2"), retries=0
        )
        response = TestClient(app).post(
            "/signup?lang=en", data=signup_data(kluis, "a@example.com", "en")
        )
    assert_page(response, 503, "We could not send the confirmation e-mail")
    assert signups_count(kluis) == 0


def test_the_signup_page_language_and_retention(kluis: Kluis, client: TestClient) -> None:
    add_notices(kluis)
    cases = [
        ({}, "", "nl"),
        ({"Accept-Language": "de-DE, en-GB;q=0.8, nl;q=0.5"}, "", "en"),
        ({"Accept-Language": "en;q=0.2, nl-BE"}, "", "nl"),
        ({"Accept-Language": "nl"}, "?lang=en", "en"),
    ]
    for headers, query, expected in cases:
        page = client.get(f"/signup{query}", headers=headers).text
        assert f'<html lang="{expected}">' in page, (headers, query)
    change_purpose(kluis.engine, ADMIN, "email_marketing", {"retention": "P2Y"}, NOW)
    assert "en daarna nog 2 jaar nadat je die intrekt" in client.get("/signup").text
    assert "and 2 years after you withdraw it" in client.get("/signup?lang=en").text


def test_signup_is_closed_without_a_notice_in_the_page_language(
    kluis: Kluis, client: TestClient
) -> None:
    catalogue.add_notice(kluis, ADMIN, "en", NOTICE_EN, NOW, covers=EVERY_PAIR)
    assert_page(client.get("/signup"), 503, "Aanmelden is op dit moment niet mogelijk")
    assert_page(client.get("/signup?lang=en"), 200, NOTICE_EN)


# Wording ----------------------------------------------------------------------------------------


def test_every_string_is_in_both_languages() -> None:
    assert set(i18n.STRINGS["nl"]) == set(i18n.STRINGS["en"])
    assert set(i18n.CHANNELS["nl"]) == set(i18n.CHANNELS["en"])
    for language in locale.LANGUAGES:
        assert all(text.strip() for text in i18n.STRINGS[language].values())
    different = [k for k in i18n.STRINGS["nl"] if i18n.STRINGS["nl"][k] != i18n.STRINGS["en"][k]]
    assert len(different) >= len(i18n.STRINGS["nl"]) - 2  # only the language names are shared


@pytest.mark.parametrize(
    ("iso", "nl", "en"),
    [
        ("P2Y", "2 jaar", "2 years"),
        ("P1Y", "1 jaar", "1 year"),
        ("P1Y6M", "1 jaar en 6 maanden", "1 year and 6 months"),
        ("P30D", "30 dagen", "30 days"),
        ("P2W", "14 dagen", "14 days"),
        ("P1Y1M1D", "1 jaar, 1 maand en 1 dag", "1 year, 1 month and 1 day"),
    ],
)
def test_durations_read_plainly(iso: str, nl: str, en: str) -> None:
    assert (say_duration(iso, "nl"), say_duration(iso, "en")) == (nl, en)


def test_accept_language() -> None:
    assert locale.from_accept_language("fr, en;q=0.1") == "en"
    assert locale.from_accept_language("en;q=0, nl;q=0.3") == "nl"
    assert locale.from_accept_language("fr, de") is None
    assert locale.from_accept_language("en-US;q=bad, nl") == "nl"
    assert locale.choose("en", "nl", "nl") == "en"
    assert locale.choose(None, "xx", None) == "nl"


def test_sign_ups_for_one_address_stop_mailing_after_five_an_hour(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    from kluis.ui.limits import PER_ADDRESS

    add_notices(kluis)
    data = signup_data(kluis, "same.address@example.com", "nl")
    pages = [client.post("/signup", data=data) for _ in range(PER_ADDRESS + 2)]
    assert {p.status_code for p in pages} == {200}
    assert len({p.text for p in pages}) == 1
    assert len(smtp.received) == PER_ADDRESS
