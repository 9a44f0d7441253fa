"""``kluis demo``: an invented population to try Kluis, with every slice's own part of it.

The people, companies and consents come from ``kluis.transfer.demo``; each slice that keeps
something a new user should see on first start (activities, tasks, deals) adds its part through
its registry entry (``Slice(demo=...)``), run after the people exist. This module stands on the
top floor because it reads the registry; the parts themselves stand in their slices.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kluis import console
from kluis.db import utcnow
from kluis.slices import demo_parts
from kluis.transfer import demo as demo_service

commands = console.Commands()


@commands.command("demo")
def demo(
    people: Annotated[
        int, typer.Option(min=1, max=100_000, help="How many people to invent.")
    ] = 200,
    as_json: console.JsonOption = False,
) -> None:
    """Fill the data directory with an invented population (example.com addresses) to try Kluis."""
    with console.opened(create=True) as kluis:
        summary = demo_service.populate(
            kluis, console.actor(), people, utcnow(), parts=demo_parts()
        )
    if as_json:
        console.print_json(summary)
    else:
        console.out.print(
            ", ".join(f"{n} {what}" for what, n in summary.items()) + ".", markup=False
        )
