"""Tags in a real browser: tick two people in the list, tag them in one bulk action, then filter
the list by the tag with the GET form; no JavaScript needed for either."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from browser_helpers import ADMIN_EMAIL, Site, sign_in, work_for
from conftest import NOW
from factories import add_person
from kluis.actors import Actor, Role
from kluis.auth import service as auth
from kluis.contacts import tags


def test_tag_two_people_in_bulk_and_filter_the_list_by_the_tag(page: Page, site: Site) -> None:
    admin = auth.find_user(site.kluis.engine, ADMIN_EMAIL)
    me = Actor(ref=f"user:{admin.id}", role=Role.ADMIN, user_id=admin.id)
    tags.create_tag(site.kluis, me, "beurs", "Beurs 2026", "Trade fair 2026", NOW)
    ids = [add_person(site.kluis, me, NOW, n) for n in range(1, 4)]
    sign_in(page)
    work_for(page, "Klantenservice")
    expect(page.locator("#result-count")).to_have_text("3 personen")

    for person_id in ids[:2]:
        page.locator(f"#pick-{person_id}").check()
    page.locator("#bulk-tag").select_option(label="Beurs 2026")
    page.get_by_role("button", name="Label toevoegen").click()
    expect(page).to_have_url(re.compile(r"/app/contacts"))

    page.locator("#f-tag").select_option(label="Beurs 2026")
    page.get_by_role("button", name="Tonen").click()
    expect(page).to_have_url(re.compile(r"/app/contacts\?.*tag=beurs"))
    expect(page.locator("#result-count")).to_have_text("2 personen")
    expect(page.locator("tr[data-person]")).to_have_count(2)
    for person_id in ids[:2]:
        expect(page.locator(f'tr[data-person="{person_id}"]')).to_have_count(1)
