"""The ``kluis requests`` commands: take in, list, verify, extend, refuse and carry out privacy
requests. Listed in ``kluis.slices``; they call the service, never SQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kluis import console
from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.messaging import service as messaging
from kluis.messaging.service import TransportFactory
from kluis.requests import list_cli, rules, service
from kluis.requests.views import RequestView
from kluis.runtime import Kluis

requests_app = console.Commands()

NoMailOption = Annotated[
    bool,
    typer.Option(
        "--no-mail", help="Send nothing to the person (tell them yourself, e.g. by letter)."
    ),
]


def _as_json(view: RequestView) -> dict[str, Any]:
    return dataclasses.asdict(view)


def _show(view: RequestView) -> None:
    table = Table(show_header=False, box=None)
    table.add_row("request", str(view.id))
    table.add_row("type", f"{view.type} ({rules.ARTICLES[rules.RequestType(view.type)]})")
    table.add_row("person", view.person_id)
    table.add_row("status", view.status)
    table.add_row("came in", f"{view.channel}, verified by {view.verified_by or '(not yet)'}")
    table.add_row("received", view.received_at.strftime("%Y-%m-%d %H:%M UTC"))
    deadline = view.deadline.strftime("%Y-%m-%d")
    if view.overdue:
        state = f"OVERDUE by {-view.days_left} days"
    elif view.status in ("completed", "refused"):
        state = view.status
    else:
        state = f"{view.days_left} days left"
    table.add_row("deadline", f"{deadline} ({state})")
    if view.extension_reason:
        table.add_row("extended", view.extension_reason)
    if view.details:
        table.add_row("details", view.details)
    if view.outcome:
        table.add_row("outcome", view.outcome)
    if view.recipients_to_notify:
        table.add_row("tell (Art. 19)", ", ".join(view.recipients_to_notify))
    for item in view.sent:
        table.add_row("sent", f"{item['what']} at {item['at']}")
    console.out.print(table)


def _transport(kluis: Kluis, request_id: int, mail: bool) -> TransportFactory | None:
    """A command is one process without a worker: it makes the first attempt at the
    request's mails itself, through ``KLUIS_SMTP_URL`` (``requests.mails.dispatch``), and
    queues them only to retry; without a mail server they wait in the queue until one is set
    (the request shows them ``queued``, ``no mail server is configured``)."""
    return (lambda: messaging.smtp_transport(kluis)) if mail else None


@requests_app.command("create")
def create(
    type: Annotated[
        str, typer.Option("--type", help=", ".join(t.value for t in rules.RequestType))
    ],
    contact: Annotated[str | None, typer.Option(help="The person's id.")] = None,
    email: Annotated[
        str | None, typer.Option(help="Or the e-mail address the request came from.")
    ] = None,
    verified_by: Annotated[
        str | None,
        typer.Option(
            help="How the requester's identity was checked: "
            + ", ".join(v.value for v in rules.Verification)
        ),
    ] = None,
    details: Annotated[str | None, typer.Option(help="What the person asked, in brief.")] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Record a privacy request received now; prints its id. Due in one calendar month."""
    with console.opened() as kluis:
        view = service.create(
            kluis,
            console.actor(),
            type,
            utcnow(),
            person_id=contact,
            email=email,
            verified_by=verified_by,
            details=details,
        )
    if as_json:
        console.print_json(_as_json(view))
    else:
        console.out.print(view.id)


requests_app.registered_commands.extend(list_cli.requests_app.registered_commands)
"""``list`` keeps its place in the group's help; ``kluis requests list`` loads only its module."""


@requests_app.command("show")
def show(request_id: int, as_json: console.JsonOption = False) -> None:
    """One request: deadline, status, outcome, what was sent."""
    with console.opened() as kluis:
        view = service.get(kluis, console.actor(), request_id, utcnow())
    if as_json:
        console.print_json(_as_json(view))
    else:
        _show(view)


@requests_app.command("verify")
def verify(
    request_id: int,
    by: Annotated[
        str,
        typer.Option("--by", help="How: " + ", ".join(v.value for v in rules.Verification)),
    ],
) -> None:
    """Record how the requester was shown to be the person (Art. 12(6))."""
    with console.opened() as kluis:
        _show(service.verify(kluis, console.actor(), request_id, by, utcnow()))


@requests_app.command("extend")
def extend(
    request_id: int,
    months: Annotated[int, typer.Option(help="1 or 2.")],
    reason: Annotated[str, typer.Option(help="Why; the person is told it.")],
    no_mail: NoMailOption = False,
) -> None:
    """Extend the deadline by one or two months, within the first month (Art. 12(3))."""
    with console.opened() as kluis:
        view = service.extend(
            kluis,
            console.actor(),
            request_id,
            months,
            reason,
            utcnow(),
            mail=not no_mail,
            transport=_transport(kluis, request_id, not no_mail),
        )
    _show(view)


@requests_app.command("refuse")
def refuse(
    request_id: int,
    reason: Annotated[str, typer.Option(help="Why; the person is told it (Art. 12(4)).")],
    no_mail: NoMailOption = False,
) -> None:
    """Refuse a request, telling the person why and that they may complain."""
    with console.opened() as kluis:
        view = service.refuse(
            kluis,
            console.actor(),
            request_id,
            reason,
            utcnow(),
            mail=not no_mail,
            transport=_transport(kluis, request_id, not no_mail),
        )
    _show(view)


def _changes(pairs: list[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            # Not echoed: what was typed may be the person's new value.
            raise InvalidField(
                "--set takes FIELD=VALUE, e.g. --set family_name=Jansen", field="set"
            )
        changes[name.strip()] = value if value else None
    return changes


@requests_app.command("process")
def process(
    request_id: int,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="For a rectification: FIELD=VALUE (empty value clears). Repeatable."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Directory for what must be handed over instead of e-mailed (files of mode "
            "0600); needed with --no-mail and for an erasure."
        ),
    ] = None,
    no_mail: NoMailOption = False,
    as_json: console.JsonOption = False,
) -> None:
    """Carry out a verified request's steps and complete it; the person is sent their copy,
    confirmation or certificate."""
    changes = _changes(set_ or []) or None
    with console.opened() as kluis:
        if out is None:
            found = service.get(kluis, console.actor(), request_id, utcnow())
            ready = found.status in (rules.Status.VERIFIED, rules.Status.IN_PROGRESS)
            if ready and (no_mail or found.type == rules.RequestType.ERASURE):
                # asked before anything changes: after an erasure the copy and the
                # certificate can never be made again
                raise InvalidField(
                    "give --out DIR for what is handed over instead of e-mailed"
                    + (
                        " (with --no-mail everything is)"
                        if no_mail
                        else " (an erasure's copy and certificate, which cannot be made "
                        "again afterwards)"
                    ),
                    field="out",
                )
        done = service.process(
            kluis,
            console.actor(),
            request_id,
            utcnow(),
            changes=changes,
            mail=not no_mail,
            transport=_transport(kluis, request_id, not no_mail),
        )
    written = []
    if done.files:
        if out is None:
            raise InvalidField(
                "there are files to hand over (nothing went by e-mail): run again with "
                "--out DIR; the request is completed, so use "
                "`kluis contacts export-portable` or ask the person for another request",
                field="out",
            )
        out.mkdir(parents=True, exist_ok=True)
        for name, content in done.files.items():
            path = out / name
            path.write_bytes(content)
            path.chmod(0o600)
            written.append(str(path))
    if as_json:
        console.print_json({"request": _as_json(done.request), "files": written})
        return
    _show(done.request)
    for name in written:
        console.out.print(f"hand over: {name}")


@requests_app.command("lift")
def lift(request_id: int, no_mail: NoMailOption = False) -> None:
    """Lift the restriction a completed restriction request put in place, telling the person
    first (Art. 18(3))."""
    with console.opened() as kluis:
        view = service.lift_restriction(
            kluis,
            console.actor(),
            request_id,
            utcnow(),
            mail=not no_mail,
            transport=_transport(kluis, request_id, not no_mail),
        )
        _show(view)
