"""Tasks in a real browser: a task made for a colleague is on the colleague's home page after
they sign in, and they tick it off there without JavaScript doing anything special."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser_helpers import PASSWORD, Site, sign_in
from conftest import NOW
from kluis.actors import SYSTEM
from kluis.auth import service as auth


def test_a_task_for_a_colleague_is_on_their_home_page(page: Page, site: Site) -> None:
    auth.create_user(
        site.kluis.engine, SYSTEM, "joris@example.com", "sales", NOW, password=PASSWORD
    )
    sign_in(page, then=None)
    expect(page.get_by_role("heading", level=1)).to_have_text("Start")
    page.get_by_role("link", name="Nieuwe taak").first.click()
    page.get_by_label("Wat moet er gebeuren").fill("Beursstand voor maart bestellen")
    page.get_by_label("Uiterlijk op").fill(NOW.date().isoformat())
    page.get_by_label("Prioriteit").select_option(label="hoog")
    page.get_by_label("Voor", exact=True).select_option(label="joris@example.com (verkoop)")
    page.get_by_role("button", name="Taak opslaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn taken")
    expect(page.get_by_text("Beursstand voor maart bestellen")).to_have_count(0)
    page.get_by_role("button", name="Uitloggen").click()

    sign_in(page, "joris@example.com", then=None)
    expect(page.get_by_role("heading", level=1)).to_have_text("Start")
    section = page.locator('[data-section="tasks"]')
    expect(section.get_by_text("Beursstand voor maart bestellen")).to_be_visible()
    expect(section).to_contain_text("Vandaag: 1")
    section.get_by_role("button", name="Afvinken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start")
    expect(
        page.locator('[data-section="tasks"]').get_by_text("Beursstand voor maart bestellen")
    ).to_have_count(0)
