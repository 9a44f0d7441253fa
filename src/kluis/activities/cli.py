"""The ``kluis activities`` commands: log, list and show contact moments. They call the
service, never SQL; the operator acts as an admin (``console.actor``)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table

from kluis import console
from kluis.activities import reads, rules, service
from kluis.consent.cli import EVIDENCE_SUFFIXES
from kluis.consent.evidence import Recording
from kluis.db import utcnow
from kluis.errors import InvalidField

activities_app = console.Commands()

PurposeOption = Annotated[
    str, typer.Option(help="The purpose: one the person was collected for (audited).")
]


def _recording(file: Path, max_bytes: int) -> Recording:
    kind = EVIDENCE_SUFFIXES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0]
    if kind is None:
        raise InvalidField(
            f"cannot tell what kind of file {file.name} is; use .wav, .mp3, .m4a, .ogg or .webm",
            field="recording",
        )
    try:
        if file.stat().st_size > max_bytes:
            raise InvalidField(
                f"the recording is over {max_bytes} bytes, the most accepted", field="recording"
            )
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidField(f"cannot read {file}: {exc.strerror}", field="recording") from None
    return Recording(kind, data, file.name)


@activities_app.command("log")
def activities_log(
    person_id: str,
    purpose: PurposeOption,
    subject: Annotated[str, typer.Option(help="A short subject (sealed with the person's key).")],
    activity_type: Annotated[
        str, typer.Option("--type", help="call, meeting, email_in, email_out, note or visit.")
    ] = "call",
    body: Annotated[str | None, typer.Option(help="What was said or agreed (sealed).")] = None,
    at: Annotated[
        str | None,
        typer.Option(
            help="When (ISO date and time, UTC when no zone is given; default now). A moment "
            "in the future schedules the activity."
        ),
    ] = None,
    duration: Annotated[
        int | None, typer.Option(help="Minutes.", min=0, max=rules.DURATION_MAX)
    ] = None,
    company: Annotated[int | None, typer.Option(help="The company id it was about.")] = None,
    consent_event: Annotated[
        int | None, typer.Option(help="The consent event this call recorded.")
    ] = None,
    deal: Annotated[int | None, typer.Option(help="The deal id it was for.")] = None,
    recording: Annotated[
        Path | None, typer.Option(help="The call's recording, kept as sealed evidence.")
    ] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Log a call, meeting, e-mail, note or visit about a person under a purpose; prints its
    id. A past activity moves the person's last interaction; a scheduled one does not."""
    now = utcnow()
    draft = rules.Draft(
        type=activity_type,
        subject=subject,
        body=body,
        occurred_at=None if at is None else console.moment(at),
        duration_minutes=duration,
        company_id=company,
        consent_event_id=consent_event,
        deal_id=deal,
    )
    with console.opened() as kluis:
        file = (
            None if recording is None else _recording(recording, kluis.settings.evidence_max_bytes)
        )
        activity_id = service.log(kluis, console.actor(), person_id, purpose, draft, now, file)
    if as_json:
        console.print_json({"id": activity_id})
    else:
        console.out.print(activity_id)


@activities_app.command("list")
def activities_list(
    person_id: str,
    purpose: PurposeOption,
    limit: Annotated[int, typer.Option(min=1, max=reads.LIST_LIMIT)] = 50,
    as_json: console.JsonOption = False,
) -> None:
    """A person's activities under a purpose, newest first (the read is audited)."""
    with console.opened() as kluis:
        found = reads.of_person(
            kluis, console.actor(), person_id, purpose, utcnow(), via="cli", limit=limit
        )
    if as_json:
        console.print_json({"items": [v.public() for v in found]})
        return
    table = Table(
        Column("id", no_wrap=True, min_width=36),
        Column("when", no_wrap=True),
        Column("type", no_wrap=True),
        Column("subject", overflow="fold"),
    )
    for v in found:
        when = console.when(v.occurred_at) + (" (scheduled)" if v.scheduled else "")
        table.add_row(v.id, when, v.type, v.subject)
    console.out.print(table)


@activities_app.command("show")
def activities_show(
    activity_id: str, purpose: PurposeOption, as_json: console.JsonOption = False
) -> None:
    """One activity with its subject and body, under its purpose (audited)."""
    with console.opened() as kluis:
        view = reads.show(kluis, console.actor(), activity_id, purpose, utcnow())
    if as_json:
        console.print_json(view.public())
        return
    table = Table(show_header=False, box=None)
    for name, value in view.public().items():
        table.add_row(name, "" if value is None else str(value))
    console.out.print(table)
