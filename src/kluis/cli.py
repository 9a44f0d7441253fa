"""The ``kluis`` command line (Typer). Commands call services, never SQL.

Whoever runs the CLI holds the master key file, so the CLI acts as an admin; its audit entries
name the operating-system user (``cli:<user>``).
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Column, Table

from kluis.actors import Actor, Role
from kluis.auth import service as auth
from kluis.backup.cli import backup_app
from kluis.compliance.cli import breaches_app, check_command, notice_command, ropa_command
from kluis.consent import catalogue as consent_catalogue
from kluis.consent.cli import audience, consent_app, decide, notices_app, topics_app
from kluis.contacts import service as contacts
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.db import utcnow
from kluis.errors import InvalidField, KluisError
from kluis.messaging.cli import campaigns_app, messages_app
from kluis.purposes import service as purposes
from kluis.requests.cli import requests_app
from kluis.requests.export_cli import export_portable, import_portable
from kluis.retention.cli import end_contract, holds_app, retention_app
from kluis.runtime import Kluis, open_kluis
from kluis.settings import Settings
from kluis.transfer.cli import contacts_export, contacts_import, demo

app = typer.Typer(
    help="Kluis: a customer-data system in which the GDPR holds by construction.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Staff users and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
contacts_app = typer.Typer(help="People: add, show, search, erase.", no_args_is_help=True)
purposes_app = typer.Typer(help="The purposes catalogue.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(contacts_app, name="contacts")
app.add_typer(purposes_app, name="purposes")
app.add_typer(audit_app, name="audit")
app.add_typer(notices_app, name="notices")
app.add_typer(topics_app, name="topics")
app.add_typer(consent_app, name="consent")
app.command("decide")(decide)
app.command("audience")(audience)
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(messages_app, name="messages")
contacts_app.command("import")(contacts_import)
contacts_app.command("export")(contacts_export)
app.command("demo")(demo)
app.command("ropa")(ropa_command)
app.command("notice")(notice_command)
app.command("check")(check_command)
app.add_typer(breaches_app, name="breaches")
app.add_typer(requests_app, name="requests")
app.add_typer(backup_app, name="backup")
app.add_typer(retention_app, name="retention")
app.add_typer(holds_app, name="holds")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _actor() -> Actor:
    return Actor(ref=f"cli:{getpass.getuser()}", role=Role.ADMIN)


@contextmanager
def _kluis(create: bool = False) -> Iterator[Kluis]:
    kluis = open_kluis(Settings(), create=create)
    try:
        yield kluis
    finally:
        kluis.close()


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except KluisError as exc:
        field = f" [{exc.field}]" if exc.field else ""
        err.print(f"error{field}: {exc.detail}", markup=False)
        raise typer.Exit(1) from None


def _print_json(value: Any) -> None:
    out.print(json.dumps(value, default=_json_default, ensure_ascii=False, indent=2), markup=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


@app.command()
def init(
    admin_email: Annotated[
        str, typer.Option(help="E-mail address of the first admin user.")
    ] = "admin@localhost",
) -> None:
    """Create the data directory, master key and stores, load the default purposes and make a
    first admin, whose one-time password is printed once. Safe to run again."""

    def go() -> None:
        settings = Settings()
        with _kluis(create=True) as kluis:
            now = utcnow()
            added = purposes.load_default_catalogue(kluis.engine, now)
            consent_catalogue.load_default_topics(kluis, now)
            out.print(f"Data directory: {settings.data_dir.resolve()}", markup=False)
            if added:
                out.print(f"Loaded {added} purposes from the default catalogue.")
            if not auth.list_users(kluis.engine):
                user, password = auth.create_user(kluis.engine, _actor(), admin_email, "admin", now)
                out.print(
                    f"Created admin {user.email} with one-time password: {password}", markup=False
                )
                out.print("Write it down now: it is shown only this once.")
            else:
                out.print("Already initialised.")

    _run(go)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API (OpenAPI page at /docs). Migrations are applied at start. The access log
    holds no query strings and no link tokens (see docs/operations.md)."""
    import uvicorn

    from kluis.accesslog import uvicorn_log_config
    from kluis.app import create_app

    settings = Settings()
    _run(lambda: open_kluis(settings).close())
    out.print(f"Kluis serves on http://{host}:{port} (API docs at /docs)", markup=False)
    uvicorn.run(
        create_app(settings=settings),
        host=host,
        port=port,
        log_level="info",
        log_config=uvicorn_log_config(),
    )


@users_app.command("create")
def users_create(
    email: str,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(r.value for r in Role)}.")],
) -> None:
    """Create a staff user; prints their one-time password once."""

    def go() -> None:
        with _kluis() as kluis:
            user, password = auth.create_user(kluis.engine, _actor(), email, role, utcnow())
        out.print(
            f"Created {user.email} ({user.role.value}); one-time password: {password}", markup=False
        )

    _run(go)


@users_app.command("list")
def users_list(as_json: JsonOption = False) -> None:
    """List staff users and their roles."""

    def go() -> None:
        with _kluis() as kluis:
            users = auth.list_users(kluis.engine)
        if as_json:
            _print_json([dataclasses.asdict(u) for u in users])
            return
        table = Table("email", "role", "active")
        for u in users:
            table.add_row(u.email, u.role.value, "yes" if u.active else "no")
        out.print(table)

    _run(go)


@users_app.command("reset-password")
def users_reset_password(email: str) -> None:
    """Give a user a new one-time password, printed once."""

    def go() -> None:
        with _kluis() as kluis:
            password = auth.reset_password(kluis.engine, _actor(), email, utcnow())
        out.print(f"New one-time password for {email}: {password}", markup=False)

    _run(go)


@tokens_app.command("create")
def tokens_create(
    email: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
) -> None:
    """Create an API token for a user; the token is printed once and stored only hashed."""

    def go() -> None:
        with _kluis() as kluis:
            _, token = auth.create_token(kluis.engine, _actor(), email, utcnow(), name)
        out.print(token, markup=False)

    _run(go)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke an API token by its id."""

    def go() -> None:
        with _kluis() as kluis:
            auth.revoke_token(kluis.engine, _actor(), token_id, utcnow())
        out.print(f"Revoked token {token_id}.")

    _run(go)


@contacts_app.command("add")
def contacts_add(
    relationship: Annotated[str, typer.Option(help="customer, prospect or other.")],
    given_name: Annotated[str, typer.Option()],
    family_name: Annotated[str, typer.Option()],
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    birth_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    purpose: Annotated[
        list[str] | None,
        typer.Option(help="Purpose the data is collected for; repeat for several."),
    ] = None,
    language: Annotated[str, typer.Option(help="nl or en.")] = "nl",
    as_json: JsonOption = False,
) -> None:
    """Add a person; prints the new id (or JSON). Default purpose: customer_service."""

    def go() -> None:
        fields = {
            "given_name": given_name,
            "family_name": family_name,
            "email": email,
            "phone": phone,
            "birth_date": birth_date,
        }
        item = contacts.NewPerson(
            relationship=relationship,
            purposes=purpose or ["customer_service"],
            fields=fields,
            language=language,
        )
        with _kluis() as kluis:
            person_id = contacts.create_person(kluis, _actor(), item, utcnow(), source="cli")
        if as_json:
            _print_json({"id": person_id})
        else:
            out.print(person_id)

    _run(go)


def _person_json(view: contacts.PersonView) -> dict[str, Any]:
    data = dataclasses.asdict(view)
    data["purposes"] = list(view.purposes)
    return data


def _print_person(view: contacts.PersonView) -> None:
    table = Table(show_header=False, box=None)
    table.add_row("id", view.id)
    table.add_row("relationship", view.relationship)
    table.add_row("purposes", ", ".join(view.purposes))
    for declared in PERSONAL_FIELDS:
        if declared.name in view.fields:
            value = view.fields[declared.name]
            table.add_row(declared.name, ", ".join(value) if isinstance(value, list) else value)
    out.print(table)


PurposeOption = Annotated[str, typer.Option(help="The purpose of this read (audited).")]


@contacts_app.command("show")
def contacts_show(person_id: str, purpose: PurposeOption, as_json: JsonOption = False) -> None:
    """Show a person with only the fields the purpose may use."""

    def go() -> None:
        with _kluis() as kluis:
            view = contacts.read_person(kluis, _actor(), person_id, purpose, utcnow())
        if as_json:
            _print_json(_person_json(view))
        else:
            _print_person(view)

    _run(go)


@contacts_app.command("search")
def contacts_search(
    text: str,
    purpose: PurposeOption,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonOption = False,
) -> None:
    """Search by e-mail address, phone number or whole words of a name."""

    def go() -> None:
        with _kluis() as kluis:
            page = contacts.search_people(
                kluis, _actor(), purpose, utcnow(), text=text, limit=limit, offset=offset
            )
        if as_json:
            _print_json(
                {
                    "items": [_person_json(v) for v in page.items],
                    "total": page.total,
                    "limit": page.limit,
                    "offset": page.offset,
                }
            )
            return
        table = Table(
            Column("id", no_wrap=True, min_width=36),
            Column("name", overflow="fold"),
            Column("e-mail", overflow="fold"),
            Column("phone", no_wrap=True),
        )
        for v in page.items:
            name = " ".join(str(v.fields.get(n, "")) for n in ("given_name", "family_name"))
            table.add_row(
                v.id, name.strip(), str(v.fields.get("email", "")), str(v.fields.get("phone", ""))
            )
        out.print(table)
        out.print(f"{page.total} found")

    _run(go)


@contacts_app.command("erase")
def contacts_erase(
    person_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person for good: key destroyed, rows deleted, id in the erasure register."""
    if not yes and sys.stdin.isatty():
        typer.confirm(
            f"Erase {person_id}? Every copy of their data, backups included, becomes "
            "unreadable. This cannot be undone.",
            abort=True,
        )

    def go() -> None:
        with _kluis() as kluis:
            first = contacts.erase_person(kluis, _actor(), person_id, utcnow())
        out.print(f"Erased {person_id}." if first else f"{person_id} was erased before.")

    _run(go)


contacts_app.command("export-portable")(export_portable)
contacts_app.command("import-portable")(import_portable)
contacts_app.command("end-contract")(end_contract)


@purposes_app.command("list")
def purposes_list(as_json: JsonOption = False) -> None:
    """List the purposes with their lawful basis and retention."""

    def go() -> None:
        with _kluis() as kluis:
            found = purposes.list_purposes(kluis.engine)
        if as_json:
            _print_json([dataclasses.asdict(p) for p in found])
            return
        table = Table(
            Column("key", no_wrap=True),
            Column("lawful basis", no_wrap=True),
            Column("retention", overflow="fold"),
            Column("name", overflow="fold"),
        )
        for p in found:
            table.add_row(
                p.key,
                p.lawful_basis.value,
                f"{p.retention} from {p.retention_anchor.value}",
                p.name_en,
            )
        out.print(table)

    _run(go)


@purposes_app.command("show")
def purposes_show(key: str) -> None:
    """Show one purpose as JSON."""

    def go() -> None:
        with _kluis() as kluis:
            _print_json(dataclasses.asdict(purposes.get_purpose(kluis.engine, key)))

    _run(go)


@purposes_app.command("add")
def purposes_add(
    file: Annotated[Path, typer.Argument(help="A JSON file with the purpose's fields.")],
) -> None:
    """Add a purpose from a JSON file (fideslang keys are checked; the change is audited)."""

    def go() -> None:
        data = _json_object(file)
        with _kluis() as kluis:
            purpose = purposes.create_purpose(
                kluis.engine, _actor(), purposes.purpose_from_mapping(data), utcnow()
            )
        out.print(f"Added purpose {purpose.key}.")

    _run(go)


def _json_object(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidField(f"cannot read {file} as JSON: {exc}", field="file") from None
    if not isinstance(data, dict):
        raise InvalidField(f"{file} must hold one JSON object", field="file")
    return data


@purposes_app.command("change")
def purposes_change(
    key: str,
    file: Annotated[
        Path,
        typer.Argument(help='A JSON object with the fields to change, e.g. {"retention": "P3Y"}.'),
    ],
) -> None:
    """Change a purpose; the audit log names the fields that changed."""

    def go() -> None:
        changes = _json_object(file)
        with _kluis() as kluis:
            before = purposes.get_purpose(kluis.engine, key)
            after = purposes.change_purpose(kluis.engine, _actor(), key, changes, utcnow())
        changed = [
            name
            for name in dataclasses.asdict(after)
            if getattr(after, name) != getattr(before, name)
        ]
        out.print(f"Changed {', '.join(changed)} of {key}." if changed else f"{key} unchanged.")

    _run(go)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exits 1 and names the first broken entry if any was tampered with."""

    def go() -> None:
        with _kluis() as kluis:
            from kluis.audit import service as audit

            result = audit.verify(kluis.engine)
        if result.ok:
            out.print(f"Audit log intact: {result.entries} entries; head {result.head_hash}")
            return
        err.print(f"Audit log broken at entry {result.broken_at}: {result.reason}", markup=False)
        raise typer.Exit(1)

    _run(go)


def main() -> None:
    app()
