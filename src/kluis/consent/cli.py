"""The consent commands of the ``kluis`` command line: notices, topics, the ledger, decisions and
audiences. Registered on the main app in ``kluis.cli``; like every command they call services,
never SQL.

The shared helpers (``_run``, ``_kluis``, ``_actor``, the consoles) live in ``kluis.cli``, which
imports this module to register it, so they are looked up when a command runs, not at import.
"""

from __future__ import annotations

import dataclasses
import mimetypes
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.segment import Segments
from rich.table import Column, Table

from kluis.consent import catalogue, decisions, grant_rules, receipt, rules, soft_opt_in
from kluis.consent import evidence as consent_evidence
from kluis.consent import ledger as consent_ledger
from kluis.contacts import flags as contacts_flags
from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.runtime import Kluis

notices_app = typer.Typer(
    help="Consent notices: the versioned wording shown when consent is asked.",
    no_args_is_help=True,
)
topics_app = typer.Typer(
    help="Consent topics: the kinds of content people choose.", no_args_is_help=True
)
consent_app = typer.Typer(
    help="The consent ledger: grants, withdrawals, evidence, objections, receipts.",
    no_args_is_help=True,
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
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

EVIDENCE_SUFFIXES = {
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".weba": "audio/webm",
    ".webm": "audio/webm",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".eml": "message/rfc822",
    ".txt": "text/plain",
}
"""Content types of evidence files by extension; ``mimetypes`` answers for the rest."""


def _base() -> ModuleType:
    from kluis import cli

    return cli


def _moment(value: str | None) -> datetime:
    """``--as-of`` as an aware UTC datetime; now when not given."""
    if value is None:
        return utcnow()
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidField(
            "as_of is not a date (YYYY-MM-DD) or an ISO date and time "
            "(YYYY-MM-DDTHH:MM, optionally with a zone)",
            field="as_of",
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _day(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).date().isoformat()


def _decision_json(decision: rules.Decision) -> dict[str, Any]:
    return {
        "allowed": decision.allowed,
        "basis": decision.basis.value,
        "reason": decision.reason.value,
        "reason_en": decision.reason_en,
        "reason_nl": decision.reason_nl,
        "evidence_event_id": decision.evidence_event_id,
        "purpose": decision.purpose,
    }


# Notices ----------------------------------------------------------------------------------------


@notices_app.command("add")
def notices_add(
    language: Annotated[str, typer.Option("--lang", help="nl or en: the wording's language.")],
    text: Annotated[str | None, typer.Option(help="The exact wording the person sees.")] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="Read the wording from this UTF-8 text file instead of --text."),
    ] = None,
    channel: Annotated[
        list[str] | None,
        typer.Option(
            "--channel",
            help="A channel the wording asks consent for (repeat for more): "
            f"{', '.join(c.value for c in rules.Channel)}.",
        ),
    ] = None,
    topic: Annotated[
        list[str] | None,
        typer.Option(
            "--topic",
            help="A topic the wording asks consent for (repeat for more; `kluis topics list`).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a version of the wording shown when asking consent, naming the channels and topics
    it asks for (at least one of each; it covers every channel named with every topic named);
    prints its id. The same wording for the same channels and topics prints the id it already
    has. A grant citing the notice for another channel or topic is refused."""
    base = _base()

    def go() -> None:
        wording = _wording(text, file)
        if channel and not topic:
            raise InvalidField(
                "name the topics the wording asks consent for with --topic", field="topics"
            )
        with base._kluis() as kluis:
            notice = catalogue.add_notice(
                kluis,
                base._actor(),
                language,
                wording,
                utcnow(),
                covers=grant_rules.every(channel or [], topic or []),
            )
        if as_json:
            base._print_json(notice)
        else:
            base.out.print(notice.id)

    base._run(go)


def _wording(text: str | None, file: Path | None) -> str:
    if (text is None) == (file is None):
        raise InvalidField("give the wording with either --text or --file", field="text")
    if file is None:
        assert text is not None
        return text
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidField(f"cannot read {file} as UTF-8 text: {exc}", field="file") from None


def _covers(pairs: tuple[tuple[str, str], ...]) -> str:
    return grant_rules.describe_covers(frozenset(pairs)) if pairs else "nothing (cannot be cited)"


@notices_app.command("list")
def notices_list(as_json: JsonOption = False) -> None:
    """List every notice version (old versions are kept forever); `kluis notices show` and
    `--json` name the channels and topics each covers."""
    base = _base()

    def go() -> None:
        with base._kluis() as kluis:
            notices = catalogue.list_notices(kluis)
        if as_json:
            base._print_json(notices)
            return
        table = Table(
            Column("id", no_wrap=True),
            Column("lang", no_wrap=True),
            Column("added (UTC)", no_wrap=True),
            Column("sha-256", no_wrap=True),
            Column("wording", overflow="fold"),
        )
        for n in notices:
            first_line = n.text.splitlines()[0]
            short = first_line if len(first_line) <= 60 else first_line[:59] + "…"
            table.add_row(
                str(n.id),
                n.language,
                _when(n.created_at),
                n.content_hash[:12],
                short,
            )
        base.out.print(table)

    base._run(go)


@notices_app.command("show")
def notices_show(notice_id: int, as_json: JsonOption = False) -> None:
    """Show one notice version with its full wording."""
    base = _base()

    def go() -> None:
        with base._kluis() as kluis:
            notice = catalogue.get_notice(kluis, notice_id)
        if as_json:
            base._print_json(notice)
            return
        base.out.print(
            f"notice {notice.id} ({notice.language}), added {_when(notice.created_at)} UTC, "
            f"sha-256 {notice.content_hash}",
            markup=False,
        )
        base.out.print(f"covers: {_covers(notice.covers)}", markup=False)
        base.out.print()
        base.out.print(notice.text, markup=False)

    base._run(go)


# Topics -----------------------------------------------------------------------------------------


@topics_app.command("list")
def topics_list(as_json: JsonOption = False) -> None:
    """List the topics people can consent to, with their re-confirmation period."""
    base = _base()

    def go() -> None:
        with base._kluis() as kluis:
            topics = catalogue.list_topics(kluis)
        if as_json:
            base._print_json(topics)
            return
        table = Table(
            Column("key", no_wrap=True),
            Column("name (en)", overflow="fold"),
            Column("naam (nl)", overflow="fold"),
            Column("re-confirm", no_wrap=True),
        )
        for t in topics:
            table.add_row(t.key, t.name_en, t.name_nl, f"{t.reconfirm_months} months")
        base.out.print(table)

    base._run(go)


@topics_app.command("add")
def topics_add(
    key: str,
    name_en: Annotated[str, typer.Option(help="The name in English.")],
    name_nl: Annotated[str, typer.Option(help="The name in Dutch.")],
    reconfirm_months: Annotated[
        int, typer.Option(help="Months after which a consent must be re-confirmed (1-120).")
    ] = catalogue.DEFAULT_RECONFIRM_MONTHS,
) -> None:
    """Add a topic (audited)."""
    base = _base()

    def go() -> None:
        with base._kluis() as kluis:
            topic = catalogue.create_topic(
                kluis, base._actor(), key, name_en, name_nl, utcnow(), reconfirm_months
            )
        base.out.print(f"Added topic {topic.key}.", markup=False)

    base._run(go)


@topics_app.command("change")
def topics_change(
    key: str,
    name_en: Annotated[str | None, typer.Option(help="A new English name.")] = None,
    name_nl: Annotated[str | None, typer.Option(help="A new Dutch name.")] = None,
    reconfirm_months: Annotated[
        int | None, typer.Option(help="A new re-confirmation period in months (1-120).")
    ] = None,
) -> None:
    """Change a topic's names or re-confirmation period (new grants use the new period)."""
    base = _base()

    def go() -> None:
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("name_en", name_en),
                ("name_nl", name_nl),
                ("reconfirm_months", reconfirm_months),
            )
            if value is not None
        }
        if not changes:
            raise InvalidField(
                "say what to change: --name-en, --name-nl or --reconfirm-months", field="key"
            )
        with base._kluis() as kluis:
            before = next((t for t in catalogue.list_topics(kluis) if t.key == key), None)
            after = catalogue.change_topic(kluis, base._actor(), key, changes, utcnow())
        changed = [n for n in changes if getattr(after, n) != getattr(before, n)]
        base.out.print(
            f"Changed {', '.join(changed)} of {key}." if changed else f"{key} unchanged.",
            markup=False,
        )

    base._run(go)


# The ledger -------------------------------------------------------------------------------------


def _evidence_type(file: Path, content_type: str | None) -> str:
    if content_type:
        return content_type
    guessed = EVIDENCE_SUFFIXES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0]
    if guessed in (None, "application/octet-stream"):
        raise InvalidField(
            f"cannot tell what kind of file {file.name} is; give --content-type, one of "
            + ", ".join(sorted(grant_rules.EVIDENCE_TYPES)),
            field="content_type",
        )
    assert guessed is not None
    return guessed


def _read_evidence(file: Path, max_bytes: int) -> bytes:
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise InvalidField(
                f"the evidence is {size} bytes; at most {max_bytes} are accepted",
                field="evidence",
            )
        return file.read_bytes()
    except OSError as exc:
        raise InvalidField(f"cannot read {file}: {exc.strerror}", field="evidence") from None


@consent_app.command("grant")
def consent_grant(
    person_id: str,
    channel: ChannelOption,
    topic: TopicOption,
    method: Annotated[
        str | None,
        typer.Option(help=f"How consent was given: {', '.join(m.value for m in rules.Method)}."),
    ] = None,
    notice: Annotated[
        int | None, typer.Option(help="The id of the notice version the person agreed to.")
    ] = None,
    evidence: Annotated[
        Path | None,
        typer.Option(help="A recording, scan or e-mail proving the consent; stored and cited."),
    ] = None,
    content_type: Annotated[
        str | None,
        typer.Option(help="The evidence's content type, when its extension does not tell."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record that a person gave consent for a channel and topic; prints the event id."""
    base = _base()

    def go() -> None:
        grant = consent_ledger.Grant(method=method, notice_id=notice)
        evidence_id: int | None = None
        with base._kluis() as kluis:
            if evidence is not None:
                _check_grant(kluis, channel, topic, grant)
                data = _read_evidence(evidence, kluis.settings.evidence_max_bytes)
                evidence_id = consent_evidence.add_evidence(
                    kluis,
                    base._actor(),
                    person_id,
                    kluis.settings.privacy_purpose,
                    _evidence_type(evidence, content_type),
                    data,
                    utcnow(),
                    filename=evidence.name,
                )
                grant = consent_ledger.Grant(
                    method=method, notice_id=notice, evidence_id=evidence_id
                )
            event_id = consent_ledger.record(
                kluis, base._actor(), person_id, channel, topic, "granted", utcnow(), grant
            )
        if as_json:
            base._print_json({"event_id": event_id, "evidence_id": evidence_id})
        else:
            base.out.print(event_id)

    base._run(go)


def _check_grant(kluis: Kluis, channel: str, topic: str, grant: consent_ledger.Grant) -> None:
    """Refuse a grant before its evidence is stored, so a refused grant leaves no orphan file."""
    catalogue.parse_channel(channel)
    try:
        grant_rules.check_grant(grant.method, grant.notice_id)
    except grant_rules.ConsentRefused as exc:
        raise catalogue.ConsentRefused(str(exc), field=exc.field) from None
    if topic not in {t.key for t in catalogue.list_topics(kluis)}:
        raise InvalidField(
            f"there is no topic {topic!r}; `kluis topics list` shows them", field="topic"
        )
    assert grant.notice_id is not None
    catalogue.check_cited(kluis, grant.notice_id, channel, topic)


@consent_app.command("withdraw")
def consent_withdraw(
    person_id: str,
    channel: ChannelOption,
    topic: TopicOption,
    method: Annotated[
        str | None,
        typer.Option(
            help=f"How the withdrawal arrived: {', '.join(consent_ledger.WITHDRAWAL_METHODS)}."
        ),
    ] = None,
) -> None:
    """Record that a person withdrew consent (or opted out) for a channel and topic; prints the
    event id. It takes effect at once."""
    base = _base()

    def go() -> None:
        with base._kluis() as kluis:
            event_id = consent_ledger.record(
                kluis,
                base._actor(),
                person_id,
                channel,
                topic,
                "withdrawn",
                utcnow(),
                consent_ledger.Grant(method=method, notice_id=None),
            )
        base.out.print(event_id)

    base._run(go)


@consent_app.command("reconfirm")
def consent_reconfirm(person_id: str, channel: ChannelOption, topic: TopicOption) -> None:
    """Record that a person re-confirmed a live consent, renewing its re-confirm-by date; prints
    the event id. A withdrawn or lapsed consent needs a new grant."""
    base = _base()

    def go() -> None:
        with base._kluis() as kluis:
            event_id = consent_ledger.record(
                kluis, base._actor(), person_id, channel, topic, "reconfirmed", utcnow()
            )
        base.out.print(event_id)

    base._run(go)


def _flag(person_id: str, flag: str, method: str, lift: bool) -> None:
    base = _base()

    def go() -> None:
        with base._kluis() as kluis:
            contacts_flags.set_flag(
                kluis, base._actor(), person_id, flag, not lift, method, utcnow()
            )
        what = "objection to direct marketing" if flag == "objection" else "restriction"
        base.out.print(
            f"{'Lifted' if lift else 'Recorded'} the {what} of {person_id}.", markup=False
        )

    base._run(go)


FlagMethodOption = Annotated[
    str, typer.Option(help=f"How it arrived: {', '.join(contacts_flags.FLAG_METHODS)}.")
]


@consent_app.command("object")
def consent_object(
    person_id: str,
    method: FlagMethodOption,
    lift: Annotated[bool, typer.Option("--lift", help="Lift the objection instead.")] = False,
) -> None:
    """Record an objection to direct marketing (GDPR Art. 21(3)): no commercial message goes to
    the person on any channel from now on."""
    _flag(person_id, "objection", method, lift)


@consent_app.command("restrict")
def consent_restrict(
    person_id: str,
    method: FlagMethodOption,
    lift: Annotated[bool, typer.Option("--lift", help="Lift the restriction instead.")] = False,
) -> None:
    """Restrict processing of a person's data (GDPR Art. 18): no message of any kind goes to
    them until it is lifted."""
    _flag(person_id, "restriction", method, lift)


@consent_app.command("show")
def consent_show(person_id: str, as_of: AsOfOption = None, as_json: JsonOption = False) -> None:
    """Show a person's consent ledger, objections, restrictions and evidence, and what a
    commercial message on each channel and topic would get (audited)."""
    base = _base()

    def go() -> None:
        at = _moment(as_of)
        with base._kluis() as kluis:
            # the operator's CLI answers for the whole file, as an admin does
            purpose = kluis.settings.privacy_purpose
            ledger = consent_ledger.ledger(kluis, base._actor(), person_id, purpose, utcnow())
            permissions = decisions.permissions(
                kluis, base._actor(), person_id, purpose, utcnow(), as_of=at
            )
        if as_json:
            base._print_json(
                {
                    "person_id": ledger.person_id,
                    "events": ledger.events,
                    "flags": ledger.flags,
                    "evidence": ledger.evidence,
                    "as_of": at,
                    "permissions": [
                        {
                            "channel": p.channel,
                            "topic": p.topic,
                            "status": p.status,
                            "since": p.since,
                            "reconfirm_by": p.reconfirm_by,
                            **_decision_json(p.decision),
                        }
                        for p in permissions
                    ],
                }
            )
            return
        _print_ledger(base, ledger, permissions, at)

    base._run(go)


def _table(*headers: str) -> Table:
    return Table(*(Column(h, no_wrap=True) for h in headers), box=box.SIMPLE_HEAD, show_edge=False)


def _print_wide(out: Console, table: Table) -> None:
    """A table at its natural width, never folded to the 80 columns Rich assumes off a
    terminal: ids, times and codes stay whole and greppable."""
    natural = out.measure(table, options=out.options.update_width(10_000)).maximum
    out.print(Segments(out.render(table, out.options.update_width(max(out.width, natural)))))


def _print_ledger(
    base: ModuleType,
    ledger: consent_ledger.Ledger,
    permissions: list[decisions.PermissionView],
    at: datetime,
) -> None:
    out = base.out
    out.print(f"Consent ledger of {ledger.person_id} (times in UTC)", markup=False)
    if ledger.events:
        events = _table(
            "event", "time", "action", "channel", "topic", "method", "notice", "evidence", "by"
        )
        for e in ledger.events:
            events.add_row(
                str(e.id),
                _when(e.captured_at),
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
                _when(f.captured_at),
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
                _when(ev["created_at"]),
                ", ".join(str(i) for i in ev["cited_by"]),
                str(ev["captured_by"]),
            )
        _print_wide(out, files)
    out.print()
    out.print(f"A commercial message at {_when(at)}:")
    table = _table("channel", "topic", "state", "re-confirm by", "decision", "basis", "reason")
    reasons: dict[rules.Reason, str] = {}
    for p in permissions:
        reasons[p.decision.reason] = p.decision.reason_en
        table.add_row(
            p.channel,
            p.topic,
            p.status or "",
            _day(p.reconfirm_by),
            "allowed" if p.decision.allowed else "refused",
            p.decision.basis.value,
            p.decision.reason.value,
        )
    _print_wide(out, table)
    for code, sentence in reasons.items():
        out.print(f"{code.value}: {sentence}", markup=False)


@consent_app.command("receipt")
def consent_receipt(event_id: int) -> None:
    """Print the consent receipt of a ledger event (Kantara Consent Receipt v1.1 JSON)."""
    base = _base()

    def go() -> None:
        with base._kluis() as kluis:
            base._print_json(receipt.receipt(kluis, base._actor(), event_id, utcnow()))

    base._run(go)


# Decisions and audiences ------------------------------------------------------------------------


def decide(
    person_id: str,
    channel: ChannelOption,
    kind: Annotated[str, typer.Option(help="commercial or transactional.")],
    topic: TopicOption,
    as_of: AsOfOption = None,
    lang: Annotated[str, typer.Option(help="en, or nl to add the reason in Dutch.")] = "en",
    as_json: JsonOption = False,
) -> None:
    """May a message go to this person: allowed or refused, with the basis, the reason and the
    evidence (audited). Exits 0 either way: a refusal is an answer, not an error."""
    base = _base()

    def go() -> None:
        if lang not in ("en", "nl"):
            raise InvalidField("lang is en or nl", field="lang")
        at = None if as_of is None else _moment(as_of)
        with base._kluis() as kluis:
            decision = decisions.decide(
                kluis, base._actor(), person_id, channel, kind, topic, utcnow(), as_of=at
            )
        if as_json:
            base._print_json({"person_id": person_id, **_decision_json(decision), "as_of": at})
            return
        base.out.print("allowed" if decision.allowed else "refused")
        table = Table(show_header=False, box=None)
        table.add_row("basis", decision.basis.value)
        table.add_row("reason", decision.reason_en)
        if lang == "nl":
            table.add_row("reden", decision.reason_nl)
        if decision.evidence_event_id is not None:
            table.add_row("evidence", f"consent event {decision.evidence_event_id}")
        if at is not None:
            table.add_row("as of", f"{_when(at)} UTC")
        base.out.print(table)

    base._run(go)


def audience(
    channel: ChannelOption,
    topic: TopicOption,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Count who a commercial message on a channel and topic may reach, and the refused by
    reason."""
    base = _base()

    def go() -> None:
        at = _moment(as_of)
        with base._kluis() as kluis:
            counts = decisions.audience_counts(kluis, channel, topic, at)
        if as_json:
            base._print_json({**dataclasses.asdict(counts), "as_of": at})
            return
        base.out.print(
            f"{counts.allowed} may receive a commercial message on {counts.channel} about "
            f"{counts.topic} ({_when(at)} UTC).",
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
        base.out.print(table)

    base._run(go)


@consent_app.command("soft-opt-in")
def consent_soft_opt_in(
    told_since: Annotated[
        str,
        typer.Option(
            help="The date (YYYY-MM-DD) from which every customer was told at the sale that "
            "their e-mail address would be used for offers of our own similar products, with "
            "the chance to object then and in every message."
        ),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do it; without it, only say what would be done.")
    ] = False,
) -> None:
    """Bring customers collected since --told-since under the soft opt-in purpose
    (`KLUIS_SOFT_OPT_IN_PURPOSE`; Art. 13(2) Directive 2002/58/EC): Kluis cannot know who was
    told at the sale, so nobody is put under it unless you say so. People who objected, are
    restricted or have an address on the suppression list are left out. Admin or privacy
    officer; each person added is audited."""
    base = _base()

    def go() -> None:
        since = _moment(told_since)
        with base._kluis() as kluis:
            result = soft_opt_in.hold_told_customers(
                kluis, base._actor(), since, utcnow(), apply=yes
            )
        what = (
            f"customers collected since {_day(since)} who lack purpose {result.purpose}, "
            "have not objected and are not restricted"
        )
        if result.done:
            base.out.print(
                f"Added purpose {result.purpose} to {result.customers} {what}.", markup=False
            )
        else:
            base.out.print(
                f"Would add purpose {result.purpose} to {result.customers} {what}. Do this only "
                "if every one of them was told at the sale, with the chance to object; run "
                "again with --yes to do it.",
                markup=False,
            )
        if result.suppressed:
            base.out.print(
                f"Left out {result.suppressed} whose address is on the suppression list.",
                markup=False,
            )

    base._run(go)
