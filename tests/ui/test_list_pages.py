"""The people list as a CRM list through the app: filters as GET parameters, the bulk actions of
a ticked selection (assign an owner, add a purpose, export, add a task: its form's fields), the
owner of a person and of a company, and the person page's record header and collapsed
permissions."""

from __future__ import annotations

import re

from conftest import ADMIN, NOW, SALES
from factories import add_person
from kluis.audit import service as audit
from kluis.auth import service as users
from kluis.contacts import companies, owners, rectify
from kluis.contacts import people as contacts
from kluis.runtime import Kluis
from staff_helpers import make_user, signed_in

CS = "customer_service"


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-person="([^"]+)"', page)


def test_the_list_filters_by_owner_and_keeps_the_filters_in_the_pager(kluis: Kluis) -> None:
    client, _csrf = signed_in(kluis, "sales", CS)
    me = users.find_user(kluis.engine, "sales@example.com").id
    other = users.find_user(kluis.engine, make_user(kluis, "service", "joris@example.com")).id
    mine = add_person(kluis, SALES, NOW, 1)
    theirs = add_person(kluis, SALES, NOW, 2)
    owners.assign_people(kluis, SALES, [mine], me, CS, NOW)
    owners.assign_people(kluis, SALES, [theirs], other, CS, NOW)
    assert set(rows(client.get("/app/contacts").text)) == {mine, theirs}
    assert rows(client.get("/app/contacts?owner=mine").text) == [mine]
    assert rows(client.get(f"/app/contacts?owner={other}").text) == [theirs]
    page = client.get("/app/contacts?owner=none&sort=-name").text
    assert rows(page) == []
    assert '<option value="none" selected>' in page
    assert client.get("/app/contacts?owner=someone").status_code == 422
    assert client.get("/app/contacts?sort=email").status_code == 422


def test_a_refused_name_order_says_why_in_the_page(kluis: Kluis) -> None:
    client, _csrf = signed_in(kluis, "service", "age_verification")
    add_person(kluis, ADMIN, NOW, 1, purposes=(CS, "age_verification"), birth_date="1980-02-03")
    page = client.get("/app/contacts?sort=name")
    assert page.status_code == 403
    assert "gebruikt geen namen" in page.text


def test_bulk_assign_and_add_purpose_are_one_call_each_and_audited(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales", CS)
    other = users.find_user(kluis.engine, make_user(kluis, "service", "joris@example.com")).id
    ids = [add_person(kluis, SALES, NOW, n) for n in range(1, 4)]
    form = {"csrf": csrf, "person_id": ids[:2], "owner": str(other), "back": "owner=mine"}
    done = client.post("/app/contacts/selection/owner", data=form)
    assert done.status_code == 303
    assert done.headers["location"] == "/app/contacts?owner=mine"
    assert set(rows(client.get(f"/app/contacts?owner={other}").text)) == set(ids[:2])
    changed = audit.list_entries(kluis.engine, action="person.owner_changed")
    assert sorted(e.person_id or "" for e in changed) == sorted(ids[:2])
    assert {e.details["via"] for e in changed} == {"bulk"}
    added = client.post(
        "/app/contacts/selection/purpose",
        data={"csrf": csrf, "person_id": ids, "add_purpose": "sales_follow_up"},
    )
    assert added.status_code == 303
    for person_id in ids:
        view = contacts.read_person(kluis, SALES, person_id, CS, NOW)
        assert "sales_follow_up" in view.purposes
    assert len(audit.list_entries(kluis.engine, action="person.purpose_added")) == 3
    refused = client.post(
        "/app/contacts/selection/purpose",
        data={"csrf": csrf, "person_id": ids, "add_purpose": "email_marketing"},
    )
    assert refused.status_code == 403
    nothing = client.post("/app/contacts/selection/owner", data={"csrf": csrf, "owner": "none"})
    assert nothing.status_code == 422
    forged = client.post("/app/contacts/selection/owner", data={**form, "csrf": "x"})
    assert forged.status_code == 403


def test_exporting_a_selection_downloads_its_csv_under_the_working_purpose(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "sales", CS)
    ids = [add_person(kluis, SALES, NOW, n) for n in range(1, 4)]
    response = client.post(
        "/app/contacts/selection/export", data={"csrf": csrf, "person_id": ids[:2]}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "no-store"
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("id,relationship,language,given_name")
    assert [line.split(",")[0] for line in lines[1:]] == ids[:2]
    (written,) = audit.list_entries(kluis.engine, action="export.written")
    assert written.details == {"format": "csv", "people": 2}
    reads = audit.list_entries(kluis.engine, action="person.read")
    assert {e.person_id for e in reads if e.details["via"] == "export"} == set(ids[:2])
    outside = add_person(kluis, SALES, NOW, 9, purposes=("sales_follow_up",))
    refused = client.post(
        "/app/contacts/selection/export", data={"csrf": csrf, "person_id": [ids[0], outside]}
    )
    assert refused.status_code == 403


def test_the_selection_form_posts_its_ids_to_the_task_form(kluis: Kluis) -> None:
    client, _csrf = signed_in(kluis, "sales", CS)
    ids = [add_person(kluis, SALES, NOW, n) for n in range(1, 3)]
    page = client.get("/app/contacts").text
    form = page.split('<form method="post" action="/app/contacts/selection/owner"')[1]
    form = form.split("</form>")[0]
    assert re.findall(r'name="person_id" value="([^"]+)"', form) == ids
    assert 'formaction="/app/tasks/new"' in form
    assert 'name="csrf"' in form
    for action in ("owner", "purpose", "export"):
        assert f'formaction="/app/contacts/selection/{action}"' in form


def test_the_person_page_is_a_record_with_owner_company_and_collapsed_permissions(
    kluis: Kluis,
) -> None:
    client, csrf = signed_in(kluis, "admin", CS)
    company = companies.create_company(kluis, SALES, {"name": "Bakkerij Visser"}, NOW)
    person = add_person(kluis, SALES, NOW, 1)
    contacts_change = client.post(
        f"/app/contacts/{person}/owner",
        data={"csrf": csrf, "owner": str(users.find_user(kluis.engine, "admin@example.com").id)},
    )
    assert contacts_change.status_code == 303
    rectify.update_person(kluis, SALES, person, CS, {"company_id": company.id}, NOW)
    page = client.get(f"/app/contacts/{person}").text
    header = page.split('<header class="record"')[1].split("</header>")[0]
    assert 'data-field="owner">admin@example.com' in header
    assert "Bakkerij Visser" in header
    assert "Customer service" in header or "Klantenservice" in header
    assert '<details id="permissions-refused">' in page
    company_page = client.post(
        f"/app/companies/{company.id}/owner", data={"csrf": csrf, "owner": "none"}
    )
    assert company_page.status_code == 303
    assert companies.get_company(kluis, company.id).owner_id is None
