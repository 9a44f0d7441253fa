"""The compliance commands of the ``kluis`` command line: ``ropa``, ``notice``, ``check`` and
``breaches``. Listed in ``kluis.slices``; they call services, never SQL.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table

from kluis import console
from kluis.compliance import findings, notice, ropa, service
from kluis.compliance.rules import PAGE_ONLY, Finding, has_high
from kluis.db import utcnow
from kluis.errors import InvalidField

commands = console.Commands()
breaches_app = console.Commands()

LangOption = Annotated[str, typer.Option("--lang", help="nl or en.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write to this file instead of standard output.")
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Judge at this moment instead of now: YYYY-MM-DD or an ISO date and time "
        "(UTC when no zone is given).",
    ),
]


def _time(value: str | None, name: str) -> datetime | None:
    """An ISO date or date and time; UTC when it names no zone."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidField(
            f"{name} is not a date (YYYY-MM-DD) or an ISO date and time "
            "(YYYY-MM-DDTHH:MM, optionally with a zone such as +01:00)",
            field=name,
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _moment(value: str | None) -> datetime:
    return _time(value, "as_of") or utcnow()


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        console.out.print(text, markup=False, end="" if text.endswith("\n") else "\n")
        return
    try:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InvalidField(f"cannot write {out}: {exc.strerror}", field="out") from None


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


# Record of processing and notice ----------------------------------------------------------------


@commands.command("ropa")
def ropa_command(
    format: Annotated[str, typer.Option("--format", help="md, html, csv or json.")] = "md",
    lang: LangOption = "nl",
    out: OutOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The record of processing activities (Art. 30(1)) from the purposes catalogue."""
    if format not in ropa.FORMATS:
        raise InvalidField(f"--format must be one of {', '.join(ropa.FORMATS)}", field="format")
    with console.opened() as kluis:
        record = ropa.build(kluis, lang, _moment(as_of))
    _emit(ropa.render(record, format)[0], out)


@commands.command("notice")
def notice_command(
    lang: LangOption = "nl",
    format: Annotated[str, typer.Option("--format", help="md or html.")] = "md",
    out: OutOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The privacy notice (Art. 13) from the purposes catalogue, as served on /privacy-notice."""
    if format not in notice.FORMATS:
        raise InvalidField("--format must be md or html", field="format")
    with console.opened() as kluis:
        built = notice.build(kluis, lang, _moment(as_of))
        text = notice.render(kluis, built, format)[0]
    _emit(text, out)


def _plain(f: Finding) -> dict[str, object]:
    """A finding as ``--json`` has always printed it: without the page's wording."""
    return {k: v for k, v in dataclasses.asdict(f).items() if k not in PAGE_ONLY}


@commands.command("check")
def check_command(as_json: console.JsonOption = False, as_of: AsOfOption = None) -> None:
    """Compliance findings with severity, article and fix; exits 1 when one is `high`."""
    with console.opened() as kluis:
        found = findings.findings(kluis, console.actor(), _moment(as_of))
    if as_json:
        console.print_json({"high": has_high(found), "findings": [_plain(f) for f in found]})
    elif not found:
        console.out.print("No findings.")
    else:
        table = Table(
            Column("severity", no_wrap=True),
            Column("article", no_wrap=True),
            Column("finding", overflow="fold"),
            Column("fix", overflow="fold"),
        )
        for f in found:
            table.add_row(f.severity.value, f.article, f.message, f.fix)
        console.out.print(table)
    if has_high(found):
        raise typer.Exit(1)


# Breach register --------------------------------------------------------------------------------


def _print_breach(view: service.BreachView) -> None:
    table = Table(show_header=False, box=None)
    state = (
        f"notified {_when(view.authority_notified_at)}" + (" (late)" if view.late else "")
        if view.authority_notified_at
        else "not required: " + view.authority_not_required
        if view.authority_not_required
        else "OVERDUE"
        if view.overdue
        else f"not yet ({view.hours_left:.1f} hours left)"
    )
    people = (
        f"told {_when(view.people_notified_at)}"
        if view.people_notified_at
        else f"exempt: {view.people_notice_exemption}"
        if view.people_notice_exemption
        else "not yet"
    )
    rows = [
        ("id", str(view.id)),
        ("detected", f"{_when(view.detected_at)} UTC"),
        ("deadline", f"{_when(view.authority_deadline)} UTC"),
        ("authority", state),
        ("people", people),
        ("nature", view.nature),
        ("categories", ", ".join(c["key"] for c in view.categories)),
        ("approx. people", "" if view.approx_people is None else str(view.approx_people)),
        ("approx. records", "" if view.approx_records is None else str(view.approx_records)),
        ("consequences", view.consequences),
        ("measures taken", view.measures_taken),
        ("measures proposed", view.measures_proposed),
        ("window", f"{_when(view.window_start)} - {_when(view.window_end)}"),
        ("actors", ", ".join(view.actors)),
        ("purposes", ", ".join(view.purposes)),
        ("affected", "" if view.affected_people is None else str(view.affected_people)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.out.print(table)


@breaches_app.command("add")
def breaches_add(
    detected_at: Annotated[
        str, typer.Option("--detected-at", help="When it was found (ISO; UTC if no zone).")
    ],
    nature: Annotated[str, typer.Option("--nature", help="What happened.")],
    category: Annotated[
        list[str], typer.Option("--category", help="fideslang data category; repeat.")
    ],
    consequences: Annotated[str, typer.Option("--consequences", help="Likely consequences.")],
    measures_taken: Annotated[str, typer.Option("--measures-taken")],
    measures_proposed: Annotated[str, typer.Option("--measures-proposed")] = "",
    people: Annotated[int | None, typer.Option("--people", help="Approximate people.")] = None,
    records: Annotated[int | None, typer.Option("--records", help="Approximate records.")] = None,
    window_start: Annotated[str | None, typer.Option("--window-start")] = None,
    window_end: Annotated[str | None, typer.Option("--window-end")] = None,
    actor: Annotated[
        list[str] | None, typer.Option("--actor", help="Audit actor involved (user:12); repeat.")
    ] = None,
    purpose: Annotated[
        list[str] | None, typer.Option("--purpose", help="Purpose whose reads count; repeat.")
    ] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Record a breach; prints its id and the 72-hour deadline."""
    detected = _time(detected_at, "detected_at")
    assert detected is not None
    new = service.NewBreach(
        detected_at=detected,
        nature=nature,
        categories=list(category),
        consequences=consequences,
        measures_taken=measures_taken,
        measures_proposed=measures_proposed,
        approx_people=people,
        approx_records=records,
        window_start=_time(window_start, "window_start"),
        window_end=_time(window_end, "window_end"),
        actors=list(actor or []),
        purposes=list(purpose or []),
    )
    with console.opened() as kluis:
        view = service.add_breach(kluis, console.actor(), new, utcnow())
    if as_json:
        console.print_json(service.as_dict(view))
    else:
        console.out.print(
            f"Recorded breach {view.id}; notify the authority by "
            f"{_when(view.authority_deadline)} UTC (Art. 33(1))."
        )


@breaches_app.command("list")
def breaches_list(as_json: console.JsonOption = False, as_of: AsOfOption = None) -> None:
    """The register, overdue notifications flagged."""
    with console.opened() as kluis:
        found = service.list_breaches(kluis, console.actor(), _moment(as_of))
    if as_json:
        console.print_json([service.as_dict(b) for b in found])
        return
    table = Table(
        Column("id", no_wrap=True),
        Column("detected (UTC)", no_wrap=True),
        Column("deadline (UTC)", no_wrap=True),
        Column("authority", no_wrap=True),
        Column("nature", overflow="fold"),
    )
    for b in found:
        state = (
            "notified" + (" late" if b.late else "")
            if b.authority_notified_at
            else "not required"
            if b.authority_not_required
            else "OVERDUE"
            if b.overdue
            else "open"
        )
        table.add_row(str(b.id), _when(b.detected_at), _when(b.authority_deadline), state, b.nature)
    console.out.print(table)


@breaches_app.command("show")
def breaches_show(
    breach_id: int, as_json: console.JsonOption = False, as_of: AsOfOption = None
) -> None:
    """One breach with its deadline and notifications."""
    with console.opened() as kluis:
        view = service.get_breach(kluis, console.actor(), breach_id, _moment(as_of))
    if as_json:
        console.print_json(service.as_dict(view))
    else:
        _print_breach(view)


@breaches_app.command("notify")
def breaches_notify(
    breach_id: int,
    authority: Annotated[bool, typer.Option("--authority", help="The authority was told.")] = False,
    people: Annotated[bool, typer.Option("--people", help="The people were told.")] = False,
    at: Annotated[
        str | None, typer.Option("--at", help="When they were told (ISO); now if not given.")
    ] = None,
    late_reason: Annotated[
        str | None,
        typer.Option("--late-reason", help="Reasons for notifying the authority after 72 hours."),
    ] = None,
    not_required: Annotated[
        str | None,
        typer.Option(
            "--not-required", help="With --authority: why the breach is unlikely to be a risk."
        ),
    ] = None,
    exemption: Annotated[
        str | None,
        typer.Option(
            "--exemption",
            help="With --people: unintelligible, mitigated or disproportionate_effort "
            "(Art. 34(3)).",
        ),
    ] = None,
) -> None:
    """Record that the authority or the people were told, or why not."""
    if authority == people:
        raise InvalidField("give exactly one of --authority and --people", field="whom")
    when = _time(at, "at")
    with console.opened() as kluis:
        if authority:
            if exemption is not None:
                raise InvalidField("--exemption is for --people", field="exemption")
            view = service.notify_authority(
                kluis,
                console.actor(),
                breach_id,
                utcnow(),
                at=when,
                late_reason=late_reason,
                not_required=not_required,
            )
        else:
            if late_reason is not None or not_required is not None:
                raise InvalidField(
                    "--late-reason and --not-required are for --authority", field="whom"
                )
            view = service.notify_people(
                kluis, console.actor(), breach_id, utcnow(), at=when, exemption=exemption
            )
    _print_breach(view)


@breaches_app.command("affected")
def breaches_affected(breach_id: int, as_json: console.JsonOption = False) -> None:
    """The people (opaque ids) the audit log shows in the breach's window by its actors and/or
    under its purposes; stores the count on the breach."""
    with console.opened() as kluis:
        ids = service.affected(kluis, console.actor(), breach_id, utcnow())
    if as_json:
        console.print_json({"breach_id": breach_id, "count": len(ids), "person_ids": ids})
        return
    for person_id in ids:
        console.out.print(person_id)
    console.err.print(f"{len(ids)} people affected")


@breaches_app.command("export")
def breaches_export(
    format: Annotated[str, typer.Option("--format", help="json or html.")] = "json",
    out: OutOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The whole register as JSON or an HTML document, overdue notifications flagged."""
    with console.opened() as kluis:
        text = service.export(kluis, console.actor(), format, _moment(as_of))[0]
    _emit(text, out)
