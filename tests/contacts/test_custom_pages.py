"""The staff pages of custom fields: the admin's list (declare, change labels and choices,
remove behind a confirmation), refusals in Dutch and English, the person page's form under the
working purpose (only the fields it covers, only changed values stored), the new-person form,
and the people list's search by a searchable field (POSTed, audited)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from conftest import ADMIN, NOW, SALES
from factories import add_person
from kluis.audit import service as audit
from kluis.contacts import custom_fields, custom_store
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.runtime import Kluis
from staff_helpers import choose, csrf_of, signed_in

CS = "customer_service"
SALES_PURPOSE = "sales_follow_up"
SIZE = CustomField(
    "size", "Shoe size", "Schoenmaat", CustomKind.NUMBER, "user.demographic.profile", True
)
TIER = CustomField(
    "tier",
    "Membership tier",
    "Lidmaatschap",
    CustomKind.CHOICE,
    "user.demographic.profile",
    choices=(Choice("gold", "Gold", "Goud"), Choice("silver", "Silver", "Zilver")),
)
NEW = {
    "key": "club",
    "label_en": "Club",
    "label_nl": "Club",
    "kind": "multi_choice",
    "category": "user.demographic.profile",
    "choices": "red=Red/Rood\nblue=Blue/Blauw",
    "art9": "",
    "searchable": "",
}


def english(kluis: Kluis, role: str, purpose: str) -> tuple[TestClient, str]:
    client, csrf = signed_in(kluis, role, purpose)
    assert client.post("/app/language", data={"csrf": csrf, "language": "en"}).status_code == 303
    return client, csrf


def test_the_admin_declares_changes_and_lists_a_field(kluis: Kluis) -> None:
    client, csrf = english(kluis, "admin", CS)
    page = client.get("/app/admin/fields")
    assert page.status_code == 200
    assert '<option value="user.health_and_medical" lang="en" translate="no">' in page.text
    assert "Art. 9(2)" in page.text
    assert client.post("/app/admin/fields", data={"csrf": csrf, **NEW}).status_code == 303
    declared = custom_fields.fields(kluis)
    assert [(f.key, f.kind, [c.key for c in f.choices]) for f in declared] == [
        ("club", CustomKind.MULTI_CHOICE, ["blue", "red"][::-1])
    ]
    listed = client.get("/app/admin/fields").text
    assert 'data-field="club"' in listed
    assert "/app/admin/fields/club/remove" in listed
    change = {"csrf": csrf, "label_en": "Sports club", "label_nl": "Sportclub"}
    changes = change | {"choices": "red=Scarlet/Rood\nblue=Blue/Blauw\ngreen=Green/Groen"}
    assert client.post("/app/admin/fields/club/edit", data=changes).status_code == 303
    field = custom_fields.fields(kluis)[0]
    assert (field.label_en, field.label_nl) == ("Sports club", "Sportclub")
    assert [c.label_en for c in field.choices] == ["Scarlet", "Blue", "Green"]
    dropped = client.post("/app/admin/fields/club/edit", data=change | {"choices": "red=Red"})
    assert dropped.status_code == 422
    assert "cannot be taken away" in dropped.text
    assert len(custom_fields.fields(kluis)[0].choices) == 3
    events = audit.list_entries(kluis.engine, action="custom_field.changed")
    assert [e.details["choices"] for e in events] == [3]


def test_refusals_name_the_field_and_the_fix_in_both_languages(kluis: Kluis) -> None:
    client, csrf = english(kluis, "admin", CS)
    health = NEW | {
        "key": "diet",
        "kind": "text",
        "choices": "",
        "category": "user.health_and_medical",
    }
    refused = client.post("/app/admin/fields", data={"csrf": csrf, **health})
    assert refused.status_code == 422
    assert "The data category is a special category (Art. 9(1))" in refused.text
    assert 'value="diet"' in refused.text
    assert 'name="art9" aria-invalid="true"' in refused.text
    client.post("/app/language", data={"csrf": csrf, "language": "nl"})
    nl = client.post("/app/admin/fields", data={"csrf": csrf, **health})
    assert nl.status_code == 422
    assert "De gegevenscategorie is een bijzondere categorie" in nl.text
    assert "kies de grond uit art. 9 lid 2" in nl.text
    client.post("/app/language", data={"csrf": csrf, "language": "en"})
    ok = client.post("/app/admin/fields", data={"csrf": csrf, **health, "art9": "a"})
    assert ok.status_code == 303
    again = client.post("/app/admin/fields", data={"csrf": csrf, **health, "art9": "a"})
    assert again.status_code == 409
    assert "There is a custom field diet already" in again.text
    listed = client.get("/app/admin/fields").text
    assert "Art. 9(2)(a)" in listed


def test_only_admins_and_the_privacy_officer_reach_the_page(kluis: Kluis) -> None:
    custom_fields.declare(kluis, ADMIN, TIER, NOW)
    sales, csrf = signed_in(kluis, "sales", CS)
    assert sales.get("/app/admin/fields").status_code == 403
    assert sales.get("/app/admin/fields/tier/remove").status_code == 403
    assert sales.post("/app/admin/fields", data={"csrf": csrf, **NEW}).status_code == 403
    gone = sales.post("/app/admin/fields/tier/remove", data={"csrf": csrf, "confirm": "yes"})
    assert gone.status_code == 403
    assert "/app/admin/fields" not in sales.get("/app/contacts").text
    officer, _ = signed_in(kluis, "privacy_officer", CS)
    assert officer.get("/app/admin/fields").status_code == 200
    admin, _ = signed_in(kluis, "admin", CS)
    assert admin.get("/app/admin/fields/nothing/edit").status_code == 404


def test_removing_asks_first_says_how_many_and_erases_every_value(kluis: Kluis) -> None:
    custom_fields.declare(kluis, ADMIN, TIER, NOW)
    people = [add_person(kluis, ADMIN, NOW, n, purposes=(SALES_PURPOSE,)) for n in (1, 2)]
    for person in people:
        custom_fields.set_values(kluis, ADMIN, person, SALES_PURPOSE, {"tier": "gold"}, NOW)
    client, csrf = english(kluis, "admin", CS)
    confirm = client.get("/app/admin/fields/tier/remove")
    assert confirm.status_code == 200
    assert "2 people hold one now" in confirm.text
    assert "restoring a backup does not bring the values back" in confirm.text
    unconfirmed = client.post("/app/admin/fields/tier/remove", data={"csrf": csrf})
    assert unconfirmed.headers["location"] == "/app/admin/fields/tier/remove"
    assert custom_fields.fields(kluis)
    done = client.post("/app/admin/fields/tier/remove", data={"csrf": csrf, "confirm": "yes"})
    assert done.status_code == 303
    assert custom_fields.fields(kluis) == []
    with kluis.engine.connect() as conn:
        assert custom_store.count_values(conn) == 0
    removed = audit.list_entries(kluis.engine, action="custom_field.removed")
    assert [e.details["values_erased"] for e in removed] == [2]


def _values(kluis: Kluis, person: str) -> dict[str, object]:
    return dict(custom_fields.read_values(kluis, ADMIN, person, SALES_PURPOSE, NOW))


def test_the_person_page_sets_and_clears_values_under_the_purpose(kluis: Kluis) -> None:
    for field in (SIZE, TIER):
        custom_fields.declare(kluis, ADMIN, field, NOW)
    person = add_person(kluis, ADMIN, NOW, purposes=(SALES_PURPOSE, CS))
    client, csrf = english(kluis, "sales", SALES_PURPOSE)
    page = client.get(f"/app/contacts/{person}").text
    assert f'action="/app/contacts/{person}/custom"' in page
    assert 'name="custom.size" type="number"' in page
    assert '<select id="custom-tier" name="custom.tier">' in page
    form = {"csrf": csrf, "custom.size": "42.50", "custom.tier": "gold"}
    assert client.post(f"/app/contacts/{person}/custom", data=form).status_code == 303
    assert _values(kluis, person) == {"size": "42.5", "tier": "gold"}
    shown = client.get(f"/app/contacts/{person}").text
    assert '<dd data-field="tier">Gold</dd>' in shown
    assert client.post(f"/app/contacts/{person}/custom", data=form | {"custom.tier": ""})
    assert _values(kluis, person) == {"size": "42.5"}
    updates = audit.list_entries(kluis.engine, action="person.updated", person_id=person)
    named = [tuple(e.details["fields"]) for e in updates]
    assert named == [("custom.size", "custom.tier"), ("custom.tier",)]
    bad = client.post(f"/app/contacts/{person}/custom", data=form | {"custom.size": "big"})
    assert bad.status_code == 422
    assert "size is not a number such as 12.5" in bad.text
    assert 'value="big"' in bad.text
    assert _values(kluis, person) == {"size": "42.5"}
    choose(client, csrf, CS)
    other = client.get(f"/app/contacts/{person}").text
    assert "2 fields are not covered by this purpose" in other
    assert "Shoe size" not in other
    assert "42.5" not in other
    client.post(f"/app/contacts/{person}/custom", data=form | {"custom.size": "1"})
    assert _values(kluis, person) == {"size": "42.5"}


def test_the_new_person_form_collects_only_covered_fields(kluis: Kluis) -> None:
    custom_fields.declare(kluis, ADMIN, SIZE, NOW)
    client, _ = signed_in(kluis, "sales", SALES_PURPOSE)
    assert "custom.size" not in client.get(f"/app/contacts/new?purpose={CS}").text
    page = client.get(f"/app/contacts/new?purpose={SALES_PURPOSE}").text
    assert 'name="custom.size"' in page
    form = {
        "csrf": csrf_of(page),
        "purposes": SALES_PURPOSE,
        "relationship": "prospect",
        "language": "nl",
        "given_name": "Jorien",
        "email": "jorien.dekker@example.com",
        "custom.size": "39",
    }
    bad = client.post("/app/contacts/new", data=form | {"custom.size": "negen"})
    assert bad.status_code == 422
    assert 'value="negen"' in bad.text
    made = client.post("/app/contacts/new", data=form)
    assert made.status_code == 303
    person = made.headers["location"].rsplit("/", 1)[1]
    assert _values(kluis, person) == {"size": "39"}
    ignored = form | {"email": "kees.smit@example.com", "purposes": CS, "custom.size": "40"}
    other = client.post("/app/contacts/new", data=ignored)
    assert other.status_code == 303
    second = other.headers["location"].rsplit("/", 1)[1]
    with kluis.engine.connect() as conn:
        assert custom_store.count_values(conn) == 1
    assert second != person


def test_the_list_finds_people_by_a_searchable_field_in_a_post(kluis: Kluis) -> None:
    custom_fields.declare(kluis, ADMIN, SIZE, NOW)
    custom_fields.declare(kluis, ADMIN, TIER, NOW)
    people = [add_person(kluis, SALES, NOW, n, purposes=(SALES_PURPOSE,)) for n in (1, 2, 3)]
    for person, size in zip(people, ("41", "42", "41"), strict=True):
        custom_fields.set_values(kluis, SALES, person, SALES_PURPOSE, {"size": size}, NOW)
    client, csrf = english(kluis, "sales", SALES_PURPOSE)
    page = client.get("/app/contacts").text
    assert 'action="/app/contacts/by-field"' in page
    assert '<option value="size">' in page
    assert '<option value="tier">' not in page
    found = client.post(
        "/app/contacts/by-field", data={"csrf": csrf, "field": "size", "value": "41"}
    )
    assert found.status_code == 200
    assert set(re.findall(r'<tr data-person="([^"]+)"', found.text)) == {people[0], people[2]}
    searched = audit.list_entries(kluis.engine, action="person.searched")
    assert [(e.details["by"], e.details["results"]) for e in searched][-1] == ("custom.size", 2)
    refused = client.post(
        "/app/contacts/by-field", data={"csrf": csrf, "field": "tier", "value": "gold"}
    )
    assert refused.status_code == 400 or refused.status_code == 422
    assert "tier is not searchable" in refused.text
    choose(client, csrf, CS)
    assert 'action="/app/contacts/by-field"' not in client.get("/app/contacts").text
