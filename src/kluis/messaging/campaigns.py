"""Campaigns: compose, preview the audience, send in batches, resume after a crash.

Sending is two steps. *Enqueue* streams the audience (``may_contact`` in SQL) and inserts one
message row per person, idempotent per campaign and person. *Deliver* (``delivery``) takes
queued rows a page at a time (at most ``batch``, and at most ``PAGE_SECONDS`` of sending at the
campaign's rate), asks ``may_contact`` again for each at that moment (a person may have
unsubscribed since), marks the rows ``sending`` and commits before talking to the mail server,
then ``sent`` or ``failed``. A crash leaves at most one page's rows ``sending``: on resume an
e-mail among them that may have reached the server is sent again with the same Message-ID (one
message, ``handover``), a text is ``interrupted`` and never sent again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kluis.actors import Actor, Role
from kluis.audit import service as audit
from kluis.audit.consent_events import CampaignChanged
from kluis.consent import catalogue
from kluis.consent import decisions as consent
from kluis.consent.catalogue import parse_channel
from kluis.consent.rules import Decision, MessageKind
from kluis.contacts import tags
from kluis.errors import (
    Conflict,
    InvalidField,
    PermissionDenied,
)
from kluis.locale import N_
from kluis.messaging import (
    compose,
    delivery,
    handover,
    repository,
    rules,
    sender,
    service,
    tag_audience,
    texts,
)
from kluis.messaging.texting import TextTransportFactory, transport_for
from kluis.runtime import Kluis

SENT_ALREADY = N_("Campaign %(id)s was sent already.")
PHONE_NOT_SENT = N_("A phone campaign is not sent: draw its call list.")
POST_NOT_SENT = N_("A post campaign is not sent: download its CSV, labels or letters.")
OTHER_SENDER = N_("Campaign %(id)s is being sent by another sender.")
"""What a page says when sending is refused (``detail`` stays the API's and the CLI's)."""

log = logging.getLogger(__name__)

SEND_ROLES = frozenset({Role.ADMIN, Role.PRIVACY_OFFICER, Role.MARKETING})
FIELDS = compose.FIELDS


@dataclass(frozen=True)
class CampaignView:
    id: int
    name: str
    channel: str
    topic: str
    status: str
    subject: dict[str, str]
    body: dict[str, str]
    rate_per_minute: int
    template: dict[str, Any] | None
    counts: dict[str, int]
    refused: dict[str, int]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    tag: str | None = None


def may_send(actor: Actor) -> None:
    if actor.role not in SEND_ROLES:
        raise PermissionDenied(
            "only marketing, an admin or the privacy officer may run campaigns",
            msgid=N_("Only marketing, an admin or the privacy officer may run campaigns."),
        )


def create_campaign(
    k: Kluis, actor: Actor, values: Mapping[str, Any], now: datetime
) -> CampaignView:
    """A draft campaign on e-mail (a subject and body in nl and/or en), SMS (a text in nl
    and/or en) or WhatsApp (an approved template); ``compose`` checks what each needs."""
    may_send(actor)
    unknown = set(values) - {*FIELDS, "channel"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidField(f"a campaign has no field {name!r}", field=name)
    channel = parse_channel(values.get("channel") or "email").value
    if not values.get("topic"):
        raise InvalidField(
            "name the topic of the campaign",
            field="topic",
            msgid=N_("Choose the topic of the campaign."),
        )
    compose.check(values, channel)
    with k.engine.begin() as conn:
        catalogue.topic_row(conn, values["topic"])
        tag = tags.tag_by_key(conn, str(values["tag"])).key if values.get("tag") else None
        campaign_id = repository.add_campaign(
            conn,
            {
                "name": str(values.get("name") or "").strip() or values["topic"],
                "channel": channel,
                "topic": values["topic"],
                **compose.columns(values, channel),
                "status": "draft",
                "rate_per_minute": values.get("rate_per_minute") or 600,
                "tag": tag,
                "created_by": actor.ref,
                "created_at": now,
            },
        )
        audit.record(conn, actor.ref, now, [CampaignChanged(campaign_id, "created")])
    return get_campaign(k, campaign_id)


def get_campaign(k: Kluis, campaign_id: int) -> CampaignView:
    with k.engine.connect() as conn:
        row = repository.campaign(conn, campaign_id)
        counts = repository.message_counts(conn, campaign_id)
    return _view(row, counts)


def list_campaigns(
    k: Kluis, actor: Actor, *, limit: int = 50, offset: int = 0
) -> tuple[list[CampaignView], int]:
    """Campaigns, newest first, with their messages counted by status; and how many there are."""
    may_send(actor)
    with k.engine.connect() as conn:
        rows, total = repository.campaigns_page(conn, limit, offset)
        counts = repository.message_counts_of(conn, [row.id for row in rows])
    return [_view(row, counts[row.id]) for row in rows], total


def refused_when_sending(k: Kluis, campaign_id: int) -> dict[str, int]:
    """People refused when their turn came (they unsubscribed or objected after sending
    began), by reason; those left out before sending began are in ``CampaignView.refused``."""
    with k.engine.connect() as conn:
        repository.campaign(conn, campaign_id)
        return repository.refused_reasons(conn, campaign_id)


def _view(row: Any, counts: dict[str, int]) -> CampaignView:
    return CampaignView(
        id=row.id,
        name=row.name,
        channel=row.channel,
        topic=row.topic,
        status=row.status,
        subject={
            lang: getattr(row, f"subject_{lang}")
            for lang in ("en", "nl")
            if getattr(row, f"subject_{lang}")
        },
        body={
            lang: getattr(row, f"body_{lang}")
            for lang in ("en", "nl")
            if getattr(row, f"body_{lang}")
        },
        rate_per_minute=row.rate_per_minute,
        template=dict(row.whatsapp_template) if row.whatsapp_template else None,
        counts=counts,
        refused=dict(row.refused or {}),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        tag=row.tag,
    )


def preview(k: Kluis, campaign_id: int, now: datetime) -> consent.AudienceCounts:
    """How many people the campaign would reach now, and how many are refused for each reason."""
    view = get_campaign(k, campaign_id)
    return _counts(k, view, now)


def _counts(k: Kluis, view: CampaignView, now: datetime) -> consent.AudienceCounts:
    if view.tag is not None:
        return tag_audience.counts(k, view.channel, view.topic, view.tag, now)
    return consent.audience_counts(k, view.channel, view.topic, now)


def audience_of(
    k: Kluis, view: CampaignView, now: datetime, batch: int
) -> tuple[consent.AudienceCounts, Iterator[list[tuple[str, Decision]]]]:
    """The campaign's audience: its counts and, in batches, whom ``may_contact`` allows,
    narrowed to the people carrying the campaign's tag when it names one. Every channel's
    producer (send, call list, post) reads it here, so a tag narrows them all alike."""
    stream: Iterator[list[tuple[str, Decision]]] = iter(
        consent.audience(k, view.channel, view.topic, now, batch)
    )
    if view.tag is not None:
        stream = tag_audience.narrowed(stream, tag_audience.tagged_ids(k, view.tag))
    return _counts(k, view, now), stream


def enqueue(k: Kluis, actor: Actor, campaign_id: int, now: datetime, batch: int = 1000) -> int:
    """Queue one message per person in the audience (idempotent); returns how many are queued."""
    view = get_campaign(k, campaign_id)
    counts, stream = audience_of(k, view, now, batch)
    for decisions in stream:
        rows = [
            {
                "person_id": person_id,
                "campaign_id": campaign_id,
                "kind": MessageKind.COMMERCIAL.value,
                "channel": view.channel,
                "topic": view.topic,
                "template": f"campaign:{campaign_id}",
                "language": "-",
                "status": "queued",
                "allowed": True,
                "basis": decision.basis.value,
                "reason": decision.reason.value,
                "evidence_event_id": decision.evidence_event_id,
                "created_by": actor.ref,
                "created_at": now,
            }
            for person_id, decision in decisions
        ]
        with k.engine.begin() as conn:
            repository.queue(conn, rows)
    with k.engine.begin() as conn:
        repository.set_campaign(conn, campaign_id, refused=counts.refused)
        return repository.queued_count(conn, campaign_id)


Progress = Callable[[int, int], None]

PAGE_SECONDS = 1.0
"""How long a page of messages may take to send at the campaign's rate: each person is decided
when their page is claimed, so this is how long before their message goes they may be decided
at most (plus the time to build and send the page)."""


def page_size(batch: int, rate_per_minute: int) -> int:
    """Messages per page: ``batch``, or fewer when sending them at the rate would take longer
    than ``PAGE_SECONDS``."""
    return max(1, min(batch, int(rate_per_minute * PAGE_SECONDS / 60)))


def ready_to_send(
    k: Kluis,
    actor: Actor,
    campaign_id: int,
    transport: service.TransportFactory | None,
    now: datetime,
) -> tuple[CampaignView, str]:
    """What sending would refuse, said before it goes to the background: the role, a campaign
    sent already, no mail server, another sender at work (409). Returns the campaign and the
    claim (``sender.claim``) the background sender works under."""
    may_send(actor)
    view = get_campaign(k, campaign_id)
    _sendable(campaign_id, view.status, view.channel)
    if view.channel in texts.TEXT_CHANNELS:
        texts.configured(k, view.channel)
    elif transport is None:
        service.smtp_transport(k)
    return view, sender.claim(k, campaign_id, view.rate_per_minute, now)


def _sendable(campaign_id: int, status: str, channel: str) -> None:
    """Refuse what is not sent from here: a campaign sent already (409), a post campaign (its
    letters are downloaded) and a phone campaign (its calls are drawn)."""
    if status == "sent":
        raise Conflict(
            f"campaign {campaign_id} was sent already",
            field="campaign_id",
            msgid=SENT_ALREADY,
            values={"id": campaign_id},
        )
    if channel == "post":
        raise InvalidField(
            "a post campaign is not sent: download its CSV, labels or letters",
            field="channel",
            msgid=POST_NOT_SENT,
        )
    if channel == "phone":
        raise Conflict(
            "a phone campaign is not sent: draw its call list",
            field="campaign_id",
            msgid=PHONE_NOT_SENT,
        )


def send_campaign(
    k: Kluis,
    actor: Actor,
    campaign_id: int,
    now: Callable[[], datetime],
    transport: service.TransportFactory | None = None,
    *,
    batch: int = 200,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    claimed: str | None = None,
    texting: TextTransportFactory | None = None,
) -> CampaignView:
    """Send (or resume sending) a campaign; ``now`` is a clock so each message is decided and
    stamped at its own moment. ``progress(done, total)`` is called for each message once its
    page is marked. ``transport`` makes the mail transport of an e-mail campaign, ``texting``
    the provider's transport of a text campaign (else the one its setting names).
    ``claimed`` is the claim ``ready_to_send`` took; without it the campaign is claimed here,
    and a campaign another sender holds is refused (409)."""
    may_send(actor)
    started = now()
    with k.engine.connect() as conn:
        row = repository.campaign(conn, campaign_id)
    _sendable(campaign_id, row.status, row.channel)
    holder = claimed or sender.claim(k, campaign_id, row.rate_per_minute, started)
    try:
        if row.channel in texts.TEXT_CHANNELS:
            url = texts.provider_url(k, row.channel)
            factory: Any = texting or (lambda: transport_for(url, row.channel))
        else:
            factory = transport or (lambda: service.smtp_transport(k))
        return _send(k, actor, campaign_id, now, factory, holder, batch, progress, sleep)
    finally:
        sender.release(k, campaign_id, holder)


def _send(
    k: Kluis,
    actor: Actor,
    campaign_id: int,
    now: Callable[[], datetime],
    factory: Callable[[], Any],
    holder: str,
    batch: int,
    progress: Progress | None,
    sleep: Callable[[float], None],
) -> CampaignView:
    started = now()
    with k.engine.begin() as conn:
        row = repository.campaign(conn, campaign_id)
        if row.status == "sent":
            raise Conflict(
                f"campaign {campaign_id} was sent already",
                field="campaign_id",
                msgid=SENT_ALREADY,
                values={"id": campaign_id},
            )
        if row.sender != holder:
            raise Conflict(
                f"campaign {campaign_id} is being sent by another sender",
                field="campaign_id",
                msgid=OTHER_SENDER,
                values={"id": campaign_id},
            )
        repository.interrupt(conn, campaign_id, rules.INTERRUPTED, resend=row.channel == "email")
        repository.set_campaign(
            conn, campaign_id, status="sending", started_at=row.started_at or started
        )
        audit.record(conn, actor.ref, started, [CampaignChanged(campaign_id, "sending")])
    total = enqueue(k, actor, campaign_id, started)
    view = get_campaign(k, campaign_id)
    with k.engine.connect() as conn:
        topic = catalogue.topic_row(conn, view.topic)
    plan = delivery.prepare(k, actor, view, {"en": topic.name_en, "nl": topic.name_nl})
    size = page_size(batch, view.rate_per_minute)
    done = 0

    def one_done() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    with factory() as smtp:
        while True:
            with k.engine.connect() as conn:
                queued = repository.queued(conn, campaign_id, size)
            if not queued:
                break
            page = delivery.claim_page(k, plan, holder, queued, now())
            if page is None:
                log.warning("campaign %s: another sender took over; stopping", campaign_id)
                return get_campaign(k, campaign_id)
            handover.send_page(k, plan, page, smtp, now, one_done, sleep)
    finished = now()
    with k.engine.begin() as conn:
        repository.set_campaign(conn, campaign_id, status="sent", finished_at=finished)
        audit.record(conn, actor.ref, finished, [CampaignChanged(campaign_id, "sent")])
    return get_campaign(k, campaign_id)
