"""Sending a campaign in a real browser: the audience preview counts who is left out and why,
the results page follows the sending, and only the people who may receive it get mail."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from browser_helpers import Site, sign_in, work_for
from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person as add_person
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.contacts import flags
from mailserver import MailServer


def population(site: Site) -> None:
    """A customer (soft opt-in) and a prospect with consent may receive it; a prospect without
    consent and a customer who objected may not."""
    k = site.kluis
    notice = catalogue.add_notice(
        k, ADMIN, "nl", "Ja, stuur mij aanbiedingen per e-mail.", NOW, covers=[("email", "offers")]
    )
    add_person(k, ADMIN, NOW, 1, relationship="customer")
    consenting = add_person(k, ADMIN, NOW, 2, relationship="prospect")
    add_person(k, ADMIN, NOW, 3, relationship="prospect")
    objector = add_person(k, ADMIN, NOW, 4, relationship="customer")
    grant = consent.Grant(method="double_opt_in", notice_id=notice.id)
    consent.record(k, MARKETING, consenting, "email", "offers", "granted", NOW, grant)
    flags.set_flag(k, MARKETING, objector, "objection", True, "phone", NOW)


def left_out(page: Page, reason: str) -> str:
    return page.locator(f'#refused tr[data-reason="{reason}"] td.number').inner_text()


def test_send_a_campaign_and_see_who_was_left_out(page: Page, site: Site, smtp: MailServer) -> None:
    population(site)
    sign_in(page)
    work_for(page, "E-mailmarketing")
    page.get_by_role("link", name="Campagnes").first.click()
    page.get_by_role("link", name="Nieuwe campagne").click()
    page.get_by_label("Naam van de campagne").fill("Lente")
    page.get_by_label("Onderwerp", exact=True).select_option(label="Aanbiedingen")
    page.get_by_label("Onderwerpregel in het Nederlands").fill("Lenteaanbieding")
    page.get_by_label("Tekst in het Nederlands").fill(
        "Hallo {{ given_name }}, alle kaas halve prijs."
    )
    page.get_by_label("Hoogstens zoveel berichten per minuut").fill("6000")
    page.get_by_role("button", name="Opslaan en het publiek bekijken").click()

    expect(page.locator("#audience .count.ok")).to_have_text("2")
    expect(page.locator("#refused tbody tr")).to_have_count(2)
    assert left_out(page, "no_consent") == "1"
    assert left_out(page, "objected") == "1"
    expect(page.locator('#refused tr[data-reason="objected"]')).to_contain_text("bezwaar gemaakt")

    page.get_by_role("button", name="Versturen naar 2 personen").click()
    expect(page).to_have_url(re.compile(r"/app/campaigns/\d+/results$"))
    # the page refreshes itself (a meta refresh, no script) until the sending is done
    expect(page.locator("#campaign-status")).to_have_text("verstuurd")
    expect(page.locator('#by-status tr[data-status="sent"] td.number')).to_have_text("2")
    assert left_out(page, "no_consent") == "1"
    assert left_out(page, "objected") == "1"
    expect(page.locator("#refused tfoot td.number")).to_have_text("2")
    assert sorted(str(m["To"]) for m in smtp.received) == [
        "fenna.brouwersma1@example.com",
        "fenna.brouwersma2@example.com",
    ]
    assert {str(m["Subject"]) for m in smtp.received} == {"Lenteaanbieding"}
