"""The admin's daily work in a real browser, without the command line: a staff user created
and deactivated; a CSV imported through its column mapping, a trial run and the real run."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser_helpers import Site, sign_in, work_for
from kluis.auth import service as auth

CSV = (
    "Voornaam,Achternaam,E-mail,Kleur\n"
    "Femke,Bos,femke.bos@example.com,blauw\n"
    "Joris,Vink,joris.vink@example.com,groen\n"
)


def test_an_admin_creates_a_user_and_deactivates_them(page: Page, site: Site) -> None:
    sign_in(page)
    page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Medewerkers").click()
    page.locator("#email").fill("nina.de.vries@example.com")
    page.locator("#role").select_option("sales")
    page.get_by_role("button", name="Gebruiker aanmaken").click()
    expect(page.locator("#one-time-password")).to_be_visible()
    assert "password" not in page.url
    page.get_by_role("button", name="Deactiveren").click()
    expect(page.locator("#user-active")).to_have_text("nee")
    assert not auth.find_user(site.kluis.engine, "nina.de.vries@example.com").active


def test_an_admin_imports_a_csv_after_a_trial_run_and_sees_the_people(
    page: Page, site: Site
) -> None:
    sign_in(page)
    page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Importeren").click()
    page.locator("#file").set_input_files(
        files=[{"name": "klanten.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_label("Klantenservice").check()
    page.get_by_role("button", name="Uploaden en controleren").click()
    expect(page.locator("#refusal")).to_be_visible()
    expect(page.locator("#columns")).to_contain_text("niet herkend")

    page.locator("select[name='map:Kleur']").select_option("ignore")
    page.get_by_role("button", name="Koppeling toepassen en opnieuw controleren").click()
    expect(page.locator("#would-add")).to_have_text("2")

    page.get_by_role("button", name="Nu importeren").click()
    expect(page.locator("#job-status")).to_have_text("klaar")
    expect(page.locator("#job-created")).to_have_text("2")

    page.get_by_role("link", name="Bekijk de mensen bij Contacten").click()
    work_for(page, "Klantenservice")
    expect(page.locator("#result-count")).to_have_text("2 personen")
