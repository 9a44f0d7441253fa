"""Working one call of a call list in a real browser: the list drawn from the campaign page,
the call opened (its ``tel:`` link and script), an outcome chosen with a button, and the list
showing it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser_helpers import Site, sign_in, work_for
from call_helpers import PHONE, phone_kluis
from conftest import MARKETING, NOW
from kluis.messaging import calls, campaigns
from text_helpers import phone_of, population


def test_work_one_call_with_an_outcome(page: Page, site: Site) -> None:
    k = phone_kluis(site.kluis)
    people = population(k, "phone")
    draft = campaigns.create_campaign(k, MARKETING, PHONE, NOW)
    sign_in(page)
    work_for(page, "E-mailmarketing")
    page.goto(f"{site.url}/app/campaigns/{draft.id}")
    page.get_by_role("button", name="Stel de bellijst op").click()
    expect(page.locator("#calls tbody tr")).to_have_count(2)

    call = {i.person_id: i for i in calls.call_list(k, MARKETING, draft.id).items}
    chosen = call[people["consenting"]]
    page.locator(f"#call-{chosen.id} a").click()
    expect(page.locator("#call-tel")).to_have_attribute("href", f"tel:{phone_of(2)}")
    expect(page.locator("#call-script")).to_contain_text("Good afternoon")
    page.get_by_role("button", name="Bereikt").click()

    expect(page.locator(f"#call-{chosen.id}")).to_have_attribute("data-outcome", "reached")
    expect(page.locator('#call-results [data-result="reached"]')).to_have_text("1")
    expect(page.locator('#call-results [data-result="called"]')).to_have_text("1")
