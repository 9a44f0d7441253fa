"""The ``kluis systems`` commands: the register of connected systems (Art. 19, 28), the
identifiers they know people by, and sending the due notices. They call services, never SQL."""

from __future__ import annotations

from typing import Annotated

import typer

from kluis import console
from kluis.connected import delivery, service

systems_app = console.Commands()


def _print(view: service.SystemView) -> None:
    console.out.print(
        f"{view.id}  {view.name}  {view.kind}  {view.reach}  "
        f"purposes: {', '.join(view.purposes) or '-'}",
        markup=False,
    )
    if view.reach == "webhook":
        console.out.print(
            f"    webhook: {view.webhook_url} ({view.secrets} live secrets)", markup=False
        )
    if view.reach == "email":
        console.out.print(f"    privacy contact: {view.contact_email}", markup=False)
    if view.instructions:
        console.out.print(f"    instructions: {view.instructions}", markup=False)


@systems_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The system's name (unique).")],
    reach: Annotated[
        str, typer.Option(help="How it is told: webhook, email or manual.")
    ] = "manual",
    kind: Annotated[str, typer.Option(help="processor (Art. 28) or recipient (Art. 19).")] = (
        "processor"
    ),
    purpose: Annotated[
        list[str] | None, typer.Option(help="A purpose that sends data to it (repeatable).")
    ] = None,
    webhook_url: Annotated[str | None, typer.Option(help="The webhook's URL.")] = None,
    contact_email: Annotated[
        str | None, typer.Option(help="The system's privacy contact (e-mail reach).")
    ] = None,
    instructions: Annotated[
        str | None, typer.Option(help="What staff do in the system (manual reach).")
    ] = None,
    send_values: Annotated[
        bool, typer.Option(help="Rectification notices carry the new values.")
    ] = False,
    as_json: console.JsonOption = False,
) -> None:
    """Register a connected system; a webhook system's secret is printed this once."""
    with console.opened() as kluis:
        added = service.add_system(
            kluis,
            console.actor(),
            console.moment(None),
            name=name,
            kind=kind,
            reach=reach,
            purposes=purpose or [],
            webhook_url=webhook_url,
            contact_email=contact_email,
            instructions=instructions,
            send_values=send_values,
        )
    if as_json:
        console.print_json({"system": added.system, "secret": added.secret})
        return
    _print(added.system)
    if added.secret:
        console.out.print(f"secret (shown once): {added.secret}", markup=False)


@systems_app.command("list")
def list_systems(as_json: console.JsonOption = False) -> None:
    """The connected systems, with the purposes that send data to each."""
    with console.opened() as kluis:
        found = service.systems(kluis, console.actor(), console.moment(None))
    if as_json:
        console.print_json(found)
        return
    for view in found:
        _print(view)


@systems_app.command("show")
def show(
    system: Annotated[str, typer.Argument(help="Name or id.")],
    as_json: console.JsonOption = False,
) -> None:
    """One connected system."""
    with console.opened() as kluis:
        view = service.show(kluis, console.actor(), system, console.moment(None))
    if as_json:
        console.print_json(view)
        return
    _print(view)


@systems_app.command("rotate-secret")
def rotate_secret(
    system: Annotated[str, typer.Argument(help="Name or id.")],
    as_json: console.JsonOption = False,
) -> None:
    """A new webhook secret, printed this once; the old one signs beside it for 24 hours."""
    with console.opened() as kluis:
        secret = service.rotate_secret(kluis, console.actor(), system, console.moment(None))
    if as_json:
        console.print_json({"secret": secret})
        return
    console.out.print(f"secret (shown once): {secret}", markup=False)


@systems_app.command("link")
def link(
    person: Annotated[str, typer.Argument(help="The person's id.")],
    system: Annotated[str, typer.Option(help="The system's name or id.")],
    external_id: Annotated[str, typer.Option(help="The id the system knows the person by.")],
    as_json: console.JsonOption = False,
) -> None:
    """Record the identifier a system knows a person by (sealed with the person's key)."""
    with console.opened() as kluis:
        service.link(kluis, console.actor(), person, system, external_id, console.moment(None))
    if as_json:
        console.print_json({"person": person, "system": system, "linked": True})
        return
    console.out.print(f"linked {person} in {system}", markup=False)


@systems_app.command("purposes")
def purposes(
    system: Annotated[str, typer.Argument(help="Name or id.")],
    purpose: Annotated[list[str], typer.Option(help="A purpose that sends data to it.")],
    as_json: console.JsonOption = False,
) -> None:
    """Set the purposes that send data to a system (it becomes their recipient)."""
    with console.opened() as kluis:
        view = service.set_purposes(kluis, console.actor(), system, purpose, console.moment(None))
    if as_json:
        console.print_json(view)
        return
    _print(view)


@systems_app.command("deliver")
def deliver(as_json: console.JsonOption = False) -> None:
    """Send the due notices now (the job connected.deliver does the same)."""
    with console.opened() as kluis:
        done = delivery.deliver_due(kluis, console.moment(None))
    if as_json:
        console.print_json(done)
        return
    console.out.print(
        f"{done.sent} sent, {done.confirmed} confirmed, {done.retried} to retry, "
        f"{done.failed} failed",
        markup=False,
    )
