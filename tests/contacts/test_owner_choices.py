"""The owner drop-downs (people list, person page, companies) name colleagues without their
e-mail address for every role but admin (``list_pages.staff_choices``): a colleague's address
is their personal data, and only those who manage accounts need it."""

from __future__ import annotations

from conftest import ADMIN, NOW
from factories import add_person
from kluis.actors import SYSTEM
from kluis.auth import service as auth
from kluis.auth import users
from kluis.contacts import owners
from kluis.contacts.companies import create_company
from kluis.runtime import Kluis
from staff_helpers import make_user, signed_in

COLLEAGUE = "joris.vink@example.com"


def test_only_admins_see_colleagues_addresses_in_the_owner_choices(kluis: Kluis) -> None:
    make_user(kluis, "sales", COLLEAGUE)
    colleague = auth.find_user(kluis.engine, COLLEAGUE)
    person = add_person(kluis, ADMIN, NOW)
    pages = ("/app/contacts", f"/app/contacts/{person}", "/app/companies")

    service, _ = signed_in(kluis, "service", "customer_service")
    for path in pages:
        page = service.get(path)
        assert page.status_code == 200, path
        assert COLLEAGUE not in page.text, path
        assert f"Collega {colleague.id} (sales)" in page.text, path

    admin, _ = signed_in(kluis, "admin", "customer_service")
    for path in pages:
        assert COLLEAGUE in admin.get(path).text, path


def test_a_deactivated_owner_is_still_named_on_the_person_and_company_pages(
    kluis: Kluis,
) -> None:
    make_user(kluis, "sales", COLLEAGUE)
    colleague = auth.find_user(kluis.engine, COLLEAGUE)
    person = add_person(kluis, ADMIN, NOW)
    company = create_company(kluis, ADMIN, {"name": "Tuinhuis BV"}, NOW).id
    owners.assign_people(kluis, ADMIN, [person], colleague.id, "customer_service", NOW)
    owners.assign_company(kluis, ADMIN, company, colleague.id, NOW)
    users.set_active(kluis.engine, SYSTEM, colleague.id, False, NOW)
    service, _ = signed_in(kluis, "service", "customer_service")
    for path in (f"/app/contacts/{person}", f"/app/companies/{company}"):
        page = service.get(path).text
        owner = page[page.index('data-field="owner"') :].split("</dd>")[0]
        assert f"Collega {colleague.id} (sales)" in owner, path
        assert COLLEAGUE not in page, path
