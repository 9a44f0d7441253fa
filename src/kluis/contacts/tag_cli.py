"""The tag commands: ``kluis tags add|list|tag|untag``. Listed in ``kluis.slices``; they call
``contacts.tags``, never SQL. Tagging people names the purpose it is done under, as on the
pages (Art. 5(1)(b)); the operator acts as an admin."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from kluis import console
from kluis.contacts import tags
from kluis.errors import InvalidField

tags_app = console.Commands()

PeopleOption = Annotated[
    list[str] | None, typer.Option("--person", help="A person's id (repeat for several).")
]
PurposeOption = Annotated[
    str | None, typer.Option("--purpose", help="The purpose the people are tagged under.")
]
CompanyOption = Annotated[int | None, typer.Option("--company", help="A company's id.")]


@tags_app.command("add")
def add(
    key: str,
    label_nl: Annotated[str, typer.Option("--nl", help="The Dutch name.")],
    label_en: Annotated[str, typer.Option("--en", help="The English name.")],
    personal: Annotated[
        bool, typer.Option("--personal", help="The link of a person to it is personal data.")
    ] = False,
    colour: Annotated[str | None, typer.Option("--colour", help="#rrggbb")] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Declare a tag."""
    with console.opened() as kluis:
        view = tags.create_tag(
            kluis, console.actor(), key, label_nl, label_en, console.moment(None),
            personal=personal, colour=colour,
        )  # fmt: skip
    if as_json:
        console.print_json(asdict(view))
        return
    console.out.print(f"Added tag {view.key}.", markup=False)


@tags_app.command("list")
def list_(as_json: console.JsonOption = False) -> None:
    """Every tag, by key."""
    with console.opened() as kluis:
        views = tags.list_tags(kluis.engine)
    if as_json:
        console.print_json([asdict(v) for v in views])
        return
    for v in views:
        mark = "  personal" if v.personal else ""
        console.out.print(f"{v.key}  {v.label_nl} / {v.label_en}  {v.colour}{mark}", markup=False)
    if not views:
        console.out.print("No tags.", markup=False)


def _change(
    key: str, people: list[str] | None, purpose: str | None, company: int | None, remove: bool
) -> int:
    at = console.moment(None)
    with console.opened() as kluis:
        if company is not None:
            return int(tags.tag_company(kluis, console.actor(), company, key, at, remove=remove))
        if not people or not purpose:
            raise InvalidField(
                "say what to tag: --person ID (repeatable) with --purpose KEY, or --company ID",
                field="person",
            )
        return tags.tag_people(
            kluis, console.actor(), people, key, purpose, at, remove=remove, via="cli"
        )


@tags_app.command("tag")
def tag(
    key: str,
    person: PeopleOption = None,
    purpose: PurposeOption = None,
    company: CompanyOption = None,
    as_json: console.JsonOption = False,
) -> None:
    """Put a tag on people (under a purpose) or on a company."""
    changed = _change(key, person, purpose, company, remove=False)
    _said(key, changed, as_json, f"Tagged {changed} with {key}.")


@tags_app.command("untag")
def untag(
    key: str,
    person: PeopleOption = None,
    purpose: PurposeOption = None,
    company: CompanyOption = None,
    as_json: console.JsonOption = False,
) -> None:
    """Take a tag off people (under a purpose) or off a company."""
    changed = _change(key, person, purpose, company, remove=True)
    _said(key, changed, as_json, f"Took {key} off {changed}.")


def _said(key: str, changed: int, as_json: bool, text: str) -> None:
    if as_json:
        console.print_json({"tag": key, "changed": changed})
        return
    console.out.print(text, markup=False)
