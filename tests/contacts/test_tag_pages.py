"""The tag pages left from the last round: renaming a tag (names, colour, personal mark;
audited, refusals on the page) and the tag columns of the people list (read under the working
purpose, audited per person) and the company list."""

from __future__ import annotations

import re

from conftest import ADMIN, NOW, SALES
from factories import add_person
from kluis.audit import service as audit
from kluis.contacts import companies, tags
from kluis.runtime import Kluis
from staff_helpers import signed_in

CS = "customer_service"


def test_the_admin_renames_a_tag(kluis: Kluis) -> None:
    tags.create_tag(kluis, ADMIN, "fair", "Beurs", "Fair", NOW)
    client, csrf = signed_in(kluis, "admin", CS)
    assert "/app/admin/tags/fair/edit" in client.get("/app/admin/tags").text
    form = client.get("/app/admin/tags/fair/edit")
    assert form.status_code == 200
    assert 'value="Beurs"' in form.text
    change = {
        "csrf": csrf,
        "label_nl": "Beurs 2026",
        "label_en": "Trade fair 2026",
        "colour": "#2f7d5b",
        "personal": "yes",
    }
    assert client.post("/app/admin/tags/fair/edit", data=change).status_code == 303
    (tag,) = tags.list_tags(kluis.engine)
    assert (tag.label_nl, tag.label_en, tag.colour, tag.personal) == (
        "Beurs 2026",
        "Trade fair 2026",
        "#2f7d5b",
        True,
    )
    changed = audit.list_entries(kluis.engine, action="tag.changed")
    assert [e.details["personal"] for e in changed] == [True]
    bad = client.post("/app/admin/tags/fair/edit", data=change | {"label_en": " "})
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text
    assert "Engelse naam" in bad.text or "English name" in bad.text
    assert tags.list_tags(kluis.engine)[0].label_en == "Trade fair 2026"
    assert client.get("/app/admin/tags/nothing/edit").status_code == 404
    sales, sales_csrf = signed_in(kluis, "sales", CS)
    assert sales.get("/app/admin/tags/fair/edit").status_code == 403
    refused = sales.post("/app/admin/tags/fair/edit", data=change | {"csrf": sales_csrf})
    assert refused.status_code == 403


def test_the_people_list_shows_tags_under_its_purpose(kluis: Kluis) -> None:
    tags.create_tag(kluis, ADMIN, "fair", "Beurs", "Fair", NOW)
    tags.create_tag(kluis, ADMIN, "cycling", "Fietst", "Cycles", NOW, personal=True)
    people = [add_person(kluis, SALES, NOW, n) for n in (1, 2)]
    tags.tag_people(kluis, ADMIN, people, "fair", CS, NOW)
    tags.tag_people(kluis, ADMIN, people[:1], "cycling", CS, NOW)
    client, _ = signed_in(kluis, "sales", CS)
    page = client.get("/app/contacts").text
    cells = dict(re.findall(r'<tr data-person="([^"]+)">.*?<td data-tags>(.*?)</td>', page, re.S))
    assert 'data-tag="cycling"' in cells[people[0]]
    assert 'data-tag="fair"' in cells[people[0]]
    assert 'data-tag="cycling"' not in cells[people[1]]
    read = audit.list_entries(kluis.engine, action="person.tags_read")
    listed = [(e.person_id, e.details["personal"]) for e in read if e.details["via"] == "list"]
    assert sorted(listed) == sorted([(people[0], 1), (people[1], 0)])


def test_the_company_list_shows_its_tags(kluis: Kluis) -> None:
    tags.create_tag(kluis, ADMIN, "reseller", "Wederverkoper", "Reseller", NOW)
    shop = companies.create_company(kluis, ADMIN, {"name": "Bakkerij Visser"}, NOW).id
    other = companies.create_company(kluis, ADMIN, {"name": "Fietsen Bos"}, NOW).id
    tags.tag_company(kluis, ADMIN, shop, "reseller", NOW)
    client, _ = signed_in(kluis, "sales", CS)
    page = client.get("/app/companies").text
    rows = dict(re.findall(r'<a href="/app/companies/(\d+)">.*?<td data-tags>(.*?)</td>', page))
    assert 'data-tag="reseller"' in rows[str(shop)]
    assert rows[str(other)] == ""
