"""``kluis fields add|list|remove``: declaring, listing and removing custom fields from the
command line, with the refusals of a special category lacking its Art. 9(2) condition."""

from __future__ import annotations

from cli_helpers import ok, ok_json, refused
from conftest import ADMIN, NOW, PRIVACY
from factories import add_person
from kluis.audit import service as audit
from kluis.contacts import custom_fields
from kluis.runtime import Kluis
from kluis.settings import Settings


def test_add_list_and_remove_a_field(kluis_env: Settings, kluis: Kluis) -> None:
    made = ok_json(
        "fields", "add", "tier", "--label-en", "Tier", "--label-nl", "Niveau",
        "--category", "user.contact.address", "--kind", "choice",
        "--choices", "gold=Gold/Goud,silver=Silver/Zilver", "--searchable",
    )  # fmt: skip
    assert made["choices"][0] == {"key": "gold", "label_en": "Gold", "label_nl": "Goud"}
    assert made["searchable"] is True
    listed = ok("fields", "list").stdout
    assert "tier: Tier / Niveau · choice · user.contact.address · searchable" in listed
    person = add_person(kluis, ADMIN, NOW)
    custom_fields.set_values(kluis, PRIVACY, person, "privacy_requests", {"tier": "gold"}, NOW)
    assert ok_json("fields", "remove", "tier", "--yes") == {"key": "tier", "values_erased": 1}
    assert ok_json("fields", "list") == []
    [removed] = audit.list_entries(kluis.engine, action="custom_field.removed")
    assert removed.actor.startswith("cli:")


def test_a_special_category_is_refused_without_its_condition(kluis_env: Settings) -> None:
    health = ("fields", "add", "allergy", "--label-en", "Allergy", "--label-nl", "Allergie")
    health += ("--category", "user.health_and_medical")
    assert "Art. 9(2)" in refused(*health, field="art9_condition")
    done = ok(*health, "--art9", "a", quiet=False)
    assert "special category" in done.stderr
    assert "special category, Art. 9(2)(a)" in ok("fields", "list").stdout


def test_plain_fields_of_companies_and_deals(kluis_env: Settings, kluis: Kluis) -> None:
    made = ok_json(
        "fields", "add", "sector", "--entity", "company", "--label-en", "Sector",
        "--label-nl", "Branche", "--kind", "choice", "--choices", "food=Food/Voeding",
    )  # fmt: skip
    assert (made["entity"], made["category"]) == ("company", "")
    ok("fields", "add", "risky", "--entity", "deal", "--label-en", "Risky", "--label-nl", "Risico",
       "--kind", "boolean")  # fmt: skip
    assert [f["key"] for f in ok_json("fields", "list", "--entity", "deal")] == ["risky"]
    assert ok_json("fields", "list") == []
    refused("fields", "add", "x1", "--entity", "deal", "--label-en", "X", "--label-nl", "X",
            "--category", "user", field="category")  # fmt: skip
    gone = ok_json("fields", "remove", "sector", "--entity", "company", "--yes")
    assert gone == {"key": "sector", "values_erased": 0}
