"""JSON API of consent: the ledger with evidence, objections and restrictions, decisions,
audiences and receipts (the notices and topics catalogue are in ``catalogue_routes``). Thin: each
route calls one service function (recording an event also answers what it now allows)."""

from __future__ import annotations

import dataclasses
import mimetypes
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep, PurposeQuery
from kluis.auth.deps import ActorDep
from kluis.consent import decisions, receipt
from kluis.consent import evidence as consent_evidence
from kluis.consent import ledger as ledger_service
from kluis.consent.catalogue_routes import renamed_fields
from kluis.consent.grant_rules import EVIDENCE_TYPES
from kluis.consent.rules import Channel, Decision, MessageKind, Status
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
    PermissionPublic,
)
from kluis.contacts import flags as contacts_flags
from kluis.errors import InvalidField

router = APIRouter(tags=["consent"], responses=PROBLEMS)

EventId = Annotated[int, Path(ge=1, le=MAX_ID)]
EvidenceId = Annotated[int, Path(ge=1, le=MAX_ID)]
TopicQuery = Annotated[str, Query(description="A topic key.", examples=["offers"])]


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
    grant = ledger_service.Grant(
        method=body.method,
        notice_id=body.notice_id,
        evidence_id=body.evidence_id,
        source_ip=None if body.source_ip is None else str(body.source_ip),
        user_agent=body.user_agent,
        pre_ticked=body.pre_ticked,
        implied=body.implied,
        imported_without_proof=body.imported_without_proof,
    )
    with renamed_fields(notice="notice_id", evidence="evidence_id"):
        event_id = ledger_service.record(
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
    decision = decisions.decide(
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
    found = ledger_service.ledger(kluis, actor, person_id, purpose, now)
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
        for view in decisions.permissions(kluis, actor, person_id, purpose, now)
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
    with renamed_fields(evidence="file"):
        evidence_id = consent_evidence.add_evidence(
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
    with renamed_fields(evidence="evidence_id"):
        found = consent_evidence.get_evidence(kluis, actor, evidence_id, now)
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
    contacts_flags.set_flag(kluis, actor, person_id, "objection", body.active, body.method, now)
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
    contacts_flags.set_flag(kluis, actor, person_id, "restriction", body.active, body.method, now)
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
    with renamed_fields(id="contact"):
        return _decision(decisions.decide(kluis, actor, contact, channel, kind, topic, now))


@router.get("/audiences", response_model=AudiencePublic)
def audience(
    kluis: KluisDep, actor: ActorDep, now: NowDep, channel: Channel, topic: TopicQuery
) -> AudiencePublic:
    """How many people a commercial message on this channel and topic may reach now, and how
    many are refused for each reason (restricted, objected, withdrawn, expired, no_consent):
    the same rule as `/decisions`, counted over the kept state in one query."""
    counts = decisions.audience_counts(kluis, channel, topic, now)
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
