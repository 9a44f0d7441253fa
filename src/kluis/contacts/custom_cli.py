"""``kluis fields add|list|remove``: the custom fields of people (and with ``--entity company``
or ``deal`` the plain fields of companies and deals, ``business_fields``) from the command line,
through the services (audited as the operator, ``cli:<user>``). Listed in ``kluis.slices``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kluis import console
from kluis.contacts import business_fields
from kluis.contacts import custom_fields as service
from kluis.contacts import custom_rules as rules
from kluis.contacts.custom_rules import CustomField
from kluis.db import utcnow

fields_app = console.Commands()

EntityOption = Annotated[
    str,
    typer.Option(
        help="person (personal data: a category, sealed), or company or deal (plain fields)."
    ),
]


def public(field: CustomField) -> dict[str, Any]:
    """A declaration as the CLI and the API show it."""
    return {
        "key": field.key,
        "label_en": field.label_en,
        "label_nl": field.label_nl,
        "kind": field.kind.value,
        "category": field.category,
        "searchable": field.searchable,
        "choices": [
            {"key": c.key, "label_en": c.label_en, "label_nl": c.label_nl} for c in field.choices
        ],
        "special_category": field.special,
        "art9_condition": field.art9_condition,
    }


@fields_app.command("add")
def add(
    key: Annotated[str, typer.Argument(help="The field's key, such as shoe_size.")],
    label_en: Annotated[str, typer.Option("--label-en", help="The English label.")],
    label_nl: Annotated[str, typer.Option("--label-nl", help="The Dutch label.")],
    category: Annotated[
        str, typer.Option(help="A fideslang data category, such as user. (people only)")
    ] = "",
    kind: Annotated[
        str, typer.Option(help="text, number, date, choice, multi_choice or boolean.")
    ] = "text",
    choices: Annotated[
        str, typer.Option(help="For a choice field: gold=Gold/Goud,silver=Silver/Zilver.")
    ] = "",
    searchable: Annotated[
        bool, typer.Option("--searchable", help="Exact search through a blind index.")
    ] = False,
    art9: Annotated[
        str | None,
        typer.Option(
            "--art9", help="For a special category (Art. 9(1)): the Art. 9(2) letter, a-j."
        ),
    ] = None,
    entity: EntityOption = "person",
    as_json: console.JsonOption = False,
) -> None:
    """Declare a custom field of people, or a plain one of companies or deals."""
    field = CustomField(
        key=key,
        label_en=label_en,
        label_nl=label_nl,
        kind=rules.parse_kind(kind),
        category=category,
        searchable=searchable,
        choices=rules.parse_choices(choices),
        art9_condition=art9,
    )
    with console.opened() as kluis:
        if entity == "person":
            made = service.declare(kluis, console.actor(), field, utcnow())
        else:
            made = business_fields.declare(kluis, console.actor(), entity, field, utcnow())
    if as_json:
        console.print_json({**public(made), "entity": entity})
        return
    what = made.category if entity == "person" else entity
    console.out.print(f"custom field {made.key} declared ({what})", markup=False)
    if made.special:
        console.err.print(
            f"warning: {made.category} is a special category (Art. 9(1)); processed under "
            f"Art. 9(2)({made.art9_condition})",
            markup=False,
        )


@fields_app.command("list")
def list_fields(entity: EntityOption = "person", as_json: console.JsonOption = False) -> None:
    """The custom fields of people (or of companies or deals), in the order declared."""
    with console.opened() as kluis:
        if entity == "person":
            found = service.fields(kluis)
        else:
            found = business_fields.fields(kluis, entity)
    if as_json:
        console.print_json([public(f) for f in found])
        return
    for f in found:
        special = f" · special category, Art. 9(2)({f.art9_condition})" if f.special else ""
        search = " · searchable" if f.searchable else ""
        console.out.print(
            f"{f.key}: {f.label_en} / {f.label_nl} · {f.kind.value} · {f.category or entity}"
            f"{search}"
            f"{special}",
            markup=False,
        )


@fields_app.command("remove")
def remove(
    key: Annotated[str, typer.Argument(help="The field's key.")],
    yes: Annotated[bool, typer.Option("--yes", help="Erase its values without asking.")] = False,
    entity: EntityOption = "person",
    as_json: console.JsonOption = False,
) -> None:
    """Remove a custom field and erase every value of it (Art. 17; not undone by a restore)."""
    if not yes:
        typer.confirm(f"Erase every value of {key} for good?", abort=True)
    with console.opened() as kluis:
        if entity == "person":
            erased = service.remove(kluis, console.actor(), key, utcnow())
        else:
            erased = business_fields.remove(kluis, console.actor(), entity, key, utcnow())
    if as_json:
        console.print_json({"key": key, "values_erased": erased})
        return
    console.out.print(f"custom field {key} removed; {erased} values erased", markup=False)
