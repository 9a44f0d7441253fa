"""Before sending, in a real browser: the campaign page's preview with sample values and for a
person named by the address of their page, the test send to one's own address (through the
site's SMTP server), and the SMS compose form's length counter following the typing (the
script) and agreeing with the server's count."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser_helpers import ADMIN_EMAIL, Site, sign_in, work_for
from conftest import ADMIN, NOW
from factories import add_marketed_person
from kluis.messaging import campaigns, text_rules
from mailserver import MailServer

EMAIL = {
    "name": "Lente",
    "topic": "offers",
    "subject_nl": "Lente voor {{ given_name }}",
    "body_nl": "Hallo {{ given_name }},\n\nalle kaas halve prijs.",
}


def test_preview_for_a_person_and_send_a_test_to_oneself(
    page: Page, site: Site, smtp: MailServer
) -> None:
    k = site.kluis
    person = add_marketed_person(k, ADMIN, NOW, 7, relationship="customer")
    draft = campaigns.create_campaign(k, ADMIN, EMAIL, NOW)
    sign_in(page)
    work_for(page, "E-mailmarketing")
    page.goto(f"{site.url}/app/campaigns/{draft.id}")
    expect(page.locator("#preview-subject")).to_contain_text("Lente voor Fenna")
    expect(page.locator("#preview-for")).to_contain_text("voorbeeldwaarden")

    page.get_by_label("Voor de persoon").fill(f"{site.url}/app/contacts/{person}")
    page.get_by_role("button", name="Toon het voorbeeld").click()
    expect(page.locator("#preview-subject")).to_contain_text("Lente voor Fenna7")
    expect(page.locator("#preview-text")).to_contain_text("Hallo Fenna7")
    page.locator("#preview-html summary").click()
    expect(page.locator("#preview-html pre")).to_contain_text("<p>Hallo Fenna7")

    page.get_by_role("button", name="Stuur een proefbericht naar mijn e-mailadres").click()
    expect(page.locator("#test-sent")).to_be_visible()
    (mail,) = smtp.handler.received
    assert mail["To"] == ADMIN_EMAIL
    assert mail["Subject"] == "[TEST] Lente voor Fenna7"
    assert campaigns.get_campaign(k, draft.id).counts == {}


def test_the_sms_counter_follows_the_typing_and_agrees_with_the_server(
    page: Page, site: Site
) -> None:
    sign_in(page)
    page.goto(f"{site.url}/app/campaigns/new?channel=sms")
    area = page.get_by_label("Tekst in het Nederlands")
    counter = page.locator("#length-nl")
    area.fill("Hoi {{ given_name }}")
    opt_out = "\nAfmelden: STOP aan +3197010000000"
    plain = text_rules.measure("Hoi Fenna" + opt_out)
    expect(counter).to_have_text(
        f"GSM-7: {plain.units} tekens, 1 sms, {plain.remaining} over in de laatste"
    )
    area.fill("Hoi 😀 " + "x" * 60)
    wide = text_rules.measure("Hoi 😀 " + "x" * 60 + opt_out)
    assert wide.encoding == "ucs2"
    expect(counter).to_have_text(
        f"UCS-2: {wide.units} tekens, {wide.segments} sms, {wide.remaining} over in de laatste"
    )
    area.fill("Regel een\nRegel twee €")
    page.get_by_label("Naam van de campagne").fill("Sms")
    page.get_by_label("Onderwerp", exact=True).select_option(label="Aanbiedingen")
    typed = counter.inner_text()
    page.get_by_role("button", name="Opslaan en het publiek bekijken").click()
    page.get_by_role("link", name="Concept wijzigen").click()
    expect(page.locator("#length-nl")).to_have_text(typed)  # the server counts the same
