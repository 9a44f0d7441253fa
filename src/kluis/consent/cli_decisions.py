"""What a message may get: ``kluis decide`` (one person), ``kluis audience`` (everyone, counted;
``kluis audience-recount`` repairs its kept counts) and the table of decisions ``kluis consent
show`` prints. Listed in ``kluis.slices``; they call the consent service, never SQL.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.segment import Segments
from rich.table import Column, Table

from kluis import console
from kluis.consent import decisions, rules
from kluis.consent import ledger as consent_ledger
from kluis.db import utcnow
from kluis.errors import InvalidField

commands = console.Commands()

ChannelOption = Annotated[
    str, typer.Option(help=f"One of: {', '.join(c.value for c in rules.Channel)}.")
]
TopicOption = Annotated[str, typer.Option(help="A topic key (`kluis topics list`).")]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Decide at this moment instead of now: YYYY-MM-DD or an ISO date and time "
        "(UTC when no zone is given).",
    ),
]


def decision_json(decision: rules.Decision) -> dict[str, Any]:
    return {
        "allowed": decision.allowed,
        "basis": decision.basis.value,
        "reason": decision.reason.value,
        "reason_en": decision.reason_en,
        "reason_nl": decision.reason_nl,
        "evidence_event_id": decision.evidence_event_id,
        "purpose": decision.purpose,
    }


# Decisions and audiences ------------------------------------------------------------------------


@commands.command("decide")
def decide(
    person_id: str,
    channel: ChannelOption,
    kind: Annotated[str, typer.Option(help="commercial or transactional.")],
    topic: TopicOption,
    as_of: AsOfOption = None,
    lang: Annotated[str, typer.Option(help="en, or nl to add the reason in Dutch.")] = "en",
    as_json: console.JsonOption = False,
) -> None:
    """May a message go to this person: allowed or refused, with the basis, the reason and the
    evidence (audited). Exits 0 either way: a refusal is an answer, not an error."""
    if lang not in ("en", "nl"):
        raise InvalidField("lang is en or nl", field="lang")
    at = None if as_of is None else console.moment(as_of)
    with console.opened() as kluis:
        decision = decisions.decide(
            kluis, console.actor(), person_id, channel, kind, topic, utcnow(), as_of=at
        )
    if as_json:
        console.print_json({"person_id": person_id, **decision_json(decision), "as_of": at})
        return
    console.out.print("allowed" if decision.allowed else "refused")
    table = Table(show_header=False, box=None)
    table.add_row("basis", decision.basis.value)
    table.add_row("reason", decision.reason_en)
    if lang == "nl":
        table.add_row("reden", decision.reason_nl)
    if decision.evidence_event_id is not None:
        table.add_row("evidence", f"consent event {decision.evidence_event_id}")
    if at is not None:
        table.add_row("as of", f"{console.when(at)} UTC")
    console.out.print(table)


@commands.command("audience")
def audience(
    channel: ChannelOption,
    topic: TopicOption,
    as_of: AsOfOption = None,
    as_json: console.JsonOption = False,
) -> None:
    """Count who a commercial message on a channel and topic may reach, and the refused by
    reason."""
    at = console.moment(as_of)
    with console.opened() as kluis:
        counts = decisions.audience_counts(kluis, channel, topic, at)
    if as_json:
        console.print_json({**dataclasses.asdict(counts), "as_of": at})
        return
    console.out.print(
        f"{counts.allowed} may receive a commercial message on {counts.channel} about "
        f"{counts.topic} ({console.when(at)} UTC).",
        markup=False,
    )
    if not counts.refused:
        return
    table = Table(
        Column("refused", no_wrap=True),
        Column("people", justify="right", no_wrap=True),
        Column("why", overflow="fold"),
    )
    for reason, count in sorted(counts.refused.items(), key=lambda item: -item[1]):
        sentence = rules.REASONS[rules.Reason(reason)][0]
        table.add_row(reason, str(count), sentence)
    console.out.print(table)


@commands.command("audience-recount")
def audience_recount(as_json: console.JsonOption = False) -> None:
    """Recount the kept audience counts from the consent state and people (a repair: triggers
    keep them in step; run it after a table was rebuilt around Kluis)."""
    with console.opened() as kluis:
        wrong = decisions.recount_audience(kluis)
    if as_json:
        console.print_json({"wrong": wrong})
        return
    console.out.print(f"Audience counts recounted; {wrong} were wrong.", markup=False)


def _table(*headers: str) -> Table:
    return Table(*(Column(h, no_wrap=True) for h in headers), box=box.SIMPLE_HEAD, show_edge=False)


def _print_wide(out: Console, table: Table) -> None:
    """A table at its natural width, never folded to the 80 columns Rich assumes off a
    terminal: ids, times and codes stay whole and greppable."""
    natural = out.measure(table, options=out.options.update_width(10_000)).maximum
    out.print(Segments(out.render(table, out.options.update_width(max(out.width, natural)))))


def print_ledger(
    ledger: consent_ledger.Ledger,
    permissions: list[decisions.PermissionView],
    at: datetime,
) -> None:
    out = console.out
    out.print(f"Consent ledger of {ledger.person_id} (times in UTC)", markup=False)
    if ledger.events:
        events = _table(
            "event", "time", "action", "channel", "topic", "method", "notice", "evidence", "by"
        )
        for e in ledger.events:
            events.add_row(
                str(e.id),
                console.when(e.captured_at),
                e.action,
                e.channel,
                e.topic,
                e.method or "",
                "" if e.notice_id is None else str(e.notice_id),
                "" if e.evidence_id is None else str(e.evidence_id),
                e.captured_by,
            )
        _print_wide(out, events)
    else:
        out.print("No consent events.")
    if ledger.flags:
        out.print()
        out.print("Objections and restrictions:")
        flags = _table("time", "flag", "state", "method", "by")
        for f in ledger.flags:
            flags.add_row(
                console.when(f.captured_at),
                f.flag,
                "recorded" if f.active else "lifted",
                f.method,
                f.captured_by,
            )
        _print_wide(out, flags)
    if ledger.evidence:
        out.print()
        out.print("Evidence:")
        files = _table("evidence", "content type", "bytes", "added", "cited by", "by")
        for ev in ledger.evidence:
            files.add_row(
                str(ev["id"]),
                str(ev["content_type"]),
                str(ev["size"]),
                console.when(ev["created_at"]),
                ", ".join(str(i) for i in ev["cited_by"]),
                str(ev["captured_by"]),
            )
        _print_wide(out, files)
    out.print()
    out.print(f"A commercial message at {console.when(at)}:")
    table = _table("channel", "topic", "state", "re-confirm by", "decision", "basis", "reason")
    reasons: dict[rules.Reason, str] = {}
    for p in permissions:
        reasons[p.decision.reason] = p.decision.reason_en
        table.add_row(
            p.channel,
            p.topic,
            p.status or "",
            console.day(p.reconfirm_by),
            "allowed" if p.decision.allowed else "refused",
            p.decision.basis.value,
            p.decision.reason.value,
        )
    _print_wide(out, table)
    for code, sentence in reasons.items():
        out.print(f"{code.value}: {sentence}", markup=False)
