"""Custom fields in a real browser (issue 19's quality bar): an admin adds a field on the admin
page, fills it in for a person on their page, sees it while working for a purpose whose data
categories cover it, and not (not even its name) under one that does not; no JavaScript."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser_helpers import ADMIN_EMAIL, Site, sign_in, work_for
from conftest import NOW
from factories import add_person
from kluis.actors import Actor, Role
from kluis.auth import service as auth
from kluis.contacts import custom_fields


def test_add_a_field_fill_it_and_see_it_only_under_a_covering_purpose(
    page: Page, site: Site
) -> None:
    admin = auth.find_user(site.kluis.engine, ADMIN_EMAIL)
    me = Actor(ref=f"user:{admin.id}", role=Role.ADMIN, user_id=admin.id)
    person = add_person(site.kluis, me, NOW, purposes=("sales_follow_up", "customer_service"))
    sign_in(page)

    page.get_by_role("link", name="Eigen velden").click()
    page.get_by_label("Sleutel").fill("shoe_size")
    page.get_by_label("Nederlandse naam").fill("Schoenmaat")
    page.get_by_label("Engelse naam").fill("Shoe size")
    page.get_by_label("Soort").select_option("number")
    page.get_by_label("Gegevenscategorie").select_option("user.demographic.profile")
    page.get_by_role("button", name="Eigen veld toevoegen").click()
    expect(page.locator('tr[data-field="shoe_size"]')).to_contain_text("Schoenmaat")

    work_for(page, "Opvolging verkoop")
    page.goto(f"/app/contacts/{person}")
    page.locator("#custom-shoe_size").fill("42")
    page.get_by_role("button", name="Eigen velden bewaren").click()
    expect(page.locator('dd[data-field="shoe_size"]')).to_have_text("42")
    assert custom_fields.read_values(site.kluis, me, person, "sales_follow_up", NOW) == {
        "shoe_size": "42"
    }

    work_for(page, "Klantenservice")
    page.goto(f"/app/contacts/{person}")
    expect(page.locator("#custom-h")).to_be_visible()
    expect(page.locator('dd[data-field="shoe_size"]')).to_have_count(0)
    expect(page.locator("#custom")).not_to_contain_text("Schoenmaat")
    expect(page.locator("#custom")).to_contain_text("1 veld valt niet onder dit doel")
