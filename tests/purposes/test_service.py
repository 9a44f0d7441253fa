"""The purposes catalogue through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete

from conftest import ADMIN, MARKETING, NOW, PRIVACY, SALES
from kluis.audit import service as audit
from kluis.errors import Conflict, InvalidField, NotFound, PermissionDenied
from kluis.purposes import service
from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor, Transfer
from kluis.purposes.tables import PurposeRow
from kluis.runtime import Kluis

LATER = NOW + timedelta(hours=1)


def new_purpose(**changes: Any) -> Purpose:
    base = Purpose(
        key="repairs",
        name_en="Repairs",
        name_nl="Reparaties",
        description_en="Repairing what customers bring in.",
        description_nl="Repareren wat klanten brengen.",
        lawful_basis=LawfulBasis.LEGITIMATE_INTEREST,
        legitimate_interest="Telling customers their repair is ready.",
        data_categories=("user.name", "user.contact.phone_number"),
        data_use="essential.service",
        retention="P6M",
        retention_anchor=RetentionAnchor.LAST_INTERACTION,
        data_subjects=("customer",),
        recipients=("Courier (processor)",),
        transfers=(Transfer("United States", "Standard contractual clauses"),),
        roles=("service", "sales"),
    )
    return dataclasses.replace(base, **changes)


def entries(engine: Engine, action: str) -> list[audit.AuditEntryView]:
    return audit.list_entries(engine, action=action, limit=1000)


def test_list_returns_the_default_catalogue_sorted(kluis: Kluis) -> None:
    purposes = service.list_purposes(kluis.engine)
    keys = [p.key for p in purposes]
    assert keys == sorted(keys)
    assert keys == sorted(p.key for p in service.default_catalogue())
    assert purposes == sorted(service.default_catalogue(), key=lambda p: p.key)


def test_get_returns_a_stored_purpose(kluis: Kluis) -> None:
    invoicing = service.get_purpose(kluis.engine, "invoicing")
    assert invoicing.retention == "P7Y"
    assert invoicing.lawful_basis is LawfulBasis.LEGAL_OBLIGATION


def test_get_of_an_unknown_purpose_is_not_found(kluis: Kluis) -> None:
    with pytest.raises(NotFound, match="'telepathy'") as caught:
        service.get_purpose(kluis.engine, "telepathy")
    assert caught.value.field == "key"


def test_loading_the_default_catalogue_twice_adds_nothing(kluis: Kluis) -> None:
    before = len(entries(kluis.engine, "purpose.created"))
    assert service.load_default_catalogue(kluis.engine, LATER) == 0
    assert len(entries(kluis.engine, "purpose.created")) == before


def test_loading_adds_the_soft_opt_in_purpose_to_a_catalogue_seeded_before_it(
    kluis: Kluis,
) -> None:
    """A store whose catalogue was seeded before the soft opt-in purpose existed gets it from
    ``kluis init`` (issue 14), audited as created by the system; nothing else changes, and a
    purpose an admin changed keeps the admin's version."""
    with kluis.engine.begin() as conn:
        conn.execute(delete(PurposeRow).where(PurposeRow.key == "existing_customer_marketing"))
    service.change_purpose(kluis.engine, ADMIN, "email_marketing", {"retention": "P60D"}, NOW)
    before = len(entries(kluis.engine, "purpose.created"))
    assert service.load_default_catalogue(kluis.engine, LATER) == 1
    added = service.get_purpose(kluis.engine, "existing_customer_marketing")
    assert added.lawful_basis is LawfulBasis.LEGITIMATE_INTEREST
    assert added.data_subjects == ("customer",)
    assert service.get_purpose(kluis.engine, "email_marketing").retention == "P60D"
    created = entries(kluis.engine, "purpose.created")
    assert len(created) == before + 1
    assert (created[-1].actor, created[-1].purpose) == ("system", added.key)
    assert service.load_default_catalogue(kluis.engine, LATER) == 0


@pytest.mark.parametrize("actor", [ADMIN, PRIVACY], ids=["admin", "privacy_officer"])
def test_create_stores_the_purpose_and_audits_it(kluis: Kluis, actor: Any) -> None:
    purpose = new_purpose()
    assert service.create_purpose(kluis.engine, actor, purpose, LATER) == purpose
    assert service.get_purpose(kluis.engine, "repairs") == purpose
    assert "repairs" in {p.key for p in service.list_purposes(kluis.engine)}
    created = [e for e in entries(kluis.engine, "purpose.created") if e.purpose == "repairs"]
    assert len(created) == 1
    assert created[0].actor == actor.ref
    assert created[0].at == LATER
    assert created[0].details == {"lawful_basis": "legitimate_interest"}
    assert created[0].person_id is None


@pytest.mark.parametrize("actor", [MARKETING, SALES], ids=["marketing", "sales"])
def test_create_by_other_roles_is_refused(kluis: Kluis, actor: Any) -> None:
    with pytest.raises(PermissionDenied, match="admin or the privacy officer"):
        service.create_purpose(kluis.engine, actor, new_purpose(), LATER)
    with pytest.raises(NotFound):
        service.get_purpose(kluis.engine, "repairs")
    assert not [e for e in entries(kluis.engine, "purpose.created") if e.purpose == "repairs"]


def test_create_of_an_existing_key_is_a_conflict(kluis: Kluis) -> None:
    original = service.get_purpose(kluis.engine, "invoicing")
    with pytest.raises(Conflict, match="'invoicing'") as caught:
        service.create_purpose(kluis.engine, ADMIN, new_purpose(key="invoicing"), LATER)
    assert caught.value.field == "key"
    assert service.get_purpose(kluis.engine, "invoicing") == original


def test_create_of_an_invalid_purpose_is_refused(kluis: Kluis) -> None:
    with pytest.raises(InvalidField, match=r"user\.nonsense") as caught:
        service.create_purpose(
            kluis.engine, ADMIN, new_purpose(data_categories=("user.nonsense",)), LATER
        )
    assert caught.value.field == "data_categories"
    with pytest.raises(NotFound):
        service.get_purpose(kluis.engine, "repairs")


def test_change_audits_the_names_of_changed_fields_only(kluis: Kluis) -> None:
    before = service.get_purpose(kluis.engine, "email_marketing")
    changed = service.change_purpose(
        kluis.engine,
        ADMIN,
        "email_marketing",
        {
            "retention": "P60D",
            "name_en": "Newsletters",
            "name_nl": before.name_nl,
            "roles": list(before.roles),
        },
        LATER,
    )
    assert changed.retention == "P60D"
    assert changed.name_en == "Newsletters"
    assert changed.roles == before.roles
    assert service.get_purpose(kluis.engine, "email_marketing") == changed
    assert dataclasses.replace(before, retention="P60D", name_en="Newsletters") == changed
    logged = entries(kluis.engine, "purpose.changed")
    assert len(logged) == 1
    assert logged[0].purpose == "email_marketing"
    assert logged[0].actor == ADMIN.ref
    assert logged[0].details == {"fields": ["name_en", "retention"]}
    assert "Newsletters" not in str(logged[0].details)


def test_a_change_that_changes_nothing_is_not_audited(kluis: Kluis) -> None:
    before = service.get_purpose(kluis.engine, "invoicing")
    after = service.change_purpose(
        kluis.engine,
        PRIVACY,
        "invoicing",
        {"retention": before.retention, "data_categories": list(before.data_categories)},
        LATER,
    )
    assert after == before
    assert entries(kluis.engine, "purpose.changed") == []


def test_change_of_transfers_from_plain_data(kluis: Kluis) -> None:
    changed = service.change_purpose(
        kluis.engine,
        ADMIN,
        "invoicing",
        {"transfers": [{"country": "Switzerland", "safeguard": "Adequacy decision"}]},
        LATER,
    )
    assert changed.transfers == (Transfer("Switzerland", "Adequacy decision"),)
    assert service.get_purpose(kluis.engine, "invoicing").transfers == changed.transfers
    (logged,) = entries(kluis.engine, "purpose.changed")
    assert logged.details == {"fields": ["transfers"]}


def test_changing_the_key_is_refused(kluis: Kluis) -> None:
    with pytest.raises(InvalidField, match="key cannot change") as caught:
        service.change_purpose(kluis.engine, ADMIN, "invoicing", {"key": "billing"}, LATER)
    assert caught.value.field == "key"
    service.get_purpose(kluis.engine, "invoicing")
    with pytest.raises(NotFound):
        service.get_purpose(kluis.engine, "billing")
    assert entries(kluis.engine, "purpose.changed") == []


def test_repeating_the_same_key_in_a_change_is_allowed(kluis: Kluis) -> None:
    changed = service.change_purpose(
        kluis.engine, ADMIN, "invoicing", {"key": "invoicing", "retention": "P10Y"}, LATER
    )
    assert changed.key == "invoicing"
    assert changed.retention == "P10Y"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"data_categories": ["user.nonsense"]}, "data_categories"),
        ({"retention": "seven years"}, "retention"),
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"retention_anchor": "whenever"}, "retention_anchor"),
        ({"roles": ["service", "janitor"]}, "roles"),
        ({"lawful_basis": "legitimate_interest"}, "legitimate_interest"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_an_invalid_change_is_refused_and_nothing_is_stored(
    kluis: Kluis, changes: dict[str, Any], field: str
) -> None:
    before = service.get_purpose(kluis.engine, "invoicing")
    with pytest.raises(InvalidField) as caught:
        service.change_purpose(kluis.engine, ADMIN, "invoicing", changes, LATER)
    assert caught.value.field == field
    assert service.get_purpose(kluis.engine, "invoicing") == before
    assert entries(kluis.engine, "purpose.changed") == []


def test_change_by_marketing_is_refused(kluis: Kluis) -> None:
    before = service.get_purpose(kluis.engine, "email_marketing")
    with pytest.raises(PermissionDenied):
        service.change_purpose(
            kluis.engine, MARKETING, "email_marketing", {"data_categories": ["user"]}, LATER
        )
    assert service.get_purpose(kluis.engine, "email_marketing") == before
    assert entries(kluis.engine, "purpose.changed") == []


def test_change_of_an_unknown_purpose_is_not_found(kluis: Kluis) -> None:
    with pytest.raises(NotFound, match="'telepathy'"):
        service.change_purpose(kluis.engine, ADMIN, "telepathy", {"retention": "P1Y"}, LATER)


def test_the_audit_chain_stays_valid_after_catalogue_changes(kluis: Kluis) -> None:
    service.create_purpose(kluis.engine, ADMIN, new_purpose(), LATER)
    service.change_purpose(kluis.engine, ADMIN, "repairs", {"retention": "P1Y"}, LATER)
    assert audit.verify(kluis.engine).ok
