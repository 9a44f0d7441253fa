"""JSON API of consent: the ledger with evidence, objections and restrictions, decisions,
audiences, receipts, and the notices and topics catalogue. Thin: each route calls one service
function (recording an event also answers what it now allows)."""

from __future__ import annotations

import dataclasses
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep, PurposeQuery
from kluis.auth.deps import ActorDep
from kluis.consent import catalogue, receipt, rules, service
from kluis.consent.rules import EVIDENCE_TYPES, Channel, Decision, MessageKind, Status
from kluis.consent.schemas import (
    AudiencePublic,
    ConsentCreate,
    ConsentReceipt,
    ConsentRecorded,
    DecisionPublic,
    EvidenceCreated,
    EvidenceInfo,
    FlagChange,
    FlagEntryPublic,
    LedgerEvent,
    LedgerPublic,
    NoticeCover,
    NoticeCreate,
    NoticePublic,
    PermissionPublic,
    TopicCreate,
    TopicPublic,
    TopicUpdate,
)
from kluis.errors import InvalidField, KluisError

router = APIRouter(tags=["consent"], responses=PROBLEMS)
notices = APIRouter(prefix="/notices", tags=["notices"], responses=PROBLEMS)
topics = APIRouter(prefix="/topics", tags=["topics"], responses=PROBLEMS)

EventId = Annotated[int, Path(ge=1, le=MAX_ID)]
EvidenceId = Annotated[int, Path(ge=1, le=MAX_ID)]
NoticeId = Annotated[int, Path(ge=1, le=MAX_ID)]
TopicQuery = Annotated[str, Query(description="A topic key.", examples=["offers"])]


@contextmanager
def _fields(**renamed: str) -> Iterator[None]:
    """The service names inputs as the CLI does (``notice``); the problem names the request's
    field (``notice_id``) so a client can point at it."""
    try:
        yield
    except KluisError as exc:
        if exc.field in renamed:
            exc.field = renamed[exc.field]
        raise


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


# The ledger -------------------------------------------------------------------------------------


@router.post(
    "/contacts/{person_id}/consents",
    status_code=status.HTTP_201_CREATED,
    response_model=ConsentRecorded,
)
def record_consent(
    kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: str, body: ConsentCreate
) -> ConsentRecorded:
    """Append an event to the person's consent ledger: a grant, withdrawal, re-confirmation or
    expiry for one channel and topic. The kept permission state changes in the same transaction.

    A grant must be freely given, specific, informed and unambiguous (GDPR Art. 4(11), 7): it
    needs the method and the notice the person saw, and one marked pre-ticked, implied or
    imported without proof is refused with a `consent-refused` problem whose `field` says why
    (Recital 32, Art. 7(1)). Withdrawing is as easy as granting (Art. 7(3)): no notice needed.
    The answer carries the event id and what a commercial message on this channel and topic now
    gets."""
    grant = service.Grant(
        method=body.method,
        notice_id=body.notice_id,
        evidence_id=body.evidence_id,
        source_ip=None if body.source_ip is None else str(body.source_ip),
        user_agent=body.user_agent,
        pre_ticked=body.pre_ticked,
        implied=body.implied,
        imported_without_proof=body.imported_without_proof,
    )
    with _fields(notice="notice_id", evidence="evidence_id"):
        event_id = service.record(
            kluis,
            actor,
            person_id,
            body.channel,
            body.topic,
            body.action,
            now,
            grant,
            captured_by="person" if body.captured_by_person else None,
        )
    decision = service.decide(
        kluis, actor, person_id, body.channel, MessageKind.COMMERCIAL, body.topic, now
    )
    return ConsentRecorded(id=event_id, decision=_decision(decision))


@router.get("/contacts/{person_id}/consents", response_model=LedgerPublic)
def consent_ledger(
    kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: str, purpose: PurposeQuery
) -> LedgerPublic:
    """The person's consent ledger, oldest first: every event, every objection and restriction,
    and the evidence with the events citing it (the proof of Art. 7(1)). Read under `purpose`,
    as `GET /contacts/{id}` is: the role must hold it and the person must have been collected
    for it. The web form's IP address and user agent are shown to admins and privacy officers
    only. The read is audited."""
    found = service.ledger(kluis, actor, person_id, purpose, now)
    return LedgerPublic(
        person_id=found.person_id,
        events=[LedgerEvent.model_validate(dataclasses.asdict(e)) for e in found.events],
        flags=[FlagEntryPublic.model_validate(dataclasses.asdict(f)) for f in found.flags],
        evidence=[EvidenceInfo.model_validate(e) for e in found.evidence],
    )


@router.get("/contacts/{person_id}/permissions", response_model=list[PermissionPublic])
def permissions(
    kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: str, purpose: PurposeQuery
) -> list[PermissionPublic]:
    """For every channel and topic: the kept permission state and what a commercial message gets
    now, with its basis (consent, Art. 6(1)(a); soft opt-in, Art. 13(2) ePrivacy Directive) and
    the reason in English and Dutch. Read under `purpose`, as `GET /contacts/{id}` is, and
    audited."""
    return [
        PermissionPublic(
            channel=Channel(view.channel),
            topic=view.topic,
            status=None if view.status is None else Status(view.status),
            since=view.since,
            reconfirm_by=view.reconfirm_by,
            decision=_decision(view.decision),
        )
        for view in service.permissions(kluis, actor, person_id, purpose, now)
    ]


# Evidence ---------------------------------------------------------------------------------------

_EVIDENCE_CONTENT: dict[str, Any] = {
    kind: {"schema": {"type": "string", "format": "binary"}} for kind in EVIDENCE_TYPES
}


@router.post(
    "/contacts/{person_id}/evidence",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidenceCreated,
)
def add_evidence(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    person_id: str,
    purpose: PurposeQuery,
    file: Annotated[
        UploadFile,
        File(
            description="A call recording, scanned form or e-mail, sent with its content type: "
            + ", ".join(sorted(EVIDENCE_TYPES))
            + "."
        ),
    ],
) -> EvidenceCreated:
    """Upload evidence of consent (GDPR Art. 7(1): the controller must be able to show it was
    given). The content must be what its type claims and fit the size limit; it is sealed with
    the person's key, so erasing them (Art. 17) makes it unreadable too. Stored under `purpose`,
    which the role must hold and the person must have been collected for, and audited. Cite the
    id as `evidence_id` when recording the consent."""
    limit = kluis.settings.evidence_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidField(f"the evidence is over {limit} bytes, the most accepted", field="file")
    with _fields(evidence="file"):
        evidence_id = service.add_evidence(
            kluis,
            actor,
            person_id,
            purpose,
            file.content_type or "",
            data,
            now,
            filename=file.filename,
        )
    return EvidenceCreated(id=evidence_id)


@router.get(
    "/evidence/{evidence_id}",
    response_class=Response,
    responses={200: {"description": "The evidence file.", "content": _EVIDENCE_CONTENT}},
)
def get_evidence(
    kluis: KluisDep, actor: ActorDep, now: NowDep, evidence_id: EvidenceId
) -> Response:
    """Download evidence of consent, as an attachment with its content type (admin or privacy
    officer only: it proves consent to the person or a regulator, Art. 7(1)). The read is
    audited."""
    with _fields(evidence="evidence_id"):
        found = service.get_evidence(kluis, actor, evidence_id, now)
    extension = mimetypes.guess_extension(found.content_type) or ".bin"
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{found.id}{extension}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# Objection and restriction ----------------------------------------------------------------------


@router.post(
    "/contacts/{person_id}/objection",
    status_code=status.HTTP_201_CREATED,
    response_model=FlagEntryPublic,
)
def objection(
    kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: str, body: FlagChange
) -> FlagEntryPublic:
    """Record the person's objection to direct marketing (GDPR Art. 21(3)): from now on no
    commercial message may go to them on any channel, whatever consent they gave. Any role may
    record it; only an admin or privacy officer may lift it (`active: false`)."""
    service.set_flag(kluis, actor, person_id, "objection", body.active, body.method, now)
    return FlagEntryPublic(
        flag="objection",
        active=body.active,
        method=body.method,
        captured_by=actor.ref,
        captured_at=now,
    )


@router.post(
    "/contacts/{person_id}/restriction",
    status_code=status.HTTP_201_CREATED,
    response_model=FlagEntryPublic,
)
def restriction(
    kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: str, body: FlagChange
) -> FlagEntryPublic:
    """Restrict processing of the person's data (GDPR Art. 18), or lift it with
    `active: false`: while restricted nothing, not even a transactional message, may be sent.
    Admin or privacy officer only."""
    service.set_flag(kluis, actor, person_id, "restriction", body.active, body.method, now)
    return FlagEntryPublic(
        flag="restriction",
        active=body.active,
        method=body.method,
        captured_by=actor.ref,
        captured_at=now,
    )


# Decisions, audiences, receipts -----------------------------------------------------------------


@router.get("/decisions", response_model=DecisionPublic)
def decide(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    contact: Annotated[str, Query(description="The person's id.")],
    channel: Channel,
    kind: Annotated[
        MessageKind,
        Query(description="`commercial` needs a basis; `transactional` needs none."),
    ],
    topic: TopicQuery,
) -> DecisionPublic:
    """May a message of this kind go to the person on this channel now, and why: refused when
    erased (Art. 17) or restricted (Art. 18); transactional allowed; commercial refused on an
    objection (Art. 21(3)) or withdrawal (Art. 7(3)), allowed on a live consent (Art. 6(1)(a),
    citing its event) or, for a customer on a soft-opt-in channel, until they opt out (Art. 13(2)
    ePrivacy Directive). The decision is audited."""
    with _fields(id="contact"):
        return _decision(service.decide(kluis, actor, contact, channel, kind, topic, now))


@router.get("/audiences", response_model=AudiencePublic)
def audience(
    kluis: KluisDep, actor: ActorDep, now: NowDep, channel: Channel, topic: TopicQuery
) -> AudiencePublic:
    """How many people a commercial message on this channel and topic may reach now, and how
    many are refused for each reason (restricted, objected, withdrawn, expired, no_consent):
    the same rule as `/decisions`, counted over the kept state in one query."""
    counts = service.audience_counts(kluis, channel, topic, now)
    return AudiencePublic(
        channel=Channel(counts.channel),
        topic=counts.topic,
        allowed=counts.allowed,
        refused=counts.refused,
    )


@router.get("/consents/{event_id}/receipt", response_model=ConsentReceipt)
def consent_receipt(
    kluis: KluisDep, actor: ActorDep, now: NowDep, event_id: EventId
) -> ConsentReceipt:
    """A consent receipt for one ledger event, following the Kantara Initiative Consent Receipt
    Specification v1.1: proof of what was agreed (Art. 7(1)) to hand the person or a regulator.
    It names the person by opaque id only. Issuing it is audited."""
    return ConsentReceipt.model_validate(receipt.receipt(kluis, actor, event_id, now))


# Notices ----------------------------------------------------------------------------------------


def _notice(view: catalogue.NoticeView) -> NoticePublic:
    return NoticePublic(
        id=view.id,
        language=view.language,
        text=view.text,
        content_hash=view.content_hash,
        created_at=view.created_at,
        covers=[NoticeCover(channel=Channel(c), topic=t) for c, t in view.covers],
    )


@notices.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=NoticePublic,
    responses={200: {"model": NoticePublic, "description": "The same wording exists already."}},
)
def add_notice(
    kluis: KluisDep, actor: ActorDep, now: NowDep, response: Response, body: NoticeCreate
) -> NoticePublic:
    """Add a version of the wording shown when consent is asked (consent must be informed and
    specific, GDPR Art. 4(11), 7(2)), naming the channels and topics it asks for: 201 with the
    new version, or 200 with the existing one when the same text in the same language asking
    for the same channels and topics exists. A notice is never changed or deleted: a new
    wording, or the same one asking for more, is a new version, and every grant keeps pointing
    at the one the person saw. A grant citing a notice for a channel or topic it does not name
    is refused with a `consent-refused` problem on `notice_id`."""
    known = {n.id for n in catalogue.list_notices(kluis)}
    view = catalogue.add_notice(
        kluis,
        actor,
        body.language,
        body.text,
        now,
        covers=rules.every((c.value for c in body.channels), body.topics),
    )
    if view.id in known:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/notices/{view.id}"
    return _notice(view)


@notices.get("", response_model=list[NoticePublic])
def list_notices(kluis: KluisDep, actor: ActorDep) -> list[NoticePublic]:
    """Every notice version, oldest first."""
    return [_notice(n) for n in catalogue.list_notices(kluis)]


@notices.get("/{notice_id}", response_model=NoticePublic)
def get_notice(kluis: KluisDep, actor: ActorDep, notice_id: NoticeId) -> NoticePublic:
    """One notice version: the exact wording a grant citing it was given to."""
    with _fields(notice="notice_id"):
        return _notice(catalogue.get_notice(kluis, notice_id))


# Topics -----------------------------------------------------------------------------------------


def _topic(view: catalogue.TopicView) -> TopicPublic:
    return TopicPublic.model_validate(dataclasses.asdict(view))


@topics.get("", response_model=list[TopicPublic])
def list_topics(kluis: KluisDep, actor: ActorDep) -> list[TopicPublic]:
    """The kinds of content people choose to receive, with English and Dutch names and how
    long a consent lasts before it must be re-confirmed."""
    return [_topic(t) for t in catalogue.list_topics(kluis)]


@topics.post("", status_code=status.HTTP_201_CREATED, response_model=TopicPublic)
def create_topic(kluis: KluisDep, actor: ActorDep, now: NowDep, body: TopicCreate) -> TopicPublic:
    """Add a topic (admin or privacy officer): consent is given per topic, so it stays specific
    (GDPR Art. 4(11), 6(1)(a))."""
    return _topic(
        catalogue.create_topic(
            kluis, actor, body.key, body.name_en, body.name_nl, now, body.reconfirm_months
        )
    )


@topics.patch("/{key}", response_model=TopicPublic)
def change_topic(
    kluis: KluisDep, actor: ActorDep, now: NowDep, key: str, body: TopicUpdate
) -> TopicPublic:
    """Rename a topic or change its re-confirmation period (admin or privacy officer); the audit
    log names the fields changed. Consents already given keep their re-confirm-by date."""
    return _topic(
        catalogue.change_topic(kluis, actor, key, body.model_dump(exclude_unset=True), now)
    )
