"""Invariant 1: no personal data at rest in plain text, in any file or dump of either store."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from conftest import ADMIN, NOW
from factories import add_person
from kluis.activities import service as activities
from kluis.activities.rules import Draft
from kluis.connected import service as connected
from kluis.contacts import custom_fields, erasure, people
from kluis.contacts.custom_rules import CustomField, CustomKind
from kluis.runtime import Kluis
from kluis.tasks import service as tasks
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from pgserver import PostgresServer
from task_helpers import staff

PEOPLE = [
    {
        "given_name": "Wubbina",
        "family_name": "Oosterhuizenga",
        "email": "wubbina.oosterhuizenga@example.com",
        "phone": "+31 6 98765432",
        "birth_date": "1971-09-23",
        "address": "Zonnebloemstraat 17, 9711 AB Groningen",
        "notes": "Prefers calls after lunch",
    },
    {
        "given_name": "Hendrikje",
        "family_name": "Kwakkelstein",
        "email": "h.kwakkelstein@example.com",
        "phone": "+32 470 12 34 56",
        "birth_date": "1958-02-11",
    },
]

NEEDLES = [
    "Wubbina",
    "Oosterhuizenga",
    "wubbina.oosterhuizenga@example.com",
    "+31698765432",
    "98765432",
    "1971-09-23",
    "Zonnebloemstraat",
    "after lunch",
    "Hendrikje",
    "Kwakkelstein",
    "kwakkelstein@example.com",
    "+32470123456",
    "1958-02-11",
    "Ketelbinkie",
    "Wil donderdag geleverd",
    "ext-Qx7730",
    "ext-Qx7731",
    "Vlinderdasverzamelaar",
    "Glutenvrij-dieet",
    "tjitske.zwanenburg@example.com",
    "Postzegelverzamelaar",
]


def _fill(kluis: Kluis) -> list[str]:
    ids = []
    for n, fields in enumerate(PEOPLE):
        ids.append(
            add_person(
                kluis,
                ADMIN,
                NOW,
                n,
                purposes=("customer_service", "age_verification"),
                **fields,
            )
        )
    call = Draft(type="call", subject="Ketelbinkie terugbellen", body="Wil donderdag geleverd")
    activities.log(kluis, ADMIN, ids[0], "customer_service", call, NOW)
    # the identifiers a connected system knows them by, and an erasure's notice, are sealed
    shop = connected.add_system(
        kluis,
        ADMIN,
        NOW,
        name="Webshop",
        kind="processor",
        reach="webhook",
        purposes=["customer_service"],
        webhook_url="https://shop.example.com/kluis",
    )
    for n, person_id in enumerate(ids):
        connected.link(kluis, ADMIN, person_id, shop.system.id, f"ext-Qx773{n}", NOW)
    for person_id in ids:
        people.read_person(kluis, ADMIN, person_id, "privacy_requests", NOW)
    people.search_people(kluis, ADMIN, "customer_service", NOW, text="Wubbina")
    people.search_people(kluis, ADMIN, "customer_service", NOW, text="+31 6 98765432")
    tasks.add(
        kluis,
        staff(kluis, "admin"),
        tasks.NewTask(
            "Bel Wubbina over de Zonnebloemstraat",
            NOW.date(),
            notes="Hendrikje Kwakkelstein belt na de lunch",
            person_id=ids[0],
            purpose_key="customer_service",
        ),
        NOW,
    )
    # custom fields: a searchable one and a special category, sealed like the built-in ones
    hobby = CustomField("hobby", "Hobby", "Hobby", CustomKind.TEXT, "user.content.private", True)
    diet = CustomField("diet", "Diet", "Dieet", CustomKind.TEXT, "user.health_and_medical")
    custom_fields.declare(kluis, ADMIN, hobby, NOW)
    custom_fields.declare(
        kluis, ADMIN, CustomField(**{**diet.__dict__, "art9_condition": "a"}), NOW
    )
    values = {"hobby": "Vlinderdasverzamelaar", "diet": "Glutenvrij-dieet"}
    for person_id in ids:
        custom_fields.set_values(kluis, ADMIN, person_id, "privacy_requests", values, NOW)
        custom_fields.read_values(kluis, ADMIN, person_id, "privacy_requests", NOW)
    custom_fields.search(kluis, ADMIN, "customer_service", "hobby", "Vlinderdasverzamelaar", NOW)
    # an imported custom value, sealed by the import's batch writer
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "import.csv"
        source.write_text(
            "E-mail,custom.hobby\ntjitske.zwanenburg@example.com,Postzegelverzamelaar\n"
        )
        options = ImportOptions(purposes=("customer_service",))
        done = pipeline.run_import(kluis, ADMIN, source, options, NOW)
    assert done.counts.custom == 1
    return ids


def _raw_bytes(kluis: Kluis, request: pytest.FixtureRequest) -> bytes:
    if kluis.settings.database_url is None:
        blobs = []
        for url in (kluis.settings.resolved_database_url, kluis.settings.resolved_keyring_url):
            path = Path(str(make_url(url).database))
            for suffix in ("", "-wal", "-shm", "-journal"):
                candidate = path.with_name(path.name + suffix)
                if candidate.exists():
                    blobs.append(candidate.read_bytes())
        return b"".join(blobs)
    pg: PostgresServer = request.getfixturevalue("pg")
    return b"".join(
        pg.pg_dump(str(make_url(url).database))
        for url in (kluis.settings.resolved_database_url, kluis.settings.resolved_keyring_url)
    )


def _assert_no_needles(raw: bytes) -> None:
    assert len(raw) > 10_000
    lowered = raw.lower()
    for needle in NEEDLES:
        for encoded in (needle.encode("utf-8"), needle.encode("utf-16-le")):
            assert encoded.lower() not in lowered, f"{needle!r} found in plain text at rest"


def test_stores_hold_no_personal_data_in_plain_text(
    kluis: Kluis, request: pytest.FixtureRequest
) -> None:
    _fill(kluis)
    raw = _raw_bytes(kluis, request)
    assert b"person_keys" in raw or b"person_keys" in raw.lower()
    _assert_no_needles(raw)


def test_the_check_would_see_plain_text(kluis: Kluis, request: pytest.FixtureRequest) -> None:
    """Guard against a test that cannot fail: a company name (not personal data, stored
    plainly) is visible in the same raw bytes."""
    from kluis.contacts import companies

    companies.create_company(kluis, ADMIN, {"name": "Zuivelhandel Kwarkstra BV"}, NOW)
    raw = _raw_bytes(kluis, request)
    assert b"Zuivelhandel Kwarkstra BV" in raw


def test_erased_people_leave_no_plain_text(kluis: Kluis, request: pytest.FixtureRequest) -> None:
    ids = _fill(kluis)
    for person_id in ids:
        erasure.erase_person(kluis, ADMIN, person_id, NOW)
    _assert_no_needles(_raw_bytes(kluis, request))
