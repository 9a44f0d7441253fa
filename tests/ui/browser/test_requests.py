"""Answering privacy requests in a real browser, end to end: the queue, verifying the requester,
carrying the request out, and what reaches the person's mailbox (a real SMTP server). An access
request sends the copy with its attachments (Art. 15); an erasure request sends a copy first,
erases, and sends the certificate, after which the person's page is gone (410, Art. 17)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from browser_helpers import Site, sign_in, work_for
from conftest import ADMIN, NOW
from factories import add_person
from kluis.requests import service as requests
from mailserver import MailServer


def attachment_names(smtp: MailServer, index: int) -> list[str]:
    return sorted(str(part.get_filename()) for part in smtp.received[index].iter_attachments())


def open_request(page: Page, request_id: int) -> None:
    page.get_by_role("link", name="Privacyverzoeken").first.click()
    page.get_by_role("link", name=str(request_id), exact=True).click()
    expect(page).to_have_url(re.compile(f"/app/requests/{request_id}$"))


def test_answer_an_access_request(page: Page, site: Site, smtp: MailServer) -> None:
    person = add_person(site.kluis, ADMIN, NOW, 1)
    made = requests.create(site.kluis, ADMIN, "access", NOW, person_id=person, channel="email")
    sign_in(page)
    work_for(page, "Privacyverzoeken afhandelen")
    open_request(page, made.id)
    expect(page.locator("#request-status")).to_have_text("ontvangen")

    page.get_by_label("Hoe heeft de aanvrager aangetoond").select_option(label="identiteitsbewijs")
    page.get_by_role("button", name="1. Geverifieerd").click()
    expect(page.get_by_role("status")).to_have_text("Klaar.")
    page.get_by_role("button", name="2. Uitvoeren en afronden").click()

    expect(page.locator("#request-status")).to_have_text("afgerond")
    stem = f"request-{made.id}"
    expect(page.get_by_role("listitem").filter(has_text=f"{stem}.json")).to_be_visible()
    [mail] = smtp.received
    assert mail["To"] == "fenna.brouwersma1@example.com"
    assert str(made.id) in str(mail["Subject"])
    assert attachment_names(smtp, 0) == [f"{stem}.{e}" for e in ("csv", "html", "json")]


def test_answer_an_erasure_request(page: Page, site: Site, smtp: MailServer) -> None:
    person = add_person(site.kluis, ADMIN, NOW, 2)
    # asked by e-mail from the address on file: the copy and the certificate go by e-mail
    made = requests.create(
        site.kluis,
        ADMIN,
        "erasure",
        NOW,
        person_id=person,
        verified_by="known_address",
        channel="email",
    )
    sign_in(page)
    work_for(page, "Privacyverzoeken afhandelen")
    page.goto(f"/app/contacts/{person}")
    expect(page.locator('[data-field="email"]')).to_have_text("fenna.brouwersma2@example.com")
    open_request(page, made.id)
    expect(page.locator("#request-status")).to_have_text("geverifieerd")

    page.get_by_role("button", name="2. Uitvoeren en afronden").click()
    expect(page.locator("#request-status")).to_have_text("afgerond")
    expect(page.get_by_role("link", name=person)).to_have_count(0)
    copy, certificate = smtp.received
    assert copy["To"] == certificate["To"] == "fenna.brouwersma2@example.com"
    assert f"request-{made.id}.json" in attachment_names(smtp, 0)
    assert attachment_names(smtp, 1) == [f"erasure-certificate-{made.id}.json"]

    gone = page.goto(f"/app/contacts/{person}")
    assert gone is not None
    assert gone.status == 410
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "fenna" not in page.content().lower()
