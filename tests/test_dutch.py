"""No English on a Dutch page: every public page, staff page and mail, rendered in Dutch through
the app with real data, may hold no English sentence and no raw code name (a field code such as
``email_address``, a purpose key, an ISO 8601 duration such as ``P2Y``, an ISO timestamp).

The check is deliberately plain: a short list of English words that Dutch never uses, and
regexes for code names. What is allowed although it looks like one is listed in `ALLOWED`."""

from __future__ import annotations

import re
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from conftest import ADMIN, NOW
from factories import EVERY_PAIR, add_person
from kluis.activities import rules as activities_rules
from kluis.activities import service as activities
from kluis.api import get_now
from kluis.app import create_app
from kluis.compliance import service as compliance
from kluis.connected import service as connected
from kluis.consent import catalogue
from kluis.contacts import custom_fields, flags, tags
from kluis.contacts.companies import create_company
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.messaging import campaigns, tokens
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer
from staff_helpers import choose, csrf_of, make_user, sign_in

ENGLISH = re.compile(
    r"\b(the|with|your|you|already|please|this|that|which|been|should|exists|person|number|"
    r"write|after|before|years?|months?|days|from|has|have|not|will|can|when|what|must|are|"
    r"there|than|could|would|only|these|those|were|our|its|for)\b",
    re.IGNORECASE,
)
"""English words that are not Dutch words too (``is``, ``of``, ``in`` and ``door`` are both)."""

CODE_NAMES = {
    "snake_case code name": re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b"),
    "ISO 8601 duration": re.compile(r"\bP(\d+[YMWD])+\b"),
    "ISO timestamp": re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"),
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "data category code": re.compile(r"\buser\.[a-z_.]+"),
}

ALLOWED = (
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"https?://\S+"),  # links
    re.compile(r"\{\{ \w+ \}\}"),  # the placeholders staff may type into a campaign
    re.compile(r"ISO 8601-duur, zoals P\w+ of P\w+"),  # the format a retention field takes
    re.compile(r"My organisation"),  # the organisation's name in the tests' settings
    re.compile(r"\bmsg_[\w-]{24}"),  # a notice's reference (Standard Webhooks' message id)
    re.compile(r"Global Privacy Control|Sec-GPC|Kluis|htmx|English|JSON|CSV|vCard|WhatsApp|SMS"),
)
"""Brand and format names, addresses and links: legitimate in any language."""

TAXONOMY = re.compile(r"\b(user|essential|marketing|functional)\.[a-z_.]+|\bsecure_delete\b")
"""fideslang data categories and uses, and SQLite's ``secure_delete`` setting: the record of
processing (Art. 30) names them so an auditor can match them; only that page may show them."""


SPRING = {
    "name": "Lente",
    "topic": "offers",
    "subject_en": "Spring offer",
    "body_en": "Hello {{ given_name }},\n\nAll cheese half price.",
    "subject_nl": "Lenteaanbieding",
    "body_nl": "Hallo {{ given_name }},\n\nAlle kaas halve prijs.",
}
"""A campaign written in both languages; the English is what an English reader gets."""

NOTICE_NL = "Ja, stuur mij e-mail over de onderwerpen die ik aanvink. Afmelden kan altijd."
NOTICE_EN = "Yes, send me e-mail about the topics I tick. I can unsubscribe at any time."


SKIPPED = ("script", "style", "code", "textarea")
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
)


class _Text(HTMLParser):
    """The text a reader sees: no tags, scripts or styles; ``<code>`` holds identifiers staff
    type (keys shown as such) and ``<textarea>`` a value being edited, which are not sentences.

    Text marked ``lang="en"`` is kept between ``[lang=en]`` and ``[/lang]`` so that
    :func:`problems` reports it: Kluis's own wording on a Dutch page is Dutch. Only text that
    also says ``translate="no"`` is left out: someone's own words in their language (a notice's
    wording, a campaign's English text, a purpose's English name), a language's own name, a
    taxonomy's names."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._english: list[tuple[str, bool]] = []
        """The open elements marked ``lang="en"`` and those inside them, each with whether it
        is someone's own words (``translate="no"``)."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
        if tag in VOID:  # never closed, and holds no text (an English <input> of a campaign)
            return
        if self._english:
            self._english.append((tag, self._english[-1][1]))
        elif ("lang", "en") in attrs:
            self._english.append((tag, ("translate", "no") in attrs))
            self.parts.append(" [lang=en] ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
        if any(open_tag == tag for open_tag, _own in self._english):
            # an element left open inside (a <p> closed by its parent) closes with it
            while self._english.pop()[0] != tag:
                pass
            if not self._english:
                self.parts.append(" [/lang] ")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if not self._english or not self._english[-1][1]:
            self.parts.append(data)


def visible(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


ENGLISH_FRAGMENT = re.compile(r"\[lang=en\]\s*(.*?)\s*\[/lang\]")
"""Text a page marks as English (``lang="en"``) without marking it as someone's own words."""


def problems(text: str) -> list[str]:
    found = [
        f'lang="en" fragment {m.group(1)!r}' for m in ENGLISH_FRAGMENT.finditer(text) if m.group(1)
    ]
    text = ENGLISH_FRAGMENT.sub(" ", text)
    for allowed in ALLOWED:
        text = allowed.sub(" ", text)
    found += [f"English {m.group(0)!r} in …{_around(text, m)}…" for m in ENGLISH.finditer(text)]
    for what, pattern in CODE_NAMES.items():
        found += [f"{what} {m.group(0)!r} in …{_around(text, m)}…" for m in pattern.finditer(text)]
    return found


def _around(text: str, match: re.Match[str]) -> str:
    return text[max(0, match.start() - 50) : match.end() + 50]


class Seen:
    """Everything rendered in Dutch, by name, checked together at the end."""

    def __init__(self, kluis: Kluis) -> None:
        self.texts: dict[str, str] = {}

    def page(self, name: str, response: Any, status: int = 200) -> str:
        assert response.status_code == status, (name, response.status_code, response.text)
        assert response.headers["content-type"].startswith("text/html"), name
        page: str = response.text
        assert '<html lang="nl"' in page, f"{name} is not a Dutch page"
        text = visible(page)
        if name == "/app/compliance/record":
            text = TAXONOMY.sub(" ", text)
        self.texts[name] = text
        return page

    def mail(self, name: str, message: EmailMessage) -> str:
        text = _part(message, "plain")
        self.texts[f"mail {name}"] = " ".join(f"{message['Subject']} {text}".split())
        if message.get_body(preferencelist=("html",)) is not None:  # a plain-text-only mail
            self.texts[f"mail {name} (html)"] = visible(_part(message, "html"))
        for part in message.iter_attachments():
            if part.get_content_type() == "text/html":
                self.texts[f"mail {name}, {part.get_filename()}"] = visible(
                    str(part.get_content())  # type: ignore[attr-defined]
                )
        return text

    def document(self, name: str, page: str) -> None:
        self.texts[name] = TAXONOMY.sub(" ", visible(page))

    def check(self) -> None:
        report = {name: problems(text) for name, text in self.texts.items()}
        bad = {name: found for name, found in report.items() if found}
        assert not bad, "\n".join(
            f"{name}:\n  " + "\n  ".join(found[:4]) for name, found in bad.items()
        )


def _part(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def _link(text: str, path: str) -> str:
    found = re.search(rf"https?://\S+/{path}/\S+", text)
    assert found is not None, text
    url = urlsplit(found.group(0))
    return f"{url.path}?{url.query}" if url.query else url.path


def client_of(kluis: Kluis, smtp: MailServer) -> TestClient:
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: NOW
    url = smtp.url
    app.state.transport_factory = lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)
    return TestClient(app, follow_redirects=False, headers={"Accept-Language": "nl"})


def _link_token(kluis: Kluis, use: str, person_id: str, topic: str | None = None) -> str:
    channel = "email" if topic else None
    return tokens.sign(kluis.vault.signing_key, tokens.LinkToken(use, person_id, channel, topic))


def test_the_checker_fails_on_text_marked_english_and_on_iso_dates() -> None:
    """What the checker itself must catch, without a page: Kluis's wording marked ``lang="en"``
    (the English detail a finding or an import job once showed), an ISO date; and what it must
    let through: someone's own words marked ``translate="no"``, an English ``<input>``."""
    page = (
        '<p>Gestart <input lang="en" value="Spring offer"> 3 dec 2026</p>'
        '<p class="muted" lang="en">purpose invoicing has no valid retention</p>'
        '<blockquote lang="en" translate="no">Yes, send me e-mail about the topics.</blockquote>'
        "<p>Deadline 2026-04-14</p>"
    )
    found = problems(visible(page))
    assert found[0] == "lang=\"en\" fragment 'purpose invoicing has no valid retention'"
    assert any(f.startswith("ISO date '2026-04-14'") for f in found)
    assert len(found) == 2, found


def test_every_public_page_and_its_mails_are_dutch(kluis: Kluis, smtp: MailServer) -> None:
    seen = Seen(kluis)
    client = client_of(kluis, smtp)
    nl = catalogue.add_notice(kluis, ADMIN, "nl", NOTICE_NL, NOW, covers=EVERY_PAIR).id
    catalogue.add_notice(kluis, ADMIN, "en", NOTICE_EN, NOW, covers=EVERY_PAIR)

    seen.page("sign-up", client.get("/signup?lang=nl"))
    form = {
        "email": "noor.visser@example.com",
        "given_name": "Noor",
        "family_name": "Visser",
        "language": "nl",
        "topic": ["offers", "newsletter"],
        "notice-offers": str(nl),
        "notice-newsletter": str(nl),
    }
    seen.page("sign-up errors", client.post("/signup?lang=nl", data={"email": "x"}), 422)
    seen.page("sign-up sent", client.post("/signup?lang=nl", data=form))
    confirm = seen.mail("sign-up confirmation", smtp.received[-1])
    path = _link(confirm, "confirm")
    seen.page("confirm", client.get(path))
    seen.page("confirmed", client.post(path))

    person = add_person(kluis, ADMIN, NOW, 7, language="nl")
    seen.page(
        "preferences", client.get(f"/preferences/{_link_token(kluis, 'preferences', person)}")
    )
    unsubscribe = f"/unsubscribe/{_link_token(kluis, 'unsubscribe', person, 'offers')}"
    seen.page("unsubscribe", client.get(unsubscribe))
    seen.page("unsubscribed", client.post(unsubscribe))
    seen.page("bad link", client.get("/preferences/nonsense"), 400)
    seen.page("privacy notice", client.get("/privacy-notice?lang=nl"))

    seen.page("privacy form", client.get("/privacy?lang=nl"))
    seen.page("privacy errors", client.post("/privacy?lang=nl", data={"email": "x"}), 422)
    asked = {"email": "fenna.brouwersma7@example.com", "type": "access"}
    seen.page("privacy sent", client.post("/privacy?lang=nl", data=asked))
    verify = seen.mail("privacy verification", smtp.received[-1])
    path = _link(verify, "privacy/confirm")
    seen.page("privacy confirm", client.get(path))
    seen.page("privacy confirmed", client.post(path))
    unknown = {"email": "niemand@example.com", "type": "erasure"}
    client.post("/privacy?lang=nl", data=unknown)
    seen.mail("nothing held", smtp.received[-1])
    seen.check()


STAFF_PAGES = (
    "/app/sign-in",
    "/app/contacts",
    "/app/contacts?owner=mine&sort=-name&inactive=0&relationship=customer",
    "/app/contacts?sort=name&purpose=age_verification",
    "/app/contacts/new",
    "/app/contacts/new?purpose=customer_service",
    "/app/contacts/{person}",
    "/app/contacts/{person}/edit",
    "/app/contacts/{person}/erase",
    "/app/contacts/{person}/consent",
    "/app/companies",
    "/app/companies?owner=none",
    "/app/companies/new",
    "/app/campaigns",
    "/app/campaigns/new",
    "/app/campaigns/new?channel=sms",
    "/app/campaigns/new?channel=whatsapp",
    "/app/campaigns/new?channel=post",
    "/app/campaigns/{letter}",
    "/app/campaigns/new?channel=phone",
    "/app/campaigns/{campaign}/edit",
    "/app/requests",
    "/app/password",
    "/app/compliance",
    "/app/compliance/record",
    "/app/compliance/breaches",
    "/app/compliance/purposes",
    "/app/compliance/audit",
    "/app/compliance/purposes/customer_service",
    "/app/requests/{request}",
    "/app/companies/{company}",
    "/app/campaigns/{campaign}",
    "/app/campaigns/{campaign}?person={person}",
    "/app/profile/phone",
    "/app/compliance/breaches/{breach}",
    "/app/contacts/{person}/activities/new",
    "/app/companies/{company}/activities",
    "/app/activities/{activity}",
    "/app/admin/users",
    "/app/admin/notices",
    "/app/admin/imports",
    "/app/",
    "/app/tasks",
    "/app/tasks/new",
    "/app/tasks/new?person_id={person}",
    "/app/tasks/{task}",
    "/app/compliance/systems",
    "/app/admin/tags",
    "/app/contacts?tag=beurs",
    "/app/admin/tags/beurs/edit",
    "/app/admin/fields",
    "/app/admin/fields/lid/edit",
    "/app/admin/fields/lid/remove",
    "/app/contacts/new?purpose=customer_service&purpose=sales_follow_up",
)


def test_every_staff_page_and_its_errors_are_dutch(kluis: Kluis, smtp: MailServer) -> None:
    seen = Seen(kluis)
    person = add_person(kluis, ADMIN, NOW, 3, language="nl")
    client = client_of(kluis, smtp)
    csrf = sign_in(client, make_user(kluis, "admin"))
    choose(client, csrf, "customer_service")
    from api_helpers import client_for

    api = client_for(kluis, "privacy_officer", now=NOW)
    made = api.post("/api/v1/requests", json={"type": "access", "person_id": person})
    assert made.status_code == 201, made.text
    company = create_company(kluis, ADMIN, {"name": "Bakkerij Visser"}, NOW).id
    tags.create_tag(kluis, ADMIN, "beurs", "Beurs", "Trade fair", NOW)
    tags.tag_people(kluis, ADMIN, [person], "beurs", "customer_service", NOW)
    _custom_fields(kluis, person)
    campaign = campaigns.create_campaign(kluis, ADMIN, SPRING, NOW).id
    letter = campaigns.create_campaign(kluis, ADMIN, {**SPRING, "channel": "post"}, NOW).id
    breach = compliance.add_breach(
        kluis,
        ADMIN,
        compliance.NewBreach(
            detected_at=NOW,
            nature="Een laptop is gestolen.",
            categories=["user.contact.email"],
            consequences="Adressen kunnen bekend zijn.",
            measures_taken="De laptop is op afstand gewist.",
            purposes=["customer_service"],
        ),
        NOW,
    ).id
    activity = activities.log(
        kluis,
        ADMIN,
        person,
        "customer_service",
        activities_rules.Draft(type="call", subject="Terugbelverzoek", company_id=company),
        NOW,
    )
    task = api.post(
        "/api/v1/tasks",
        json={
            "title": "Bel Fenna terug over de factuur",
            "due_on": "2026-03-13",
            "person_id": person,
            "purpose": "customer_service",
            "assignee": "admin@example.com",
        },
    )
    assert task.status_code == 201, task.text
    ids = {
        "request": made.json()["id"],
        "company": company,
        "campaign": campaign,
        "letter": letter,
        "activity": activity,
        "task": task.json()["id"],
    }
    # a connected system with a manual step, so the request page shows its notice
    connected.add_system(
        kluis,
        ADMIN,
        NOW,
        name="Papieren archief",
        kind="recipient",
        reach="manual",
        purposes=["customer_service"],
    )
    flags.set_flag(kluis, ADMIN, person, "objection", True, "letter", NOW)
    for path in STAFF_PAGES:
        seen.page(path, client.get(path.format(person=person, breach=breach, **ids)))
    started = client.post(f"/app/campaigns/{letter}/post/csv", data={"csrf": csrf})
    assert started.status_code == 303, started.text
    seen.page("/app/post-files/{id}", client.get(started.headers["location"]))
    page = client.get("/app/contacts/new?purpose=customer_service").text
    bad = {
        "csrf": csrf_of(page),
        "purposes": "customer_service",
        "relationship": "customer",
        "language": "nl",
        "given_name": "Sanne",
        "email": "sanne@example.com",
        "phone": "12",
    }
    seen.page("new person, bad phone", client.post("/app/contacts/new", data=bad), 422)
    empty = {"csrf": csrf, "type": "call", "subject": " ", "duration": "5"}
    seen.page(
        "activity, no subject", client.post(f"/app/contacts/{person}/activities", data=empty), 422
    )
    taken = bad | {"phone": "+31 6 12345678", "email": "fenna.brouwersma3@example.com"}
    seen.page("new person, address taken", client.post("/app/contacts/new", data=taken), 409)
    for what, change in [
        ("bad e-mail", {"email": "sanne@"}),
        ("name too long", {"given_name": "S" * 500}),
        ("invisible characters", {"given_name": "San\u200bne"}),
    ]:
        refused = client.post("/app/contacts/new", data=bad | {"phone": ""} | change)
        seen.page(f"new person, {what}", refused, 422)
    _admin_pages(client, csrf, seen)
    _custom_refusals(client, csrf, seen, person)
    no_day = {"csrf": csrf, "title": "Offerte sturen", "due_on": "", "priority": "normal"}
    seen.page("new task, no day", client.post("/app/tasks/new", data=no_day), 422)
    seen.check()


def _custom_fields(kluis: Kluis, person: str) -> None:
    """A field the working purpose covers (filled in) and one it does not, so the person's
    panel shows a value, the edit form and the count of fields it leaves out."""
    lid = CustomField(
        "lid",
        "Membership",
        "Lidmaatschap",
        CustomKind.CHOICE,
        "user.contact.address",
        True,
        (Choice("goud", "Gold", "Goud"),),
    )
    custom_fields.declare(kluis, ADMIN, lid, NOW)
    size = CustomField("maat", "Size", "Maat", CustomKind.NUMBER, "user.demographic.profile")
    custom_fields.declare(kluis, ADMIN, size, NOW)
    custom_fields.set_values(kluis, ADMIN, person, "customer_service", {"lid": "goud"}, NOW)


def _custom_refusals(client: TestClient, csrf: str, seen: Seen, person: str) -> None:
    """The custom-field pages' refusals: a special category without its Art. 9(2) condition,
    a taken key, a value of the wrong type, a search on a field that is not searchable."""
    health = {
        "csrf": csrf,
        "key": "dieet",
        "label_nl": "Dieet",
        "label_en": "Diet",
        "kind": "text",
        "category": "user.health_and_medical",
    }
    seen.page("custom field, no Art. 9(2)", client.post("/app/admin/fields", data=health), 422)
    taken = health | {"key": "lid", "category": "user.contact.address"}
    seen.page("custom field, key taken", client.post("/app/admin/fields", data=taken), 409)
    bad = {"csrf": csrf, "custom.lid": "platina"}
    seen.page("custom value refused", client.post(f"/app/contacts/{person}/custom", data=bad), 422)
    found = {"csrf": csrf, "field": "lid", "value": "goud"}
    seen.page("custom field search", client.post("/app/contacts/by-field", data=found))


def _admin_pages(client: TestClient, csrf: str, seen: Seen) -> None:
    """The admin's pages of users and imports, past their forms."""
    made = client.post(
        "/app/admin/users", data={"csrf": csrf, "email": "nieuw@example.com", "role": "sales"}
    )
    seen.page("new staff user", made, 201)
    last = client.post(
        "/app/admin/users", data={"csrf": csrf, "email": "nieuw@example.com", "role": "sales"}
    )
    seen.page("staff user taken", last, 409)
    upload = client.post(
        "/app/admin/imports",
        data={"csrf": csrf, "purposes": ["customer_service"]},
        files={"file": ("a.csv", b"Voornaam,E-mail,Kleur\nEva,eva.kok@example.com,rood\n")},
    )
    review = upload.headers["location"]
    seen.page("import review, refused", client.get(review))
    client.post(f"{review}/mapping", data={"csrf": csrf, "map:Kleur": "ignore"})
    seen.page("import review", client.get(review))
    job = client.post(f"{review}/run", data={"csrf": csrf}).headers["location"]
    seen.page("import job", client.get(job))


def test_every_request_mail_is_dutch(kluis: Kluis, smtp: MailServer) -> None:
    """The answers to privacy requests a Dutch person gets: the copy of their data, the
    erasure certificate, an extension and a refusal."""
    from api_helpers import client_for

    seen = Seen(kluis)
    staff = client_for(kluis, "privacy_officer", now=NOW)
    url = smtp.url
    staff.app.state.transport_factory = lambda: SmtpTransport(  # type: ignore[attr-defined]
        parse_smtp_url(url), sleep=lambda _s: None
    )

    def verified(kind: str, person: str) -> int:
        made = staff.post("/api/v1/requests", json={"type": kind, "person_id": person})
        assert made.status_code == 201, made.text
        number: int = made.json()["id"]
        staff.post(f"/api/v1/requests/{number}/verify", json={"verified_by": "known_address"})
        return number

    for n, kind in enumerate(("access", "portability", "erasure"), start=1):
        person = add_person(kluis, ADMIN, NOW, n, language="nl")
        done = staff.post(f"/api/v1/requests/{verified(kind, person)}/process", json={})
        assert done.status_code == 200, done.text
    kept = add_person(kluis, ADMIN, NOW, 4, language="nl", purposes=("customer_service",))
    extended = verified("access", kept)
    staff.post(f"/api/v1/requests/{extended}/extend", json={"reason": "Veel gegevens."})
    refused = staff.post(
        f"/api/v1/requests/{verified('rectification', kept)}/refuse",
        json={"reason": "Niet nodig."},
    )
    assert refused.status_code == 200, refused.text
    for message in smtp.received:
        seen.mail(str(message["Subject"]), message)
    assert len(seen.texts) >= 8
    seen.check()


def test_reconfirmation_the_access_package_and_the_compliance_documents_are_dutch(
    kluis: Kluis, smtp: MailServer
) -> None:
    from datetime import timedelta

    from api_helpers import client_for
    from kluis.consent import ledger as consent
    from kluis.retention import service as retention

    seen = Seen(kluis)
    url = smtp.url

    def transport() -> SmtpTransport:
        return SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)

    notice = catalogue.add_notice(kluis, ADMIN, "nl", NOTICE_NL, NOW, covers=EVERY_PAIR).id
    person = add_person(
        kluis, ADMIN, NOW, 5, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    consent.record(
        kluis,
        ADMIN,
        person,
        "email",
        "offers",
        "granted",
        NOW,
        consent.Grant(method="web_form", notice_id=notice),
    )
    made = campaigns.create_campaign(kluis, ADMIN, SPRING, NOW)
    campaigns.send_campaign(kluis, ADMIN, made.id, lambda: NOW, transport, sleep=lambda _s: None)
    assert smtp.received[-1]["Subject"] == "Lenteaanbieding"
    seen.mail("campaign", smtp.received[-1])
    ask = NOW + timedelta(days=2 * 365 - 20)
    report = retention.send_reconfirmations(kluis, ask, transport=transport)
    assert report.asked == 1
    text = seen.mail("reconfirm", smtp.received[-1])
    client = client_of(kluis, smtp)
    client.app.dependency_overrides[get_now] = lambda: ask  # type: ignore[attr-defined]
    path = _link(text, "reconfirm")
    seen.page("reconfirm", client.get(path))
    seen.page("reconfirmed", client.post(path))

    staff = client_for(kluis, "privacy_officer", now=NOW)
    staff.app.state.transport_factory = transport  # type: ignore[attr-defined]
    made = staff.post("/api/v1/requests", json={"type": "access", "person_id": person})
    number = made.json()["id"]
    staff.post(f"/api/v1/requests/{number}/verify", json={"verified_by": "known_address"})
    done = staff.post(f"/api/v1/requests/{number}/process", json={})
    assert done.status_code == 200, done.text
    seen.mail("access package", smtp.received[-1])
    record = staff.get("/api/v1/ropa", params={"format": "html", "lang": "nl"})
    assert record.status_code == 200, record.text
    seen.document("record of processing", record.text)
    seen.check()
