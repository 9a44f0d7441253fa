"""Every change Art. 19 names makes a notice to the connected systems of the person's purposes,
whichever path makes it, on SQLite and PostgreSQL: rectification (field names, never values),
restriction and its lifting, objection and its withdrawal, consent withdrawal, the retention
sweep's erasure and its partial erasure (Art. 17(3)(b)), an erasure request (the end-to-end
test). What is kept names nobody in plain text, and the identifier goes with the person."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from conftest import ADMIN, MARKETING, NOW, PRIVACY
from factories import add_notice, add_person, grant_consent
from kluis.compliance import ropa
from kluis.connected import delivery, service
from kluis.connected.tables import ConnectedIdentity, ConnectedNotice
from kluis.consent import ledger as consent
from kluis.contacts import flags, rectify
from kluis.requests import export
from kluis.requests import service as requests
from kluis.retention import service as retention
from kluis.runtime import Kluis
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from kluis.transfer.rules.matching import Duplicates
from webhook_receiver import Receiver, serving

EXTERNAL = "crm-Zq81x"


def _system(kluis: Kluis, url: str = "https://crm.example.com/hook", **extra: object) -> int:
    added = service.add_system(
        kluis,
        ADMIN,
        NOW,
        name=str(extra.pop("name", "CRM")),
        kind="processor",
        reach=str(extra.pop("reach", "webhook")),
        purposes=list(extra.pop("purposes", ["customer_service"])),  # type: ignore[call-overload]
        webhook_url=url,
        **extra,  # type: ignore[arg-type]
    )
    return added.system.id


def _notices(kluis: Kluis) -> list[tuple[str, str, str]]:
    with kluis.engine.connect() as conn:
        rows = conn.execute(
            select(ConnectedNotice.kind, ConnectedNotice.fields, ConnectedNotice.state).order_by(
                ConnectedNotice.id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_each_change_of_the_person_is_told_with_field_names_only(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 1, purposes=("customer_service", "email_marketing"))
    system = _system(kluis)
    service.link(kluis, ADMIN, person, system, EXTERNAL, NOW)
    rectify.update_person(
        kluis, ADMIN, person, "customer_service", {"family_name": "Veldkamp-Ortiz"}, NOW
    )
    for flag, active in (
        ("restriction", True),
        ("restriction", False),
        ("objection", True),
        ("objection", False),
    ):
        flags.set_flag(kluis, ADMIN, person, flag, active, "email", NOW)
    notice = add_notice(kluis)
    grant_consent(kluis, person, "email", "offers", notice)
    consent.record(kluis, MARKETING, person, "email", "offers", "withdrawn", NOW)
    assert _notices(kluis) == [
        ("rectification", "family_name", "pending"),
        ("restriction", "", "pending"),
        ("restriction_lifted", "", "pending"),
        ("objection", "", "pending"),
        ("objection_lifted", "", "pending"),
        ("consent_withdrawn", "", "pending"),
    ]
    with serving(Receiver([])) as receiver:
        with kluis.engine.begin() as conn:
            conn.execute(text("UPDATE connected_systems SET webhook_url = :u"), {"u": receiver.url})
        # the receiver gets the new secret of a rotation (the old one still signs beside it)
        receiver.secrets.append(service.rotate_secret(kluis, ADMIN, system, NOW))
        receiver.now = NOW
        done = delivery.deliver_due(kluis, NOW)
    assert done.confirmed == 6
    first = receiver.acted[0]["data"]
    assert first["kind"] == "rectification"
    assert first["fields"] == ["family_name"]
    assert first["subject"]["id"] == EXTERNAL
    assert "values" not in first
    assert all("Veldkamp" not in str(body) for body in receiver.acted)
    # nothing kept names the person in plain text: not the audit log, not the notices
    with kluis.engine.connect() as conn:
        for table in ("audit_log", "connected_notices", "connected_identities", "jobs"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):  # noqa: S608 (fixed names)
                assert EXTERNAL not in str(row)
                assert "Veldkamp" not in str(row)


def test_the_retention_sweep_erasure_is_told_before_the_key_is_gone(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 2)
    system = _system(kluis)
    service.link(kluis, ADMIN, person, system, EXTERNAL, NOW)
    later = NOW + timedelta(days=3 * 365)
    assert retention.sweep(kluis, later).erased == 1
    assert kluis.vault.erased([person]) == {person}
    assert _notices(kluis) == [("erasure", "", "pending")]
    with kluis.engine.connect() as conn:
        assert conn.execute(select(ConnectedIdentity)).all() == []
        [sealed] = conn.scalars(select(ConnectedNotice.sealed_subject)).all()
    assert sealed is not None
    assert EXTERNAL.encode() not in sealed
    with serving(Receiver(["done"])) as receiver:
        with kluis.engine.begin() as conn:
            conn.execute(text("UPDATE connected_systems SET webhook_url = :u"), {"u": receiver.url})
        receiver.secrets.append(service.rotate_secret(kluis, ADMIN, system, later))
        receiver.now = later
        assert delivery.deliver_due(kluis, later).confirmed == 1
    assert receiver.acted[0]["data"]["subject"]["id"] == EXTERNAL
    with kluis.engine.connect() as conn:
        assert conn.scalars(select(ConnectedNotice.sealed_subject)).all() == [None]


def test_a_partial_erasure_tells_the_systems_of_the_removed_purposes(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 3, purposes=("customer_service", "invoicing"))
    shop = _system(kluis, name="Shop", purposes=["customer_service"])
    books = _system(kluis, name="Books", purposes=["invoicing"], reach="manual", url=None)
    service.link(kluis, ADMIN, person, shop, EXTERNAL, NOW)
    report = retention.sweep(kluis, NOW + timedelta(days=3 * 365))
    assert report.minimised == 1
    with kluis.engine.connect() as conn:
        rows = conn.execute(
            select(ConnectedNotice.system_id, ConnectedNotice.kind).order_by(ConnectedNotice.id)
        ).all()
    assert [tuple(r) for r in rows] == [(shop, "erasure"), (books, "erasure")]


def test_a_webhook_without_an_identifier_is_not_told_and_a_manual_step_is(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 4)
    _system(kluis, name="Unlinked")
    _system(kluis, name="Paper files", reach="manual", url=None, instructions="Shred the card.")
    flags.set_flag(kluis, ADMIN, person, "restriction", True, "letter", NOW)
    with kluis.engine.connect() as conn:
        kinds = conn.execute(select(ConnectedNotice.system_id, ConnectedNotice.kind)).all()
    assert len(kinds) == 1
    assert kinds[0][1] == "restriction"


def test_a_change_with_no_connected_system_makes_nothing(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 5)
    flags.set_flag(kluis, ADMIN, person, "objection", True, "letter", NOW)
    assert _notices(kluis) == []


def test_the_access_package_and_the_record_name_the_systems(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 6)
    system = _system(kluis, name="Helpdesk tool")
    service.link(kluis, ADMIN, person, system, EXTERNAL, NOW)
    package = export.access_package(kluis, PRIVACY, person, NOW)
    assert package["connected_systems"] == [{"system": "Helpdesk tool", "external_id": EXTERNAL}]
    [held] = [p for p in package["purposes"] if p["key"] == "customer_service"]
    assert "Helpdesk tool" in held["recipients"]
    record = ropa.build(kluis, "en", NOW)
    [activity] = [a for a in record.activities if a.purpose == "customer_service"]
    assert "Helpdesk tool" in activity.recipients


def test_an_import_that_merges_a_new_field_is_a_rectification(kluis: Kluis, tmp_path: Path) -> None:
    person = add_person(kluis, ADMIN, NOW, 7, family_name=None, phone=None)
    system = _system(kluis, name="Import mirror")
    service.link(kluis, ADMIN, person, system, EXTERNAL, NOW)
    path = tmp_path / "klanten.csv"
    path.write_text(
        "Voornaam;Achternaam;E-mailadres\r\nFenna7;Okonkwo;fenna.brouwersma7@example.com\r\n"
    )
    options = ImportOptions(purposes=("customer_service",), duplicates=Duplicates.MERGE)
    report = pipeline.run_import(kluis, ADMIN, path, options, NOW)
    assert report.counts.merged == 1
    assert _notices(kluis) == [("rectification", "family_name", "pending")]


def test_a_rectification_request_is_told(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 8)
    system = _system(kluis, name="Request mirror")
    service.link(kluis, ADMIN, person, system, EXTERNAL, NOW)
    made = requests.create(
        kluis, ADMIN, "rectification", NOW, person_id=person, verified_by="in_person"
    )
    requests.process(kluis, ADMIN, made.id, NOW, changes={"phone": "+31 6 87654321"}, mail=False)
    assert _notices(kluis) == [("rectification", "phone", "pending")]
