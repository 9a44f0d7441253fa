"""The retention commands: ``kluis retention run|forecast|reconfirm`` (for cron, the same work
the server's schedule does), ``kluis holds add|list|lift`` and ``kluis contacts end-contract``.
Listed in ``kluis.slices``; they call the service, never SQL.

``--as-of`` runs a command at another moment than now (Art. 5(1)(e) is a rule about time, and
DESIGN.md invariant 7 makes time a parameter): a dry run at next year's date shows who will be
gone by then.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from kluis import console
from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.messaging import service as messaging
from kluis.retention import service
from kluis.runtime import Kluis

retention_app = console.Commands()
holds_app = console.Commands()
contacts_app = console.Commands()
"""Added to ``kluis contacts`` (``kluis.slices``)."""

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Act as if it were this moment: YYYY-MM-DD or an ISO date and time (UTC when no "
        "zone is given).",
    ),
]


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _why(item: dict[str, Any]) -> str:
    """Each ended purpose as ``key (P1Y from last_interaction, ended 2027-03-14)``."""
    return "; ".join(
        f"{e['purpose']} ({e['retention']} from {e['anchor']}, ended {e['until']})"
        for e in item["expired"]
    )


def _print_actions(items: list[dict[str, Any]], *, day: bool = False) -> None:
    """One line per person (long lines are not wrapped, so they can be searched with grep):
    ``[day] person action why[; fields: ...]``."""
    for item in items:
        action = item["action"]
        if action == "held":
            action = f"held until {item['held_until']} (would {item['would']})"
        parts = [item["on"]] if day else []
        parts += [item["person_id"], action, _why(item)]
        line = "  ".join(parts)
        if item["fields"]:
            line += f"; fields: {', '.join(item['fields'])}"
        console.out.print(line, markup=False)


@contextmanager
def _progress(kluis: Kluis, label: str) -> Iterator[Any]:
    """A progress bar on standard error when it is a terminal; nothing otherwise (cron)."""
    if not console.err.is_terminal:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console.err,
        transient=True,
    )
    task = bar.add_task(label, total=service.count_people(kluis))
    with bar:
        yield lambda done: bar.advance(task, done)


def _sweep_text(report: service.SweepReport) -> str:
    if report.dry_run:
        return (
            f"Dry run at {_when(report.as_of)}, nothing changed: of {_people(report.seen)}, "
            f"{report.erased} would be erased and {report.minimised} minimised "
            f"({report.fields_cleared} fields, {report.purposes_removed} purposes); "
            f"{report.consents_expired} consents would be marked expired; "
            f"{report.held} kept by a legal hold."
        )
    return (
        f"Retention applied at {_when(report.as_of)} to {_people(report.seen)}: "
        f"{report.erased} erased, {report.minimised} minimised ({report.fields_cleared} fields "
        f"cleared, {report.purposes_removed} purposes removed), {report.consents_expired} "
        f"consents marked expired; {report.held} kept by a legal hold."
        + (
            f" {report.relisted} people who objected to direct marketing had an address off the "
            "suppression list; it is on it now."
            if report.relisted
            else ""
        )
    )


@retention_app.command("run")
def run(
    as_of: AsOfOption = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Change nothing; list who would be erased or minimised, and why."
        ),
    ] = False,
    as_json: console.JsonOption = False,
) -> None:
    """Apply every purpose's retention now: erase people no purpose keeps, erase the fields no
    remaining purpose needs, mark lapsed consents expired. Legal holds stop erasures. Safe to
    interrupt and run again."""
    at = console.moment(as_of)
    try:
        with console.opened() as kluis, _progress(kluis, "retention sweep") as progress:
            report = service.sweep(
                kluis, at, dry_run=dry_run, actor=console.actor(), progress=progress
            )
    except KeyboardInterrupt:
        console.err.print(
            "interrupted; what was done stays done: run `kluis retention run` again to finish",
            markup=False,
        )
        raise typer.Exit(130) from None
    if as_json:
        console.print_json(report)
        return
    _print_actions(report.actions)
    console.out.print(_sweep_text(report), markup=False)


@retention_app.command("forecast")
def forecast(
    days: Annotated[int, typer.Option("--days", help="How many days ahead (1-3660).")],
    as_of: AsOfOption = None,
    as_json: console.JsonOption = False,
) -> None:
    """What the sweep will erase or minimise from today up to N days ahead, day by day and
    why; what is due already is listed on today. Changes nothing."""
    at = console.moment(as_of)
    with console.opened() as kluis:
        found = [
            {"on": f.on.isoformat(), **service.describe(f.verdict)}
            for f in service.forecast(kluis, at, days, actor=console.actor())
        ]
    found.sort(key=lambda item: (item["on"], item["person_id"]))
    if as_json:
        console.print_json({"as_of": at, "days": days, "items": found})
        return
    _print_actions(found, day=True)
    erase = sum(1 for item in found if item["action"] == "erase")
    console.out.print(
        f"In the {days} days from {_when(at)}: {_people(erase)} erased, "
        f"{len(found) - erase} minimisations.",
        markup=False,
    )


@retention_app.command("reconfirm")
def reconfirm(as_of: AsOfOption = None, as_json: console.JsonOption = False) -> None:
    """Send the re-confirmation mail: once to each person whose live e-mail consent reaches its
    re-confirm-by date within KLUIS_RECONFIRM_DAYS_BEFORE days (never to anyone who withdrew,
    objected or is restricted). Who does not answer lapses at the date."""
    at = console.moment(as_of)
    with console.opened() as kluis:
        messaging.smtp_transport(kluis)  # no mail server: say so before anything is decided
        report = service.send_reconfirmations(kluis, at, actor=console.actor())
    if as_json:
        console.print_json({"as_of": at, **vars(report)})
        return
    console.out.print(
        f"Asked {_people(report.asked)} to re-confirm ({_when(at)}); "
        f"{report.refused} refused by may_contact, {report.failed} failed to send.",
        markup=False,
    )


# Legal holds ------------------------------------------------------------------------------------


@holds_app.command("add")
def holds_add(
    person_id: str,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, without personal data (e.g. a case number).")
    ],
    until: Annotated[
        str,
        typer.Option(
            "--until", help="When the hold ends: YYYY-MM-DD (its start, UTC) or a date and time."
        ),
    ],
) -> None:
    """Put a legal hold on a person: no retention erasure of them, whole or in part, until it
    ends or is lifted. Prints the hold's id."""
    ends = console.moment(until)
    with console.opened() as kluis:
        hold_id = service.add_hold(kluis, console.actor(), person_id, reason, ends, utcnow())
    console.out.print(hold_id)


def _hold_state(hold: Any, now: datetime) -> str:
    if hold.lifted_at is not None:
        return f"lifted {_when(hold.lifted_at)} by {hold.lifted_by}"
    return "active" if hold.active(now) else "ended"


@holds_app.command("list")
def holds_list(person_id: str, as_json: console.JsonOption = False) -> None:
    """The legal holds placed on a person, lifted and ended ones too."""
    now = utcnow()
    with console.opened() as kluis:
        found = service.holds_of(kluis, person_id, actor=console.actor())
    if as_json:
        console.print_json([{**vars(h), "active": h.active(now)} for h in found])
        return
    if not found:
        console.out.print("no legal holds")
        return
    table = Table("id", "until", Column("reason", overflow="fold"), "placed", "state")
    for h in found:
        table.add_row(
            str(h.id),
            _when(h.until),
            h.reason,
            f"{_when(h.created_at)} by {h.created_by}",
            _hold_state(h, now),
        )
    console.out.print(table)


@holds_app.command("lift")
def holds_lift(hold_id: int) -> None:
    """Lift a legal hold: retention applies to the person again at the next sweep."""
    with console.opened() as kluis:
        service.lift_hold(kluis, console.actor(), hold_id, utcnow())
    console.out.print(f"Lifted legal hold {hold_id}.")


# The end of a contract --------------------------------------------------------------------------


@contacts_app.command("end-contract")
def end_contract(
    person_id: str,
    at: Annotated[
        str | None,
        typer.Option(
            "--at", help="When the contract ended: YYYY-MM-DD or a date and time (default now)."
        ),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="The contract runs again: forget the end.")
    ] = False,
) -> None:
    """Record when a person's contract ended: retention 'from end_of_contract' (invoices kept
    seven years) counts from this moment; while no end is recorded the contract runs."""
    if clear and at is not None:
        raise InvalidField("give --at or --clear, not both", field="at")
    ended = None if clear else console.moment(at)
    with console.opened() as kluis:
        service.set_contract_end(kluis, console.actor(), person_id, ended, utcnow())
    if ended is None:
        console.out.print(f"The contract of {person_id} runs again (end cleared).", markup=False)
    else:
        console.out.print(f"The contract of {person_id} ended {_when(ended)}.", markup=False)
