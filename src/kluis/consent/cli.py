"""The ``kluis consent`` commands: the consent ledger (grants, withdrawals, re-confirmations,
evidence), objections and restrictions, receipts and the soft opt-in. Listed in
``kluis.slices``; like every command they call services, never SQL. Notices and topics are in
``cli_notices``, decisions and audiences in ``cli_decisions``.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated

import typer

from kluis import console
from kluis.consent import catalogue, decisions, grant_rules, receipt, rules, soft_opt_in
from kluis.consent import evidence as consent_evidence
from kluis.consent import ledger as consent_ledger
from kluis.consent.cli_decisions import (
    AsOfOption,
    ChannelOption,
    TopicOption,
    decision_json,
    print_ledger,
)
from kluis.contacts import flags as contacts_flags
from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.runtime import Kluis

consent_app = console.Commands()

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
    as_json: console.JsonOption = False,
) -> None:
    """Record that a person gave consent for a channel and topic; prints the event id."""
    grant = consent_ledger.Grant(method=method, notice_id=notice)
    evidence_id: int | None = None
    with console.opened() as kluis:
        if evidence is not None:
            _check_grant(kluis, channel, topic, grant)
            data = _read_evidence(evidence, kluis.settings.evidence_max_bytes)
            evidence_id = consent_evidence.add_evidence(
                kluis,
                console.actor(),
                person_id,
                kluis.settings.privacy_purpose,
                _evidence_type(evidence, content_type),
                data,
                utcnow(),
                filename=evidence.name,
            )
            grant = consent_ledger.Grant(method=method, notice_id=notice, evidence_id=evidence_id)
        event_id = consent_ledger.record(
            kluis, console.actor(), person_id, channel, topic, "granted", utcnow(), grant
        )
    if as_json:
        console.print_json({"event_id": event_id, "evidence_id": evidence_id})
    else:
        console.out.print(event_id)


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
    with console.opened() as kluis:
        event_id = consent_ledger.record(
            kluis,
            console.actor(),
            person_id,
            channel,
            topic,
            "withdrawn",
            utcnow(),
            consent_ledger.Grant(method=method, notice_id=None),
        )
    console.out.print(event_id)


@consent_app.command("reconfirm")
def consent_reconfirm(person_id: str, channel: ChannelOption, topic: TopicOption) -> None:
    """Record that a person re-confirmed a live consent, renewing its re-confirm-by date; prints
    the event id. A withdrawn or lapsed consent needs a new grant."""
    with console.opened() as kluis:
        event_id = consent_ledger.record(
            kluis, console.actor(), person_id, channel, topic, "reconfirmed", utcnow()
        )
    console.out.print(event_id)


def _flag(person_id: str, flag: str, method: str, lift: bool) -> None:
    with console.opened() as kluis:
        contacts_flags.set_flag(kluis, console.actor(), person_id, flag, not lift, method, utcnow())
    what = "objection to direct marketing" if flag == "objection" else "restriction"
    console.out.print(
        f"{'Lifted' if lift else 'Recorded'} the {what} of {person_id}.", markup=False
    )


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
def consent_show(
    person_id: str, as_of: AsOfOption = None, as_json: console.JsonOption = False
) -> None:
    """Show a person's consent ledger, objections, restrictions and evidence, and what a
    commercial message on each channel and topic would get (audited)."""
    at = console.moment(as_of)
    with console.opened() as kluis:
        # the operator's CLI answers for the whole file, as an admin does
        purpose = kluis.settings.privacy_purpose
        ledger = consent_ledger.ledger(kluis, console.actor(), person_id, purpose, utcnow())
        permissions = decisions.permissions(
            kluis, console.actor(), person_id, purpose, utcnow(), as_of=at
        )
    if as_json:
        console.print_json(
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
                        **decision_json(p.decision),
                    }
                    for p in permissions
                ],
            }
        )
        return
    print_ledger(ledger, permissions, at)


@consent_app.command("receipt")
def consent_receipt(event_id: int) -> None:
    """Print the consent receipt of a ledger event (Kantara Consent Receipt v1.1 JSON)."""
    with console.opened() as kluis:
        console.print_json(receipt.receipt(kluis, console.actor(), event_id, utcnow()))


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
    since = console.moment(told_since)
    with console.opened() as kluis:
        result = soft_opt_in.hold_told_customers(kluis, console.actor(), since, utcnow(), apply=yes)
    what = (
        f"customers collected since {console.day(since)} who lack purpose {result.purpose}, "
        "have not objected and are not restricted"
    )
    if result.done:
        console.out.print(
            f"Added purpose {result.purpose} to {result.customers} {what}.", markup=False
        )
    else:
        console.out.print(
            f"Would add purpose {result.purpose} to {result.customers} {what}. Do this only "
            "if every one of them was told at the sale, with the chance to object; run "
            "again with --yes to do it.",
            markup=False,
        )
    if result.suppressed:
        console.out.print(
            f"Left out {result.suppressed} whose address is on the suppression list.",
            markup=False,
        )
