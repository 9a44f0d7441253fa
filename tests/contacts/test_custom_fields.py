"""Custom fields of people on SQLite and PostgreSQL: declaring them (admins only, audited),
values sealed and read only under purposes that cover their category (Art. 5(1)(b)-(c)),
exact search through the blind index, erasure and minimisation reaching them (Art. 17), and
removing a field erasing its values and registering it so a restore does not bring them back."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conftest import ADMIN, MARKETING, NOW, PRIVACY, SALES, SERVICE
from factories import add_person
from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.contacts import custom_fields as custom
from kluis.contacts import erasure
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.contacts.custom_tables import CustomValue
from kluis.contacts.people import purpose_for
from kluis.errors import Conflict, InvalidField, KluisError, PermissionDenied, PurposeRefused
from kluis.register import repository as register_repo
from kluis.runtime import Kluis
from kluis.transfer import export

LATER = NOW + timedelta(hours=1)
PURPOSES = ("customer_service", "sales_follow_up", "invoicing")
SHOE = CustomField(
    "shoe_size", "Shoe size", "Schoenmaat", CustomKind.NUMBER, "user.demographic.profile", True
)
TIER = CustomField(
    "tier",
    "Tier",
    "Niveau",
    CustomKind.CHOICE,
    "user.contact.address",
    choices=(Choice("gold", "Gold", "Goud"), Choice("silver", "Silver", "Zilver")),
)


def declare(kluis: Kluis, *fields: CustomField) -> None:
    for f in fields:
        custom.declare(kluis, ADMIN, f, NOW)


def count_values(kluis: Kluis) -> int:
    with kluis.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(CustomValue)) or 0)


def test_only_admins_declare_and_a_declaration_is_audited(kluis: Kluis) -> None:
    with pytest.raises(PermissionDenied):
        custom.declare(kluis, SALES, SHOE, NOW)
    made = custom.declare(kluis, ADMIN, SHOE, NOW)
    assert made.id > 0
    assert [f.key for f in custom.fields(kluis)] == ["shoe_size"]
    with pytest.raises(Conflict):
        custom.declare(kluis, PRIVACY, SHOE, NOW)
    [entry] = audit.list_entries(kluis.engine, action="custom_field.declared")
    assert entry.details["key"] == "shoe_size"


def test_a_special_category_needs_its_art_9_2_condition(kluis: Kluis) -> None:
    health = CustomField(
        "allergy", "Allergy", "Allergie", CustomKind.TEXT, "user.health_and_medical"
    )
    with pytest.raises(InvalidField, match=r"Art\. 9\(2\)") as refused:
        custom.declare(kluis, ADMIN, health, NOW)
    assert refused.value.field == "art9_condition"
    made = custom.declare(
        kluis, ADMIN, CustomField(**{**health.__dict__, "art9_condition": "a"}), NOW
    )
    assert made.special


def test_values_are_sealed_read_only_under_covering_purposes_and_audited(kluis: Kluis) -> None:
    declare(kluis, SHOE, TIER)
    person = add_person(kluis, ADMIN, NOW, purposes=PURPOSES)
    custom.set_values(kluis, SALES, person, "sales_follow_up", {"shoe_size": "42.0"}, NOW)
    custom.set_values(kluis, SERVICE, person, "customer_service", {"tier": "gold"}, NOW)
    assert custom.read_values(kluis, SALES, person, "sales_follow_up", LATER) == {"shoe_size": "42"}
    assert custom.read_values(kluis, SERVICE, person, "customer_service", LATER) == {"tier": "gold"}
    assert custom.read_values(kluis, SERVICE, person, "invoicing", LATER) == {"tier": "gold"}
    both = custom.read_values(kluis, PRIVACY, person, "privacy_requests", LATER)
    assert both == {"shoe_size": "42", "tier": "gold"}
    reads = audit.list_entries(kluis.engine, person_id=person, action="person.read")
    fields_read = {tuple(e.details["fields"]) for e in reads}
    assert ("custom.shoe_size", "custom.tier") in fields_read
    with kluis.engine.connect() as conn:
        blobs = [bytes(b) for b in conn.scalars(select(CustomValue.sealed))]
    assert all(b"42" not in b and b"gold" not in b for b in blobs)


def test_values_are_collected_only_under_a_purpose_that_needs_them(kluis: Kluis) -> None:
    declare(kluis, SHOE)
    person = add_person(kluis, ADMIN, NOW, purposes=PURPOSES)
    with pytest.raises(PurposeRefused, match=r"Art\. 5\(1\)\(c\)"):
        custom.set_values(kluis, SERVICE, person, "invoicing", {"shoe_size": "42"}, NOW)
    with pytest.raises(PurposeRefused):
        custom.set_values(kluis, MARKETING, person, "sales_follow_up", {"shoe_size": "42"}, NOW)
    with pytest.raises(InvalidField):
        custom.set_values(kluis, SALES, person, "sales_follow_up", {"hat": "1"}, NOW)
    assert count_values(kluis) == 0


def test_exact_search_goes_through_the_blind_index(kluis: Kluis) -> None:
    declare(kluis, SHOE, TIER)
    first = add_person(kluis, ADMIN, NOW, 1, purposes=PURPOSES)
    second = add_person(kluis, ADMIN, NOW, 2, purposes=PURPOSES)
    outside = add_person(kluis, ADMIN, NOW, 3, purposes=("invoicing",), phone=None)
    for person, size in ((first, "42"), (second, "43"), (outside, "42")):
        custom.set_values(kluis, PRIVACY, person, "privacy_requests", {"shoe_size": size}, NOW)
    assert custom.search(kluis, SALES, "sales_follow_up", "shoe_size", "42.0", LATER) == [first]
    with pytest.raises(InvalidField):
        custom.search(kluis, SERVICE, "customer_service", "tier", "gold", LATER)


def test_erasure_and_minimisation_reach_the_values(kluis: Kluis) -> None:
    declare(kluis, SHOE, TIER)
    gone = add_person(kluis, ADMIN, NOW, 1, purposes=PURPOSES)
    kept = add_person(kluis, ADMIN, NOW, 2, purposes=PURPOSES)
    for person in (gone, kept):
        custom.set_values(
            kluis, PRIVACY, person, "privacy_requests", {"shoe_size": 40, "tier": "silver"}, NOW
        )
    erasure.erase_person(kluis, ADMIN, gone, LATER)
    assert count_values(kluis) == 2
    with kluis.engine.begin() as conn:
        done = erasure.keep_only(kluis, ADMIN, kept, ["invoicing"], LATER, reason="t", conn=conn)
    assert "custom.shoe_size" in done.cleared
    assert "custom.tier" not in done.cleared
    assert custom.read_values(kluis, PRIVACY, kept, "privacy_requests", LATER) == {"tier": "silver"}


def test_removing_a_field_erases_its_values_and_registers_it(kluis: Kluis) -> None:
    declare(kluis, SHOE, TIER)
    person = add_person(kluis, ADMIN, NOW, purposes=PURPOSES)
    custom.set_values(
        kluis, PRIVACY, person, "privacy_requests", {"shoe_size": 40, "tier": "gold"}, NOW
    )
    with pytest.raises(PermissionDenied):
        custom.remove(kluis, SALES, "shoe_size", LATER)
    assert custom.remove(kluis, ADMIN, "shoe_size", LATER) == 1
    assert count_values(kluis) == 1
    assert [f.key for f in custom.fields(kluis)] == ["tier"]
    with kluis.engine.connect() as conn:
        [entry] = register_repo.minimisations(conn)
    assert entry.person_id == person
    assert entry.fields == ("custom.shoe_size",)
    assert any(m.fields == ("custom.shoe_size",) for m in kluis.vault.minimisation_entries())
    [removed] = audit.list_entries(kluis.engine, action="custom_field.removed")
    assert removed.details["values_erased"] == 1


ROLES = (ADMIN, PRIVACY, SALES, MARKETING, SERVICE)
CATEGORY_POOL = (
    "user.contact.email",
    "user.contact",
    "user.demographic.profile",
    "user.job_title",
    "user.financial",
    "user.content.private",
    "user.demographic.date_of_birth",
    "user.name",
)
ALL_PURPOSES = (*PURPOSES, "age_verification", "privacy_requests", "email_marketing")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    categories=st.lists(st.sampled_from(CATEGORY_POOL), min_size=1, max_size=4),
    reader=st.sampled_from(ROLES),
    purpose=st.sampled_from(ALL_PURPOSES),
)
def test_no_read_returns_a_value_its_purpose_does_not_cover(
    kluis: Kluis, categories: list[str], reader: Actor, purpose: str
) -> None:
    made = []
    base = len(custom.fields(kluis))
    for n, category in enumerate(categories):
        key = f"f{base + n}"
        made.append(
            custom.declare(kluis, ADMIN, CustomField(key, key, key, CustomKind.TEXT, category), NOW)
        )
    person = add_person(kluis, ADMIN, NOW, base, purposes=PURPOSES)
    custom.set_values(
        kluis, PRIVACY, person, "privacy_requests", {f.key: f"waarde {f.key}" for f in made}, NOW
    )
    try:
        found = custom.read_values(kluis, reader, person, purpose, LATER)
    except KluisError:
        return
    with kluis.engine.connect() as conn:
        granted = purpose_for(conn, reader, purpose)
    mine = {f.key: f for f in made}
    assert all(granted.may_use(mine[key].category) for key in found if key in mine)
    assert {k for k in mine if granted.may_use(mine[k].category)} <= set(found)
    # the API answer's reader and the CSV export read the same, and nothing more
    answer = custom.read_many(kluis, reader, purpose, [person], LATER, "api").get(person, {})
    assert answer == found
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export.csv"
        export.export_people(kluis, reader, out, purpose, export.ExportFormat.CSV, LATER)
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    columns = {c[len("custom.") :] for c in rows[0] if c.startswith("custom.")} if rows else set()
    assert all(granted.may_use(f.category) for f in made if f.key in columns)
    exported = [r for r in rows if r["id"] == person]
    if exported:
        row = exported[0]
        assert {k: row["custom." + k] for k in found} == found
