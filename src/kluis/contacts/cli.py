"""The ``kluis contacts`` commands of the contacts slice: add, show, search and erase people.
Listed in ``kluis.slices``, which adds the import and export (transfer), the portable package
(requests) and the end of a contract (retention) to the same group; they call the service,
never SQL."""

from __future__ import annotations

import dataclasses
import sys
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from kluis import console
from kluis.contacts import collect, erasure, owners
from kluis.contacts import people as contacts
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.db import utcnow

contacts_app = console.Commands()

PurposeOption = Annotated[str, typer.Option(help="The purpose of this read (audited).")]


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
    as_json: console.JsonOption = False,
) -> None:
    """Add a person; prints the new id (or JSON). Default purpose: customer_service."""
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
    with console.opened() as kluis:
        person_id = collect.create_person(kluis, console.actor(), item, utcnow(), source="cli")
    if as_json:
        console.print_json({"id": person_id})
    else:
        console.out.print(person_id)


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
    console.out.print(table)


@contacts_app.command("show")
def contacts_show(
    person_id: str, purpose: PurposeOption, as_json: console.JsonOption = False
) -> None:
    """Show a person with only the fields the purpose may use."""
    with console.opened() as kluis:
        view = contacts.read_person(kluis, console.actor(), person_id, purpose, utcnow())
    if as_json:
        console.print_json(_person_json(view))
    else:
        _print_person(view)


@contacts_app.command("search")
def contacts_search(
    text: str,
    purpose: PurposeOption,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: console.JsonOption = False,
) -> None:
    """Search by e-mail address, phone number or whole words of a name."""
    with console.opened() as kluis:
        page = contacts.search_people(
            kluis, console.actor(), purpose, utcnow(), text=text, limit=limit, offset=offset
        )
    if as_json:
        console.print_json(
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
    console.out.print(table)
    console.out.print(f"{page.total} found")


@contacts_app.command("assign")
def contacts_assign(
    person_id: Annotated[list[str], typer.Argument(help="One or more person ids.")],
    purpose: PurposeOption,
    owner: Annotated[
        str | None,
        typer.Option(help="The staff user's e-mail address; leave out with --nobody."),
    ] = None,
    nobody: Annotated[bool, typer.Option("--nobody", help="Leave them without owner.")] = False,
    as_json: console.JsonOption = False,
) -> None:
    """Make a staff user the owner of people (audited per person as person.owner_changed)."""
    if (owner is None) == (not nobody):
        raise typer.BadParameter("give --owner EMAIL or --nobody")
    with console.opened() as kluis:
        owner_id = owners.owner_by_email(kluis, owner) if owner is not None else None
        changed = owners.assign_people(
            kluis, console.actor(), person_id, owner_id, purpose, utcnow(), via="cli"
        )
    if as_json:
        console.print_json({"changed": changed, "owner": owner})
    else:
        console.out.print(f"{changed} changed")


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
    with console.opened() as kluis:
        first = erasure.erase_person(kluis, console.actor(), person_id, utcnow())
    console.out.print(f"Erased {person_id}." if first else f"{person_id} was erased before.")
