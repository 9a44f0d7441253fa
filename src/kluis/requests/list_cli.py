"""``kluis requests list``: the privacy requests by deadline. Apart from the other ``kluis
requests`` commands (``kluis.requests.cli``, which takes it in to keep its place in the help)
so that the list loads the reads (``kluis.requests.reads``) and not the whole service, with
messaging, templates and the access package (issue 15: ~1 s of its start)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.table import Table

from kluis import console
from kluis.db import utcnow
from kluis.requests import reads

requests_app = console.Commands()


@requests_app.command("list")
def list_(
    due_within: Annotated[
        int | None, typer.Option(help="Only open requests due within this many days.")
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue requests.")] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Completed and refused requests too.")
    ] = False,
    as_json: console.JsonOption = False,
) -> None:
    """Requests by deadline, soonest first (open ones unless --all)."""
    with console.opened() as kluis:
        views = reads.list_requests(
            kluis,
            console.actor(),
            utcnow(),
            open_only=not all_,
            due_within=due_within,
            overdue=overdue,
            limit=1000,
        )
    if as_json:
        console.print_json([dataclasses.asdict(v) for v in views])
        return
    if not views:
        console.out.print("no requests")
        return
    table = Table("id", "type", "status", "deadline", "days left", "person")
    for v in views:
        left = f"OVERDUE {-v.days_left}" if v.overdue else str(v.days_left)
        table.add_row(
            str(v.id), v.type, v.status, v.deadline.strftime("%Y-%m-%d"), left, v.person_id
        )
    console.out.print(table)
