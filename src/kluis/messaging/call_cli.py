"""``kluis campaigns calls ID``: a phone campaign's call list and results (``--make`` draws
it first). Prints person ids and decisions only, never a number: a number is read when a call
is opened, on the staff page or through the API, audited."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.table import Table

from kluis import console
from kluis.db import utcnow
from kluis.messaging import calls

app = console.Commands()


@app.command("calls")
def campaigns_calls(
    campaign_id: Annotated[int, typer.Argument(help="The phone campaign's id.")],
    make: Annotated[
        bool, typer.Option("--make", help="Draw the list first (adds who may be called now).")
    ] = False,
    as_json: console.JsonOption = False,
) -> None:
    """A phone campaign's call list: each person's id, why they may be called, the outcome;
    and the results (called, reached, no answer, opted out, refused by reason)."""
    with console.opened() as kluis:
        actor = console.actor()
        if make:
            found = calls.make_list(kluis, actor, campaign_id, utcnow())
        else:
            found = calls.call_list(kluis, actor, campaign_id)
    if as_json:
        console.print_json(
            {
                "campaign_id": campaign_id,
                "made": found.made,
                "calls": [
                    dataclasses.asdict(i)
                    | {"called_at": i.called_at.isoformat() if i.called_at else None}
                    for i in found.items
                ],
                "results": found.results,
            }
        )
        return
    table = Table("call", "person", "reason", "outcome", "attempts")
    for i in found.items:
        shown = f"refused: {i.refused_reason}" if i.refused_reason else (i.outcome or "-")
        table.add_row(str(i.id), i.person_id, i.reason, shown, str(i.attempts))
    console.out.print(table)
    r = found.results
    console.out.print(
        f"{r['people']} on the list; {r['called']} called, {r['reached']} reached, "
        f"{r['no_answer']} no answer, {r['opt_out']} opted out, {r['to_call']} still to call"
    )
    for reason, count in sorted(r["refused"].items()):
        console.out.print(f"refused when opened, {reason}: {count}")
