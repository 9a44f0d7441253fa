"""Post mailings: a campaign on the post channel becomes letters, each decided by
``may_contact`` and stored as a message with its decision (DESIGN.md invariant 4), and is
handed over as files (``letters``): a CSV for a mailing house, address labels, the letters.

The first file asked for *makes* the mailing: the audience is queued as for any campaign
(``campaigns.enqueue``) and the campaign is marked sent. Every file, the first and each later
one, decides its people again at that moment (someone may have objected or withdrawn since,
Art. 7(3), 21(3)), reads the name and postal address of those allowed under the purpose their
decision names (Art. 5(1)(b)), and audits each decision and read, and the download itself (who,
which campaign, which file, how many people). A person refused later stays refused; a person
with no postal address the purpose may read is refused with ``no_address``. The files hold
personal data: they are made in memory on request and never written to disk by Kluis
(Art. 5(1)(e), 32).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.consent_events import CampaignChanged, DecisionMade
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import PersonRead
from kluis.audit.post_events import MailingDownloaded
from kluis.consent import page_decisions
from kluis.consent.rules import Decision, MessageKind
from kluis.contacts import people as contacts
from kluis.errors import InvalidField
from kluis.messaging import campaigns, letters, repository, rules
from kluis.messaging.tables import MessageRow
from kluis.runtime import Kluis

CHANNEL = "post"
READ = ("given_name", "family_name", "address")
"""What a letter reads of a person: the names and the postal address."""

NO_ADDRESS = "no_address"
HIDDEN = {"restricted": "restricted", "purpose": "not_collected", "missing": "erased"}
PAGE = 500
"""People decided and read in one transaction."""

FILES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "labels": ("application/pdf", "pdf"),
    "letters": ("application/pdf", "pdf"),
}
"""The files of a mailing: media type and file name extension."""


@dataclass(frozen=True)
class Mailing:
    campaign: campaigns.CampaignView
    letters: list[letters.Letter]
    refused: dict[str, int]
    """People refused by this round's decisions, by reason."""


@dataclass(frozen=True)
class File:
    kind: str
    name: str
    media_type: str
    content: bytes
    people: int


def make(
    k: Kluis,
    actor: Actor,
    campaign_id: int,
    now: datetime,
    step: Callable[[int, int], None] | None = None,
) -> Mailing:
    """The letters of a post campaign at ``now``: queued on first use, each person decided,
    read and stored; audited. ``step(done, total)`` follows the pages decided."""
    campaigns.may_send(actor)
    view = campaigns.get_campaign(k, campaign_id)
    if view.channel != CHANNEL:
        raise InvalidField(
            f"campaign {campaign_id} goes by {view.channel}; only a post campaign makes letters",
            field="campaign_id",
        )
    if view.status == "draft":
        with k.engine.begin() as conn:
            repository.set_campaign(conn, campaign_id, status="sending", started_at=now)
            audit.record(conn, actor.ref, now, [CampaignChanged(campaign_id, "sending")])
    if view.status != "sent":  # also after a crash while queueing: the queue is idempotent
        campaigns.enqueue(k, actor, campaign_id, now)
    with k.engine.connect() as conn:
        pending = _pending(conn, campaign_id)
    made: list[letters.Letter] = []
    refused: dict[str, int] = {}
    for start in range(0, len(pending), PAGE):
        made += _decide(k, actor, view, pending[start : start + PAGE], now, refused)
        if step is not None:
            step(min(start + PAGE, len(pending)), len(pending))
    if view.status != "sent":
        with k.engine.begin() as conn:
            repository.set_campaign(conn, campaign_id, status="sent", finished_at=now)
            audit.record(conn, actor.ref, now, [CampaignChanged(campaign_id, "sent")])
    return Mailing(campaigns.get_campaign(k, campaign_id), made, refused)


def _pending(conn: Connection, campaign_id: int) -> list[tuple[int, str]]:
    """The mailing's messages not refused yet (queued, or a letter made before), in order."""
    return [
        (row.id, row.person_id)
        for row in conn.execute(
            select(MessageRow.id, MessageRow.person_id)
            .where(
                MessageRow.campaign_id == campaign_id,
                MessageRow.status.in_(("queued", "sent")),
            )
            .order_by(MessageRow.id)
        )
    ]


def _decided(row_id: int, decision: Decision, now: datetime, **values: Any) -> dict[str, Any]:
    return {
        "row_id": row_id,
        "status": "refused",
        "allowed": decision.allowed,
        "basis": decision.basis.value,
        "reason": decision.reason.value,
        "evidence_event_id": decision.evidence_event_id,
        "language": "-",
        "sent_at": None,
        "error": None,
    } | values


def _decide(
    k: Kluis,
    actor: Actor,
    view: campaigns.CampaignView,
    page: Sequence[tuple[int, str]],
    now: datetime,
    refused: dict[str, int],
) -> list[letters.Letter]:
    """Decide, read, store and audit one page in one transaction."""
    made: list[letters.Letter] = []
    languages = tuple(lang for lang in rules.LANGUAGES if view.body.get(lang))
    with k.engine.begin() as conn:
        decisions = page_decisions.decide_page(
            k,
            conn,
            [person_id for _, person_id in page],
            CHANNEL,
            MessageKind.COMMERCIAL.value,
            view.topic,
            now,
        )
        by_purpose: dict[str, list[str]] = {}
        for person_id, decision in decisions.items():
            if decision.allowed and decision.purpose is not None:
                by_purpose.setdefault(decision.purpose, []).append(person_id)
        views: dict[str, contacts.PersonView] = {}
        hidden: dict[str, str] = {}
        for key, ids in by_purpose.items():
            seen, why = contacts.views_of(k, conn, contacts.purpose_for(conn, actor, key), ids)
            views.update((seen_view.id, seen_view) for seen_view in seen)
            hidden.update(why)
        rows: list[dict[str, Any]] = []
        events: list[AuditEvent] = []
        for row_id, person_id in page:
            decision = decisions[person_id]
            events.append(_made(person_id, view.topic, decision))
            person = views.get(person_id)
            reason: str | None = None
            if not decision.allowed:
                rows.append(_decided(row_id, decision, now))
                reason = decision.reason.value
            elif person is None:
                reason = HIDDEN[hidden.get(person_id, "missing")]
                rows.append(
                    _decided(row_id, decision, now, allowed=False, basis="none", reason=reason)
                )
            else:
                wanted = {n: v for n, v in person.fields.items() if n in READ}
                events.append(PersonRead(person_id, person.purpose, tuple(sorted(wanted)), "post"))
                lines = letters.address_lines(wanted.get("address"))
                if not lines:
                    reason = NO_ADDRESS
                    rows.append(
                        _decided(row_id, decision, now, allowed=False, basis="none", reason=reason)
                    )
                else:
                    language = rules.pick_language(person.language, languages)
                    made.append(
                        letters.Letter(
                            row_id,
                            person_id,
                            language,
                            _text(wanted.get("given_name")),
                            _text(wanted.get("family_name")),
                            lines,
                        )
                    )
                    rows.append(_decided(row_id, decision, now, status="sent", language=language))
                    rows[-1]["sent_at"] = now
            if reason is not None:
                refused[reason] = refused.get(reason, 0) + 1
        repository.set_many(conn, rows)
        audit.record(conn, actor.ref, now, events)
    return made


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _made(person_id: str, topic: str, decision: Decision) -> DecisionMade:
    return DecisionMade(
        person_id,
        CHANNEL,
        MessageKind.COMMERCIAL.value,
        topic,
        decision.allowed,
        decision.basis.value,
        decision.reason.value,
        decision.evidence_event_id,
    )


def render(
    k: Kluis, mailing: Mailing, kind: str, now: datetime, step: letters.Step | None = None
) -> bytes:
    """The file ``kind`` of ``mailing``, made in memory; ``step`` follows the letters written."""
    font = k.settings.post_font
    if kind == "csv":
        return letters.csv_bytes(mailing.letters)
    if kind == "labels":
        return letters.labels_pdf(mailing.letters, now, font, step)
    view = mailing.campaign
    sender = letters.Sender(
        k.settings.organisation_name, letters.address_lines(k.settings.organisation_address)
    )
    content = letters.Content(subject=view.subject, body=view.body)
    return letters.letters_pdf(mailing.letters, content, sender, now, font, step)


def files(
    k: Kluis, actor: Actor, campaign_id: int, kinds: Sequence[str], now: datetime
) -> tuple[Mailing, list[File]]:
    """The mailing at ``now`` and its files of ``kinds`` (csv, labels, letters), each
    download audited (``post.downloaded``: the campaign, the file, how many people)."""
    for kind in kinds:
        if kind not in FILES:
            raise InvalidField(
                f"a mailing's files are {', '.join(FILES)}, not {kind!r}", field="file"
            )
    mailing = make(k, actor, campaign_id, now)
    made: list[File] = []
    for kind in kinds:
        media_type, extension = FILES[kind]
        content = render(k, mailing, kind, now)
        name = f"campaign-{campaign_id}-{kind}.{extension}"
        made.append(File(kind, name, media_type, content, len(mailing.letters)))
    with k.engine.begin() as conn:
        audit.record(
            conn,
            actor.ref,
            now,
            [MailingDownloaded(campaign_id, f.kind, f.people) for f in made],
        )
    return mailing, made
