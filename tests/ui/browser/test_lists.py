"""The people list in a real browser: filter by owner with the GET form, tick people and assign
them to a colleague in one bulk action, no JavaScript needed for either."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from browser_helpers import ADMIN_EMAIL, Site, sign_in, work_for
from conftest import NOW
from factories import add_person
from kluis.actors import SYSTEM, Actor, Role
from kluis.auth import service as auth

COLLEAGUE = "joris@example.com"


def test_filter_the_list_by_owner_and_assign_a_selection(page: Page, site: Site) -> None:
    admin = auth.find_user(site.kluis.engine, ADMIN_EMAIL)
    me = Actor(ref=f"user:{admin.id}", role=Role.ADMIN, user_id=admin.id)
    auth.create_user(site.kluis.engine, SYSTEM, COLLEAGUE, "sales", NOW)
    ids = [add_person(site.kluis, me, NOW, n) for n in range(1, 4)]
    sign_in(page)
    work_for(page, "Klantenservice")
    expect(page.locator("#result-count")).to_have_text("3 personen")

    page.get_by_label("Eigenaar", exact=True).first.select_option(label=COLLEAGUE)
    page.get_by_role("button", name="Tonen").click()
    expect(page).to_have_url(re.compile(r"/app/contacts\?owner=\d+"))
    expect(page.locator("#result-count")).to_have_text("0 personen")

    page.get_by_label("Eigenaar", exact=True).first.select_option(label="van mij")
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("#result-count")).to_have_text("3 personen")

    for person_id in ids[:2]:
        page.locator(f"#pick-{person_id}").check()
    page.locator("#bulk-owner").select_option(label=COLLEAGUE)
    page.get_by_role("button", name="Eigenaar toewijzen").click()
    expect(page).to_have_url(re.compile(r"/app/contacts\?owner=mine&"))
    expect(page.locator("#result-count")).to_have_text("1 persoon")

    page.get_by_label("Eigenaar", exact=True).first.select_option(label=COLLEAGUE)
    page.get_by_role("button", name="Tonen").click()
    expect(page.locator("#result-count")).to_have_text("2 personen")
    expect(page.locator("td[data-owner]")).to_have_text([COLLEAGUE, COLLEAGUE])
