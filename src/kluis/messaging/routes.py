"""JSON API of messages and campaigns. Thin: each route calls one service function; sending a
campaign is a job (``messaging.jobs``) run after the answer by the job queue's worker, and
resumes where it stopped when sent again.

The mail server is ``messaging.service.smtp_transport`` unless the app carries another transport
factory in ``app.state.transport_factory`` (tests use it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response, status

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep, PurposeQuery, get_now, problem_response
from kluis.auth.deps import ActorDep
from kluis.consent.rules import Basis, Decision, Reason
from kluis.consent.schemas import DecisionPublic
from kluis.errors import InvalidField, KluisError
from kluis.jobs import web as jobs
from kluis.messaging import campaigns, service
from kluis.messaging import jobs as campaign_jobs
from kluis.messaging.schemas import (
    CampaignCounts,
    CampaignCreate,
    CampaignPreview,
    CampaignPublic,
    MessageCreate,
    MessagePublic,
    MessageRecord,
    PerLanguage,
)

router = APIRouter(tags=["messages"], responses=PROBLEMS)
campaigns_router = APIRouter(prefix="/campaigns", tags=["campaigns"], responses=PROBLEMS)

CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]


MAIL_PROBLEMS: dict[int | str, dict[str, Any]] = {
    503: problem_response("No mail server is configured (`KLUIS_SMTP_URL`)."),
}


@contextmanager
def _fields(**renamed: str) -> Iterator[None]:
    """Services name inputs as the CLI does (``id``, ``body_en``); the problem names the
    request's field (``person_id``, ``body``) so a client can point at it."""
    try:
        yield
    except KluisError as exc:
        if exc.field in renamed:
            exc.field = renamed[exc.field]
        raise


def _transport(request: Request) -> service.TransportFactory | None:
    factory: service.TransportFactory | None = getattr(request.app.state, "transport_factory", None)
    return factory


def _clock(request: Request) -> Callable[[], datetime]:
    """The app's clock (``get_now``, or what replaces it), read for every message sent."""
    clock: Callable[[], datetime] = request.app.dependency_overrides.get(get_now, get_now)
    return clock


def _decision(decision: Decision) -> DecisionPublic:
    return DecisionPublic(
        allowed=decision.allowed,
        basis=decision.basis,
        reason=decision.reason,
        reason_en=decision.reason_en,
        reason_nl=decision.reason_nl,
        evidence_event_id=decision.evidence_event_id,
        purpose=decision.purpose,
    )


# Messages ---------------------------------------------------------------------------------------


def _content(body: MessageCreate) -> service.Content:
    subject = body.subject.texts() if body.subject else {}
    text = body.body.texts() if body.body else {}
    if body.template is not None:
        if subject or text:
            raise InvalidField(
                "give a template with params, or a subject and body, not both", field="template"
            )
        return service.Content(template=body.template, params=dict(body.params or {}))
    if body.params:
        raise InvalidField("params are for a template; name the template", field="params")
    for lang in ("nl", "en"):
        if bool(subject.get(lang)) != bool(text.get(lang)):
            raise InvalidField(
                f"give both the subject and the body in {lang}, or neither", field="body"
            )
    if not subject:
        raise InvalidField("give a template, or a subject and body in nl or en", field="subject")
    return service.Content(subject=subject, body=text)


@router.post(
    "/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessagePublic,
    responses=MAIL_PROBLEMS,
)
def send_message(
    kluis: KluisDep, actor: ActorDep, now: NowDep, request: Request, body: MessageCreate
) -> MessagePublic:
    """Send one e-mail to one person, after asking `may_contact`: 201 with the message, its
    status (`sent`, `refused`, `failed`) and the decision behind it (basis, reason, evidence),
    which is stored and audited. A refused message is recorded too; nothing reaches the person.

    A transactional message needs no consent but is refused while the person's data is
    restricted (Art. 18); a commercial one needs a live consent (Art. 6(1)(a)) or, for a
    customer, the soft opt-in (Art. 13(2) ePrivacy Directive), and carries an unsubscribe footer
    and one-click `List-Unsubscribe` headers (RFC 2369, RFC 8058). An erased person gives 410.
    The address is read under the service purpose (transactional) or the marketing purpose
    (commercial), which the role must hold."""
    content = _content(body)
    with _fields(id="person_id"):
        view = service.send_message(
            kluis,
            actor,
            body.person_id,
            body.kind,
            body.topic,
            content,
            now,
            _transport(request),
        )
    return MessagePublic.model_validate(
        {
            "id": view.id,
            "person_id": view.person_id,
            "kind": view.kind,
            "channel": view.channel,
            "topic": view.topic,
            "status": view.status,
            "decision": _decision(view.decision),
            "error": view.error,
        }
    )


@router.get("/contacts/{person_id}/messages", response_model=list[MessageRecord])
def person_messages(
    kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: str, purpose: PurposeQuery
) -> list[MessageRecord]:
    """Every message sent, refused or failed to the person, oldest first, each with the decision
    behind it: whether it was allowed, on what basis and why, and the consent event it rests on
    (DESIGN.md invariant 4). Holds no field of the person, but what was sent to them is about
    them: read under `purpose`, as `GET /contacts/{id}` is, and audited."""
    return [
        MessageRecord(
            **{
                name: row[name]
                for name in MessageRecord.model_fields
                if name != "decision" and name in row
            },
            decision=_decision(
                Decision(
                    row["allowed"],
                    Basis(row["basis"]),
                    Reason(row["reason"]),
                    row["evidence_event_id"],
                )
            ),
        )
        for row in service.messages_of(kluis, actor, person_id, purpose, now)
    ]


# Campaigns --------------------------------------------------------------------------------------


def _campaign(view: campaigns.CampaignView) -> CampaignPublic:
    return CampaignPublic.model_validate(
        {
            **dataclasses.asdict(view),
            "subject": PerLanguage(**view.subject),
            "body": PerLanguage(**view.body),
            "whatsapp_template": view.template,
            "counts": CampaignCounts(**view.counts),
        }
    )


@campaigns_router.post("", status_code=status.HTTP_201_CREATED, response_model=CampaignPublic)
def create_campaign(
    kluis: KluisDep, actor: ActorDep, now: NowDep, response: Response, body: CampaignCreate
) -> CampaignPublic:
    """Create a draft campaign: a commercial e-mail (subject and body), SMS (text) or WhatsApp
    message (an approved template) on one topic, in Dutch and/or English (each person gets
    their language when it is there). Marketing, an admin or the privacy officer only."""
    values: dict[str, Any] = {
        "name": body.name,
        "channel": body.channel,
        "topic": body.topic,
        "rate_per_minute": body.rate_per_minute,
    }
    if body.tag:
        values["tag"] = body.tag
    if body.whatsapp_template is not None:
        values["whatsapp_template"] = body.whatsapp_template.model_dump()
    for lang, text in body.subject.texts().items():
        values[f"subject_{lang}"] = text
    for lang, text in body.body.texts().items():
        values[f"body_{lang}"] = text
    with _fields(subject_nl="subject", subject_en="subject", body_nl="body", body_en="body"):
        view = campaigns.create_campaign(kluis, actor, values, now)
    response.headers["Location"] = f"/api/v1/campaigns/{view.id}"
    return _campaign(view)


@campaigns_router.get("/{campaign_id}", response_model=CampaignPublic)
def get_campaign(kluis: KluisDep, actor: ActorDep, campaign_id: CampaignId) -> CampaignPublic:
    """The campaign: its status (`draft`, `sending`, `sent`), its messages counted by status,
    and the people left out by reason."""
    return _campaign(campaigns.get_campaign(kluis, campaign_id))


@campaigns_router.get("/{campaign_id}/preview", response_model=CampaignPreview)
def preview_campaign(
    kluis: KluisDep, actor: ActorDep, now: NowDep, campaign_id: CampaignId
) -> CampaignPreview:
    """How many people the campaign may reach now, and how many it may not, by reason
    (restricted, objected, withdrawn, expired, no_consent): the rule of `/decisions`, counted
    in one query. Sends nothing."""
    counts = campaigns.preview(kluis, campaign_id, now)
    return CampaignPreview(
        campaign_id=campaign_id,
        channel=counts.channel,
        topic=counts.topic,
        audience=counts.allowed,
        refused=counts.refused,
    )


@campaigns_router.post(
    "/{campaign_id}/send",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CampaignPublic,
    responses=MAIL_PROBLEMS,
)
def send_campaign(
    kluis: KluisDep,
    actor: ActorDep,
    request: Request,
    campaign_id: CampaignId,
) -> CampaignPublic:
    """Start sending the campaign and answer 202 at once; follow it with
    `GET /api/v1/campaigns/{id}`. Everyone the audience holds when sending begins gets one
    message, decided again when their turn comes (someone who unsubscribed in between is
    refused), at most `rate_per_minute` a minute. Sending a campaign that is being sent, or was
    stopped, resumes it: nobody gets it twice. A campaign sent already gives 409. Marketing, an
    admin or the privacy officer only."""
    transport = _transport(request)
    clock = _clock(request)
    view, claimed = campaigns.ready_to_send(kluis, actor, campaign_id, transport, clock())
    jobs.submit(
        request.app.state,
        kluis,
        campaign_jobs.SEND,
        campaign_jobs.arguments(actor, campaign_id, claimed),
        clock=clock,
        transport=transport,
    )
    return _campaign(view)
