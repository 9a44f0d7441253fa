"""The staff app's company pages through a TestClient, on SQLite and PostgreSQL: the list with
paging, a company's people under the working purpose (a marketer never sees a birth date), adding
and editing a company with errors that name the field, CSRF, Dutch and English."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, NOW
from factories import new_person
from kluis.contacts import collect as contacts
from kluis.contacts import companies
from kluis.runtime import Kluis
from staff_helpers import signed_in


def speak(client: TestClient, csrf: str, language: str) -> None:
    response = client.post("/app/language", data={"csrf": csrf, "language": language})
    assert response.status_code == 303, response.text


def _company(kluis: Kluis, name: str = "Kaasmakerij Brouwersma") -> int:
    return companies.create_company(
        kluis, ADMIN, {"name": name, "city": "Leeuwarden", "country": "NL"}, NOW
    ).id


def _employee(kluis: Kluis, company_id: int) -> str:
    item = new_person(
        1,
        relationship="customer",
        purposes=("email_marketing", "age_verification"),
        birth_date="1990-02-03",
        phone=None,
    )
    return contacts.create_person(
        kluis, ADMIN, dataclasses.replace(item, company_id=company_id), NOW
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", ("Bedrijven", "Bedrijf toevoegen", "Plaats")),
        ("en", ("Companies", "Add a company", "City")),
    ],
)
def test_every_company_page_renders_in_the_language(
    kluis: Kluis, language: str, words: tuple[str, ...]
) -> None:
    company_id = _company(kluis)
    client, csrf = signed_in(kluis, "sales", "sales_follow_up")
    speak(client, csrf, language)
    listing = client.get("/app/companies")
    assert listing.status_code == 200, listing.text
    assert f'<html lang="{language}">' in listing.text
    for word in words[:2]:
        assert word in listing.text
    assert "Kaasmakerij Brouwersma" in listing.text
    for url in (
        f"/app/companies/{company_id}",
        "/app/companies/new",
        f"/app/companies/{company_id}/edit",
    ):
        page = client.get(url)
        assert page.status_code == 200, (url, page.text)
        assert words[2] in page.text, url
        assert page.headers["cache-control"] == "no-store"


def test_the_list_pages(kluis: Kluis) -> None:
    for n in range(30):
        _company(kluis, f"Bedrijf {n:02d}")
    client, _csrf = signed_in(kluis, "service")
    first = client.get("/app/companies").text
    assert "Bedrijf 00" in first
    assert "Bedrijf 29" not in first
    assert 'href="/app/companies?page=2"' in first
    second = client.get("/app/companies?page=2").text
    assert "Bedrijf 29" in second
    assert "Bedrijf 00" not in second


def test_the_people_in_a_company_show_only_what_the_purpose_may_use(kluis: Kluis) -> None:
    company_id = _company(kluis)
    person_id = _employee(kluis, company_id)
    marketer, _csrf = signed_in(kluis, "marketing", "email_marketing")
    page = marketer.get(f"/app/companies/{company_id}").text
    assert f'href="/app/contacts/{person_id}"' in page
    assert "Fenna1" in page
    assert "fenna.brouwersma1@example.com" in page
    assert "1990-02-03" not in page

    checker, _csrf = signed_in(kluis, "service", "age_verification")
    page = checker.get(f"/app/companies/{company_id}").text
    assert "1990-02-03" in page
    assert "Fenna1" not in page


def test_without_a_working_purpose_the_company_shows_no_people(kluis: Kluis) -> None:
    company_id = _company(kluis)
    _employee(kluis, company_id)
    client, _csrf = signed_in(kluis, "marketing")
    page = client.get(f"/app/companies/{company_id}")
    assert page.status_code == 200
    assert "Fenna1" not in page.text
    assert "/app/contacts/" not in page.text.split("<main", 1)[1]


def test_add_and_edit_a_company(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales")
    made = client.post(
        "/app/companies/new",
        data={"csrf": csrf, "name": "  Zuivel   Noord ", "city": "Groningen", "country": "nl"},
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    page = client.get(url).text
    assert "Zuivel Noord" in page
    assert "Groningen" in page
    company_id = int(url.rsplit("/", 1)[1])
    assert companies.get_company(kluis, company_id).country == "NL"

    edited = client.post(
        f"/app/companies/{company_id}/edit",
        data={"csrf": csrf, "name": "Zuivel Noord BV", "city": "", "country": "NL"},
    )
    assert edited.status_code == 303, edited.text
    after = companies.get_company(kluis, company_id)
    assert (after.name, after.city) == ("Zuivel Noord BV", None)


def test_an_invalid_value_names_the_field_and_keeps_what_was_typed(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales")
    speak(client, csrf, "en")
    refused = client.post(
        "/app/companies/new", data={"csrf": csrf, "name": "Zuivel Noord", "country": "Nederland"}
    )
    assert refused.status_code == 422
    assert "two-letter code" in refused.text
    assert 'id="country" name="country" value="Nederland"' in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert companies.list_companies(kluis)[1] == 0


def test_a_form_without_the_csrf_token_is_refused(kluis: Kluis) -> None:
    company_id = _company(kluis)
    client, _csrf = signed_in(kluis, "sales")
    assert client.post("/app/companies/new", data={"name": "Zonder token"}).status_code == 403
    refused = client.post(
        f"/app/companies/{company_id}/edit", data={"csrf": "not-it", "name": "Ander"}
    )
    assert refused.status_code == 403
    assert companies.get_company(kluis, company_id).name == "Kaasmakerij Brouwersma"
    assert companies.list_companies(kluis)[1] == 1


def test_an_unknown_company_is_a_404_page(kluis: Kluis) -> None:
    client, _csrf = signed_in(kluis, "sales")
    page = client.get("/app/companies/999")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
