"""The staff app in a real browser: signing in and out, finding a person, the purpose deciding
what is shown, and the language switch. Few tests, each a whole task a person does."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from browser_helpers import Site, sign_in, work_for
from conftest import ADMIN, NOW
from factories import add_person
from kluis.auth.shell import COOKIE


def test_sign_in_and_find_a_person_by_email(page: Page, site: Site) -> None:
    person = add_person(site.kluis, ADMIN, NOW, 1)
    add_person(site.kluis, ADMIN, NOW, 2)
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kies waar je aan werkt")
    work_for(page, "Klantenservice")
    expect(page.locator("#result-count")).to_have_text("2 personen")

    page.get_by_label("Zoek op e-mailadres, telefoonnummer of naam").fill(
        "Fenna.Brouwersma1@example.com"
    )
    page.get_by_role("button", name="Zoeken").click()
    expect(page.locator("#result-count")).to_have_text("1 persoon")
    assert "example.com" not in page.url, "what was searched for is in the address"

    page.get_by_role("link", name="Fenna1").click()
    expect(page).to_have_url(re.compile(f"/app/contacts/{person}$"))
    expect(page.locator('[data-field="email"]')).to_have_text("fenna.brouwersma1@example.com")


def test_the_marketing_purpose_hides_the_birth_date(page: Page, site: Site) -> None:
    person = add_person(
        site.kluis,
        ADMIN,
        NOW,
        purposes=("email_marketing", "age_verification"),
        phone=None,
        birth_date="1990-02-03",
    )
    sign_in(page)
    work_for(page, "Privacyverzoeken afhandelen")
    page.goto(f"/app/contacts/{person}")
    expect(page.locator('[data-field="birth_date"]')).to_have_text("1990-02-03")

    work_for(page, "E-mailmarketing")
    expect(page).to_have_url(re.compile(f"/app/contacts/{person}$"))
    expect(page.locator('[data-field="email"]')).to_be_visible()
    expect(page.locator('[data-field="birth_date"]')).to_have_count(0)
    assert "1990" not in page.content()


def test_switch_to_english_and_back(page: Page) -> None:
    sign_in(page)
    work_for(page, "Klantenservice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacten")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacten")
    expect(page.locator("html")).to_have_attribute("lang", "nl")


def test_a_wrong_password_shows_the_error(page: Page) -> None:
    sign_in(page, password="not the password at all")
    expect(page.get_by_role("alert")).to_contain_text("Verkeerd e-mailadres, wachtwoord of code")
    expect(page.get_by_label("E-mailadres")).to_have_value("admin@example.com")
    assert not [c for c in page.context.cookies() if c["name"] == COOKIE]


def test_sign_out_ends_the_session(page: Page) -> None:
    sign_in(page)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"

    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("button", name="Inloggen")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"] == COOKIE]

    # the old cookie, put back, opens nothing: the session is gone on the server too
    page.context.add_cookies([cookie])
    page.goto("/app/contacts")
    expect(page).to_have_url(re.compile("/app/sign-in$"))


def test_typing_in_the_search_box_updates_the_list_in_place(page: Page, site: Site) -> None:
    add_person(site.kluis, ADMIN, NOW, 1)
    add_person(site.kluis, ADMIN, NOW, 2)
    sign_in(page)
    work_for(page, "Klantenservice")
    expect(page.locator("#result-count")).to_have_text("2 personen")
    address = page.url
    page.get_by_label("Zoek op e-mailadres, telefoonnummer of naam").press_sequentially(
        "Fenna2", delay=20
    )
    expect(page.locator("#result-count")).to_have_text("1 persoon")
    assert page.url == address, "htmx swapped the list without a navigation"
    assert "Fenna2" not in page.url
