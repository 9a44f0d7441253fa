"""Tags through the pages, the API and the command line: the admin's page, the people list
filtered by ``tag=KEY`` (GET), the list's bulk "tag" action, a person's tags on their page
(a personal one read under the purpose, audited), the JSON API with its problems, ``kluis
tags add|list|tag|untag``, and the access package's ``tags[]``."""

from __future__ import annotations

import re

import pytest

from api_helpers import assert_problem, client_for
from cli_helpers import ok_json, refused
from conftest import ADMIN, NOW, SALES
from factories import add_person
from kluis.audit import service as audit
from kluis.contacts import companies, tags
from kluis.requests import export
from kluis.runtime import Kluis
from staff_helpers import signed_in

CS = "customer_service"


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-person="([^"]+)"', page)


def test_the_admin_declares_tags_on_their_page(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin", CS)
    form = {"csrf": csrf, "key": "fair", "label_nl": "Beurs", "label_en": "Fair", "personal": ""}
    assert client.post("/app/admin/tags", data=form).status_code == 303
    page = client.get("/app/admin/tags").text
    assert 'data-tag="fair"' in page
    again = client.post("/app/admin/tags", data=form)
    assert again.status_code == 409
    assert 'role="alert"' in again.text
    sales, _ = signed_in(kluis, "sales", CS)
    assert sales.get("/app/admin/tags").status_code == 403
    assert client.post("/app/admin/tags/fair/remove", data={"csrf": csrf}).status_code == 303
    assert tags.list_tags(kluis.engine) == []


def test_bulk_tag_then_filter_the_list_by_the_tag(kluis: Kluis) -> None:
    tags.create_tag(kluis, ADMIN, "fair", "Beurs", "Fair", NOW)
    client, csrf = signed_in(kluis, "sales", CS)
    ids = [add_person(kluis, SALES, NOW, n) for n in range(1, 4)]
    form = {"csrf": csrf, "person_id": ids[:2], "tag": "fair", "back": "sort=-collected"}
    done = client.post("/app/contacts/selection/tag", data=form)
    assert done.status_code == 303
    assert done.headers["location"] == "/app/contacts?sort=-collected"
    page = client.get("/app/contacts?tag=fair").text
    assert set(rows(page)) == set(ids[:2])
    assert '<option value="fair" selected>' in page
    assert set(rows(client.get("/app/contacts").text)) == set(ids)
    unknown = client.get("/app/contacts?tag=nothing")
    assert unknown.status_code == 404
    assert client.get("/app/contacts?tag=Not%20a%20key").status_code == 422
    tagged = audit.list_entries(kluis.engine, action="person.tagged")
    assert {e.details["via"] for e in tagged} == {"bulk"}


def test_a_person_page_shows_and_changes_their_tags(kluis: Kluis) -> None:
    tags.create_tag(kluis, ADMIN, "fair", "Beurs", "Fair", NOW)
    tags.create_tag(kluis, ADMIN, "grief", "Rouw", "Grief", NOW, personal=True)
    client, csrf = signed_in(kluis, "sales", CS)
    person = add_person(kluis, SALES, NOW, 1)
    for key in ("fair", "grief"):
        form = {"csrf": csrf, "tag": key}
        assert client.post(f"/app/contacts/{person}/tags", data=form).status_code == 303
    page = client.get(f"/app/contacts/{person}").text
    assert 'data-tag="fair"' in page
    assert 'data-tag="grief"' in page
    (read, *_) = audit.list_entries(kluis.engine, action="person.tags_read")
    assert read.purpose == CS
    assert read.details == {"tags": 2, "personal": 1, "via": "page"}
    off = {"csrf": csrf, "tag": "grief", "action": "remove"}
    assert client.post(f"/app/contacts/{person}/tags", data=off).status_code == 303
    assert 'data-tag="grief"' not in client.get(f"/app/contacts/{person}").text


def test_the_api_declares_tags_and_tags_people_and_companies(kluis: Kluis) -> None:
    admin, sales = client_for(kluis, "admin"), client_for(kluis, "sales")
    body = {"key": "fair", "label_nl": "Beurs", "label_en": "Fair"}
    assert admin.post("/api/v1/tags", json=body).status_code == 201
    assert_problem(admin.post("/api/v1/tags", json=body), 409, field="key")
    assert_problem(sales.post("/api/v1/tags", json={**body, "key": "x"}), 403)
    assert_problem(admin.post("/api/v1/tags", json={**body, "key": "Bad Key"}), 422, field="key")
    assert [t["key"] for t in sales.get("/api/v1/tags").json()] == ["fair"]
    person = add_person(kluis, SALES, NOW, 1)
    other = add_person(kluis, SALES, NOW, 2)
    done = sales.post(f"/api/v1/contacts/{person}/tags?purpose={CS}", json={"tag": "fair"})
    assert done.status_code == 204
    held = sales.get(f"/api/v1/contacts/{person}/tags?purpose={CS}").json()
    assert [t["key"] for t in held] == ["fair"]
    listed = sales.get(f"/api/v1/contacts?purpose={CS}&tag=fair").json()
    assert [p["id"] for p in listed["items"]] == [person]
    assert other not in [p["id"] for p in listed["items"]]
    assert_problem(
        sales.post(f"/api/v1/contacts/{person}/tags?purpose={CS}", json={"tag": "none"}),
        404,
        field="tag",
    )
    gone = sales.delete(f"/api/v1/contacts/{person}/tags/fair?purpose={CS}")
    assert gone.status_code == 204
    company = companies.create_company(kluis, SALES, {"name": "Tuinhuis BV"}, NOW).id
    assert sales.post(f"/api/v1/companies/{company}/tags", json={"tag": "fair"}).status_code == 204
    assert [t["key"] for t in sales.get(f"/api/v1/companies/{company}/tags").json()] == ["fair"]
    assert admin.delete("/api/v1/tags/fair").status_code == 204
    assert sales.get(f"/api/v1/companies/{company}/tags").json() == []


@pytest.mark.usefixtures("kluis_env")
def test_the_tag_commands(kluis: Kluis) -> None:
    made = ok_json("tags", "add", "fair", "--nl", "Beurs", "--en", "Fair", "--personal")
    assert (made["key"], made["personal"]) == ("fair", True)
    assert [t["key"] for t in ok_json("tags", "list")] == ["fair"]
    people = [add_person(kluis, SALES, NOW, n) for n in (1, 2)]
    args = [a for p in people for a in ("--person", p)]
    assert ok_json("tags", "tag", "fair", *args, "--purpose", CS)["changed"] == 2
    assert ok_json("tags", "untag", "fair", *args[:2], "--purpose", CS)["changed"] == 1
    refused("tags", "tag", "fair", field="person")
    refused("tags", "add", "Bad Key", "--nl", "x", "--en", "x", field="key")
    tagged = audit.list_entries(kluis.engine, action="person.tagged")
    assert {e.details["via"] for e in tagged} == {"cli"}


def test_the_access_package_lists_every_tag_with_its_mark(kluis: Kluis) -> None:
    tags.create_tag(kluis, ADMIN, "fair", "Beurs", "Fair", NOW)
    tags.create_tag(kluis, ADMIN, "grief", "Rouw", "Grief", NOW, personal=True)
    person = add_person(kluis, SALES, NOW, 1)
    for key in ("fair", "grief"):
        tags.tag_people(kluis, SALES, [person], key, CS, NOW)
    package = export.access_package(kluis, ADMIN, person, NOW)
    assert [(t["key"], t["personal"]) for t in package["tags"]] == [
        ("fair", False),
        ("grief", True),
    ]
    assert package["tags"][0]["name_nl"] == "Beurs"


def test_a_company_is_tagged_on_its_page_and_the_list_filters_by_tag(kluis: Kluis) -> None:
    tags.create_tag(kluis, ADMIN, "reseller", "Wederverkoper", "Reseller", NOW)
    client, csrf = signed_in(kluis, "sales", CS)
    tagged = companies.create_company(kluis, SALES, {"name": "Tuinhuis BV"}, NOW).id
    other = companies.create_company(kluis, SALES, {"name": "Bakkerij Visser"}, NOW).id
    form = {"csrf": csrf, "tag": "reseller"}
    assert client.post(f"/app/companies/{tagged}/tags", data=form).status_code == 303
    assert 'data-tag="reseller"' in client.get(f"/app/companies/{tagged}").text
    page = client.get("/app/companies?tag=reseller").text
    assert f"/app/companies/{tagged}" in page
    assert f"/app/companies/{other}" not in page
    assert client.get("/app/companies?tag=nothing").status_code == 404
    api = client_for(kluis, "sales").get("/api/v1/companies?tag=reseller").json()
    assert [c["id"] for c in api["items"]] == [tagged]
