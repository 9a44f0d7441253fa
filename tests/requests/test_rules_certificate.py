"""The erasure certificate (kluis.requests.rules.certificate): pure, so checked over every subset
of the personal fields a person may have, erased or kept, and every shape of kept purpose."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor
from kluis.requests.rules import KEPT_WHY, Kept, certificate

NOW = datetime(2026, 12, 2, 17, 10, 56, 507476, tzinfo=UTC)
NAMES = [f.name for f in PERSONAL_FIELDS]


def invoices(categories: tuple[str, ...] = ("user.name", "user.contact.address")) -> Purpose:
    return Purpose(
        key="invoicing",
        name_en="Invoicing",
        name_nl="Facturatie",
        description_en="Invoices",
        description_nl="Facturen",
        lawful_basis=LawfulBasis.LEGAL_OBLIGATION,
        data_categories=categories,
        data_use="essential.service.payment_processing",
        retention="P7Y",
        retention_anchor=RetentionAnchor.COLLECTION,
    )


def test_a_full_erasure_names_every_field_it_erased_and_keeps_nothing() -> None:
    present = [f for f in PERSONAL_FIELDS if f.name in ("given_name", "email", "notes")]
    cert = certificate(12, "p-1", NOW, present, [f.name for f in present], [])
    assert cert == {
        "request_id": 12,
        "erased_at": "2026-12-02T17:10:56.507476+00:00",
        "person_id": "p-1",
        "kept": [],
        "fields": ["given_name", "email", "notes"],
        "categories": ["user.contact.email", "user.content.private", "user.name.first"],
    }
    assert list(cert) == ["request_id", "erased_at", "person_id", "kept", "fields", "categories"]


def test_a_kept_purpose_names_its_basis_retention_and_the_fields_it_still_holds() -> None:
    present = [f for f in PERSONAL_FIELDS if f.name in ("given_name", "email", "address")]
    cert = certificate(
        3, "p-2", NOW, present, ["email"], [(Kept("invoicing", date(2033, 1, 5)), invoices())]
    )
    assert cert["kept"] == [
        {
            "purpose": "invoicing",
            "name": "Invoicing",
            "lawful_basis": "legal_obligation",
            "why": KEPT_WHY,
            "retention": "P7Y",
            "anchor": "collection",
            "until": "2033-01-05",
            "fields": ["given_name", "address"],
        }
    ]
    assert cert["fields"] == ["email"]
    assert cert["categories"] == ["user.contact.email"]


def test_a_kept_purpose_whose_period_has_not_started_has_no_end_date() -> None:
    cert = certificate(3, "p-2", NOW, [], [], [(Kept("invoicing", None), invoices())])
    assert cert["kept"][0]["until"] is None
    assert cert["kept"][0]["fields"] == []


@given(
    present=st.sets(st.sampled_from(NAMES)),
    erased=st.sets(st.sampled_from(NAMES)),
    granted=st.sets(st.sampled_from([f.category for f in PERSONAL_FIELDS] + ["user"])),
    until=st.none() | st.dates(),
)
def test_any_certificate_keeps_only_present_unerased_fields_the_purpose_may_use(
    present: set[str], erased: set[str], granted: set[str], until: date | None
) -> None:
    fields = [f for f in PERSONAL_FIELDS if f.name in present]
    purpose = invoices(tuple(sorted(granted)))
    order = [n for n in NAMES if n in erased]
    cert = certificate(1, "p", NOW, fields, order, [(Kept("invoicing", until), purpose)])
    kept = cert["kept"][0]["fields"]
    assert kept == [f.name for f in fields if f.name not in erased and purpose.may_use(f.category)]
    assert set(kept).isdisjoint(cert["fields"])
    assert cert["fields"] == order
    assert cert["categories"] == sorted({f.category for f in PERSONAL_FIELDS if f.name in erased})
    # Names and categories only: it serialises as it is e-mailed, with no value in it.
    assert json.loads(json.dumps(cert)) == cert
