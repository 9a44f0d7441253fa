"""The ``kluis`` command line end to end, through Typer's CliRunner, on SQLite and PostgreSQL.

The CLI reads the clock itself (it is the outermost edge), so no assertion here depends on the
time at which a command ran.
"""

from __future__ import annotations

import json
import os
import re
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from cli_helpers import ok, ok_json, refused
from conftest import ADMIN, NOW
from kluis.actors import Role
from kluis.audit import service as audit
from kluis.auth import service as auth
from kluis.cli import app
from kluis.consent.catalogue import DEFAULT_TOPICS
from kluis.contacts import people as contacts
from kluis.errors import PersonErased, Unauthenticated
from kluis.opening import open_kluis
from kluis.purposes import service as purposes
from kluis.runtime import Kluis
from kluis.settings import Settings

DEFAULT_PURPOSES = {
    "customer_service",
    "sales_follow_up",
    "email_marketing",
    "existing_customer_marketing",
    "invoicing",
    "age_verification",
    "privacy_requests",
}
PASSWORD = re.compile(r"one-time password: (?P<password>\S+)")


def add_buyer(*extra: str) -> str:
    """A customer whose birth date was collected for age verification only, added by the CLI."""
    result = ok(
        "contacts", "add",
        "--relationship", "customer",
        "--given-name", "Wietske",
        "--family-name", "Hoekstra-Dijkhuis",
        "--email", "wietske.hoekstra@example.com",
        "--phone", "+31 6 23456789",
        "--birth-date", "1984-07-21",
        "--purpose", "customer_service",
        "--purpose", "email_marketing",
        "--purpose", "age_verification",
        *extra,
    )  # fmt: skip
    return result.stdout.strip()


# users


def test_users_create_prints_a_one_time_password_that_works(
    kluis_env: Settings, kluis: Kluis
) -> None:
    result = ok("users", "create", "Anneke.Visser@example.com", "--role", "sales")
    assert result.stdout.startswith("Created anneke.visser@example.com (sales); ")
    found = PASSWORD.search(result.stdout)
    assert found is not None, result.stdout
    user = auth.check_password(kluis.engine, "anneke.visser@example.com", found["password"])
    assert user.role is Role.SALES
    assert user.must_change_password is True
    created = audit.list_entries(kluis.engine, action="user.created")
    assert [(e.details["user_id"], e.details["role"]) for e in created] == [(user.id, "sales")]
    assert created[0].actor.startswith("cli:")
    assert found["password"] not in json.dumps(created[0].details)


def test_users_create_refuses_an_unknown_role_naming_the_choices(
    kluis_env: Settings, kluis: Kluis
) -> None:
    detail = refused("users", "create", "anneke.visser@example.com", "--role", "boss", field="role")
    assert "boss" not in detail
    for role in Role:
        assert role.value in detail
    assert auth.list_users(kluis.engine) == []


def test_users_create_refuses_a_second_user_with_the_same_address(
    kluis_env: Settings, kluis: Kluis
) -> None:
    ok("users", "create", "anneke.visser@example.com", "--role", "sales")
    detail = refused(
        "users", "create", "ANNEKE.VISSER@example.com", "--role", "marketing", field="email"
    )
    assert "exists already" in detail
    assert [u.role for u in auth.list_users(kluis.engine)] == [Role.SALES]


def test_users_create_refuses_a_malformed_address(kluis_env: Settings, kluis: Kluis) -> None:
    refused("users", "create", "not-an-address", "--role", "sales", field="email")
    assert auth.list_users(kluis.engine) == []


# tokens


def test_tokens_create_prints_a_token_that_authenticates(kluis_env: Settings, kluis: Kluis) -> None:
    ok("users", "create", "joris.bakker@example.com", "--role", "marketing")
    token = ok("tokens", "create", "joris.bakker@example.com").stdout.strip()
    assert token.startswith("kluis_")
    assert len(token) > len("kluis_") + 30
    user = auth.find_user(kluis.engine, "joris.bakker@example.com")
    actor = auth.authenticate_token(kluis.engine, token, NOW)
    assert (actor.ref, actor.role, actor.user_id) == (f"user:{user.id}", Role.MARKETING, user.id)
    with pytest.raises(Unauthenticated):
        auth.authenticate_token(kluis.engine, token[:-1] + ("A" if token[-1] != "A" else "B"), NOW)


def test_each_token_is_new(kluis_env: Settings, kluis: Kluis) -> None:
    ok("users", "create", "joris.bakker@example.com", "--role", "service")
    first = ok("tokens", "create", "joris.bakker@example.com").stdout.strip()
    second = ok(
        "tokens", "create", "joris.bakker@example.com", "--name", "mail-sync"
    ).stdout.strip()
    assert first != second
    for token in (first, second):
        assert auth.authenticate_token(kluis.engine, token, NOW).role is Role.SERVICE


def test_tokens_create_for_an_unknown_user_is_refused(kluis_env: Settings, kluis: Kluis) -> None:
    detail = refused("tokens", "create", "nobody@example.com", field="email")
    assert "nobody@example.com" in detail
    assert "kluis users create" in detail


# contacts


def test_contacts_add_prints_the_new_id(kluis_env: Settings, kluis: Kluis) -> None:
    person_id = add_buyer()
    assert str(uuid.UUID(person_id)) == person_id
    view = contacts.read_person(kluis, ADMIN, person_id, "privacy_requests", NOW)
    assert view.relationship == "customer"
    assert set(view.purposes) == {"customer_service", "email_marketing", "age_verification"}
    assert view.fields["given_name"] == "Wietske"
    assert view.fields["family_name"] == "Hoekstra-Dijkhuis"
    assert view.fields["email"] == "wietske.hoekstra@example.com"
    assert view.fields["birth_date"] == "1984-07-21"
    created = audit.list_entries(kluis.engine, person_id=person_id, action="person.created")
    assert len(created) == 1
    assert created[0].details["source"] == "cli"


def test_contacts_add_json_prints_only_the_id(kluis_env: Settings, kluis: Kluis) -> None:
    printed = ok_json(
        "contacts", "add",
        "--relationship", "prospect",
        "--given-name", "Sjoerd",
        "--family-name", "de Vries",
        "--email", "sjoerd.devries@example.com",
        "--purpose", "sales_follow_up",
    )  # fmt: skip
    assert list(printed) == ["id"]
    view = contacts.read_person(kluis, ADMIN, printed["id"], "sales_follow_up", NOW)
    assert view.relationship == "prospect"
    assert view.fields == {
        "given_name": "Sjoerd",
        "family_name": "de Vries",
        "email": "sjoerd.devries@example.com",
    }


def test_contacts_add_without_a_purpose_collects_for_customer_service(
    kluis_env: Settings, kluis: Kluis
) -> None:
    person_id = ok(
        "contacts", "add",
        "--relationship", "customer",
        "--given-name", "Tjitske",
        "--family-name", "Zwart",
        "--phone", "+31 6 34567890",
    ).stdout.strip()  # fmt: skip
    view = contacts.read_person(kluis, ADMIN, person_id, "customer_service", NOW)
    assert list(view.purposes) == ["customer_service"]
    assert set(view.fields) == {"given_name", "family_name", "phone"}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (("--relationship", "friend"), "relationship"),
        (("--relationship", "customer", "--email", "not an address"), "email"),
        (
            (
                "--relationship", "customer",
                "--purpose", "customer_service",
                "--purpose", "age_verification",
                "--birth-date", "21-07-1984",
            ),
            "birth_date",
        ),
        (("--relationship", "customer", "--birth-date", "1984-07-21"), "birth_date"),
        (("--relationship", "customer", "--purpose", "no_such_purpose"), "purposes"),
    ],
    ids=["relationship", "email", "date-format", "date-without-purpose", "unknown-purpose"],
)  # fmt: skip
def test_contacts_add_refuses_bad_input_naming_the_field(
    kluis_env: Settings, kluis: Kluis, extra: tuple[str, ...], field: str
) -> None:
    refused(
        "contacts", "add", "--given-name", "Hylke", "--family-name", "Postma", *extra, field=field
    )
    page = contacts.search_people(kluis, ADMIN, "privacy_requests", NOW)
    assert page.total == 0


def test_contacts_show_returns_only_the_fields_of_the_purpose(
    kluis_env: Settings, kluis: Kluis
) -> None:
    person_id = add_buyer()
    marketing = ok_json("contacts", "show", person_id, "--purpose", "email_marketing")
    assert marketing["id"] == person_id
    assert marketing["purpose"] == "email_marketing"
    assert "birth_date" not in marketing["fields"]
    assert marketing["fields"] == {
        "given_name": "Wietske",
        "family_name": "Hoekstra-Dijkhuis",
        "email": "wietske.hoekstra@example.com",
    }
    checked = ok_json("contacts", "show", person_id, "--purpose", "age_verification")
    assert checked["fields"] == {"birth_date": "1984-07-21"}
    reads = audit.list_entries(kluis.engine, person_id=person_id, action="person.read")
    assert [(r.purpose, r.details["fields"]) for r in reads] == [
        ("email_marketing", ["email", "family_name", "given_name"]),
        ("age_verification", ["birth_date"]),
    ]


def test_contacts_show_as_text(kluis_env: Settings, kluis: Kluis) -> None:
    person_id = add_buyer()
    shown = ok("contacts", "show", person_id, "--purpose", "email_marketing").stdout
    assert person_id in shown
    assert "Wietske" in shown
    assert "wietske.hoekstra@example.com" in shown
    assert "birth_date" not in shown
    assert "1984-07-21" not in shown
    assert "1984-07-21" in ok("contacts", "show", person_id, "--purpose", "age_verification").stdout


def test_contacts_show_refusals(kluis_env: Settings, kluis: Kluis) -> None:
    person_id = ok(
        "contacts", "add",
        "--relationship", "customer",
        "--given-name", "Tjitske",
        "--family-name", "Zwart",
    ).stdout.strip()  # fmt: skip
    detail = refused("contacts", "show", person_id, "--purpose", "sales_follow_up", field="purpose")
    assert "sales_follow_up" in detail
    missing = str(uuid.UUID(int=7))
    detail = refused("contacts", "show", missing, "--purpose", "customer_service", field="id")
    assert missing in detail
    refused("contacts", "show", person_id, "--purpose", "no_such_purpose", field="purpose")


def test_contacts_search_finds_by_address_and_name(kluis_env: Settings, kluis: Kluis) -> None:
    person_id = add_buyer()
    ok(
        "contacts", "add",
        "--relationship", "customer",
        "--given-name", "Tjitske",
        "--family-name", "Zwart",
        "--email", "tjitske.zwart@example.com",
    )  # fmt: skip
    page = ok_json(
        "contacts", "search", "wietske.hoekstra@example.com", "--purpose", "email_marketing"
    )
    assert (page["total"], page["limit"], page["offset"]) == (1, 50, 0)
    assert [item["id"] for item in page["items"]] == [person_id]
    assert "birth_date" not in page["items"][0]["fields"]
    assert page["items"][0]["fields"]["email"] == "wietske.hoekstra@example.com"
    by_name = ok_json("contacts", "search", "Hoekstra-Dijkhuis", "--purpose", "customer_service")
    assert [item["id"] for item in by_name["items"]] == [person_id]
    none = ok_json("contacts", "search", "nobody@example.com", "--purpose", "customer_service")
    assert (none["total"], none["items"]) == (0, [])
    searches = audit.list_entries(kluis.engine, action="person.searched")
    assert [(s.purpose, s.details["results"]) for s in searches] == [
        ("email_marketing", 1),
        ("customer_service", 1),
        ("customer_service", 0),
    ]
    assert all("example.com" not in json.dumps(s.details) for s in searches)


def test_contacts_search_as_text_keeps_ids_whole(kluis_env: Settings, kluis: Kluis) -> None:
    """Rich draws 80 columns when output is not a terminal: the id, needed for the next command,
    must not be cut short, and no cell may lose characters to an ellipsis."""
    person_id = add_buyer()
    shown = ok(
        "contacts", "search", "wietske.hoekstra@example.com", "--purpose", "customer_service"
    )
    assert person_id in shown.stdout
    assert "Wietske" in shown.stdout
    assert "…" not in shown.stdout
    assert shown.stdout.rstrip().endswith("1 found")
    nothing = ok("contacts", "search", "Zwart", "--purpose", "customer_service")
    assert nothing.stdout.rstrip().endswith("0 found")


def test_contacts_erase_then_show_says_erased(kluis_env: Settings, kluis: Kluis) -> None:
    person_id = add_buyer()
    erased = ok("contacts", "erase", person_id)
    assert erased.stdout.strip() == f"Erased {person_id}."
    detail = refused("contacts", "show", person_id, "--purpose", "customer_service", field=None)
    assert "erased" in detail
    assert person_id in detail
    with pytest.raises(PersonErased):
        contacts.read_person(kluis, ADMIN, person_id, "privacy_requests", NOW)
    again = ok("contacts", "erase", person_id, "--yes")
    assert again.stdout.strip() == f"{person_id} was erased before."
    assert len(audit.list_entries(kluis.engine, person_id=person_id, action="person.erased")) == 1
    found = ok_json("contacts", "search", "wietske.hoekstra@example.com", "--purpose", "invoicing")
    assert found["total"] == 0


def test_contacts_erase_leaves_nothing_of_the_person_in_the_files_when_it_ends(
    kluis_env: Settings, kluis: Kluis, backend: str
) -> None:
    """The data store's checkpoint, deferred after an erasure (``kluis.wal``), runs when the
    command closes Kluis: a process that erases and exits leaves no frame of the person."""
    if backend != "sqlite":
        pytest.skip("SQLite only: PostgreSQL keeps no write-ahead log beside the store")
    person_id = add_buyer()
    with kluis.engine.connect() as conn:
        sealed = conn.execute(text("SELECT email FROM people WHERE id = :id"), {"id": person_id})
        ciphertext = bytes(sealed.scalar_one())
    ok("contacts", "erase", person_id, "--yes")
    for name in ("kluis.db", "kluis.db-wal"):
        path = kluis.settings.data_dir / name
        assert ciphertext not in (path.read_bytes() if path.exists() else b""), name


def test_contacts_erase_of_an_unknown_id_is_refused(kluis_env: Settings, kluis: Kluis) -> None:
    missing = str(uuid.UUID(int=11))
    assert missing in refused("contacts", "erase", missing, "--yes", field="id")


# purposes


def test_purposes_list(kluis_env: Settings) -> None:
    listed = ok_json("purposes", "list")
    assert {p["key"] for p in listed} == DEFAULT_PURPOSES
    assert len(listed) == len(DEFAULT_PURPOSES)
    by_key = {p["key"]: p for p in listed}
    assert by_key["age_verification"]["data_categories"] == ["user.demographic.date_of_birth"]
    assert by_key["email_marketing"]["lawful_basis"] == "consent"
    text = ok("purposes", "list").stdout
    assert "invoicing" in text
    assert "consent" in text


def test_purposes_show(kluis_env: Settings) -> None:
    shown = json.loads(ok("purposes", "show", "email_marketing").stdout)
    assert shown["key"] == "email_marketing"
    assert shown["lawful_basis"] == "consent"
    assert shown["retention"] == "P30D"
    assert shown["retention_anchor"] == "withdrawal"
    assert "user.demographic.date_of_birth" not in shown["data_categories"]
    detail = refused("purposes", "show", "no_such_purpose", field="key")
    assert "kluis purposes list" in detail


NEW_PURPOSE: dict[str, Any] = {
    "key": "event_invitations",
    "name_en": "Event invitations",
    "name_nl": "Uitnodigingen voor evenementen",
    "description_en": "Inviting customers to our open days.",
    "description_nl": "Klanten uitnodigen voor onze open dagen.",
    "lawful_basis": "legitimate_interest",
    "legitimate_interest": "Keeping in touch with existing customers.",
    "data_categories": ["user.name", "user.contact.email"],
    "data_use": "marketing.communications.email",
    "data_subjects": ["customer"],
    "retention": "P1Y",
    "retention_anchor": "last_interaction",
    "roles": ["marketing"],
}


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def test_purposes_add(kluis_env: Settings, kluis: Kluis, tmp_path: Path) -> None:
    file = write_json(tmp_path / "purpose.json", NEW_PURPOSE)
    assert ok("purposes", "add", str(file)).stdout.strip() == "Added purpose event_invitations."
    stored = purposes.get_purpose(kluis.engine, "event_invitations")
    assert stored.data_categories == ("user.name", "user.contact.email")
    assert stored.roles == ("marketing",)
    shown = json.loads(ok("purposes", "show", "event_invitations").stdout)
    assert shown["name_nl"] == "Uitnodigingen voor evenementen"
    assert {p["key"] for p in ok_json("purposes", "list")} == DEFAULT_PURPOSES | {
        "event_invitations"
    }
    created = audit.list_entries(kluis.engine, action="purpose.created", limit=1000)
    assert created[-1].purpose == "event_invitations"
    assert created[-1].actor.startswith("cli:")
    assert "exists already" in refused("purposes", "add", str(file), field="key")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"data_categories": ["user.shoe_size"]}, "data_categories"),
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"retention": "one year"}, "retention"),
        ({"colour": "blue"}, "colour"),
        ({"key": "Bad Key"}, "key"),
    ],
    ids=["category", "lawful-basis", "retention", "unknown-field", "key"],
)
def test_purposes_add_refuses_a_bad_purpose_naming_the_field(
    kluis_env: Settings, kluis: Kluis, tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    file = write_json(tmp_path / "purpose.json", NEW_PURPOSE | change)
    refused("purposes", "add", str(file), field=field)
    assert {p.key for p in purposes.list_purposes(kluis.engine)} == DEFAULT_PURPOSES


def test_purposes_add_refuses_a_file_that_is_not_a_purpose(
    kluis_env: Settings, kluis: Kluis, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"key": "event_invitations",', encoding="utf-8")
    assert "JSON" in refused("purposes", "add", str(broken), field="file")
    listed = write_json(tmp_path / "list.json", [NEW_PURPOSE])
    refused("purposes", "add", str(listed), field="file")
    refused("purposes", "add", str(tmp_path / "missing.json"), field="file")
    assert {p.key for p in purposes.list_purposes(kluis.engine)} == DEFAULT_PURPOSES


# audit


def test_audit_verify_on_an_intact_log(kluis_env: Settings, kluis: Kluis) -> None:
    add_buyer()
    ok("users", "create", "anneke.visser@example.com", "--role", "sales")
    expected = audit.verify(kluis.engine)
    assert expected.ok
    assert expected.entries == len(DEFAULT_PURPOSES) + len(DEFAULT_TOPICS) + 2
    result = ok("audit", "verify")
    assert result.stdout.strip() == (
        f"Audit log intact: {expected.entries} entries; head {expected.head_hash}"
    )


# init, in a directory of its own


def test_init_creates_a_kluis_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("KLUIS_"):
            monkeypatch.delenv(name)
    data_dir = tmp_path / "fresh"
    monkeypatch.setenv("KLUIS_DATA_DIR", str(data_dir))

    first = ok("init", "--admin-email", "eigenaar@example.com")
    for name in ("kluis.db", "keyring.db", "master.key"):
        assert (data_dir / name).is_file(), name
    assert stat.S_IMODE((data_dir / "master.key").stat().st_mode) == 0o600
    assert f"Loaded {len(DEFAULT_PURPOSES)} purposes" in first.stdout
    passwords = PASSWORD.findall(first.stdout)
    assert len(passwords) == 1
    master_key = (data_dir / "master.key").read_bytes()

    second = ok("init", "--admin-email", "eigenaar@example.com")
    assert "Already initialised." in second.stdout
    assert "password" not in second.stdout
    assert passwords[0] not in second.stdout
    assert "Loaded" not in second.stdout
    assert (data_dir / "master.key").read_bytes() == master_key

    opened = open_kluis(Settings(), migrate=False)
    try:
        assert {p.key for p in purposes.list_purposes(opened.engine)} == DEFAULT_PURPOSES
        users = auth.list_users(opened.engine)
        assert [(u.email, u.role) for u in users] == [("eigenaar@example.com", Role.ADMIN)]
        admin = auth.check_password(opened.engine, "eigenaar@example.com", passwords[0])
        assert admin.must_change_password is True
        assert audit.verify(opened.engine).ok
    finally:
        opened.close()


def test_commands_before_init_say_to_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("KLUIS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KLUIS_DATA_DIR", str(tmp_path / "nowhere"))
    assert "kluis init" in refused("purposes", "list", field=None)
    assert not (tmp_path / "nowhere").exists()


def test_purposes_change_changes_and_audits(kluis_env: Settings, tmp_path: Path) -> None:
    changes = tmp_path / "changes.json"
    changes.write_text('{"retention": "P3Y", "recipients": ["Mail house (processor)"]}')
    result = CliRunner().invoke(app, ["purposes", "change", "customer_service", str(changes)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Changed retention, recipients of customer_service."
    shown = json.loads(CliRunner().invoke(app, ["purposes", "show", "customer_service"]).stdout)
    assert shown["retention"] == "P3Y"
    again = CliRunner().invoke(app, ["purposes", "change", "customer_service", str(changes)])
    assert again.stdout.strip() == "customer_service unchanged."
    changes.write_text('{"retention": "three years"}')
    bad = CliRunner().invoke(app, ["purposes", "change", "customer_service", str(changes)])
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error [retention]:")
