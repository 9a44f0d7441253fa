"""Consent receipts following the Kantara Initiative Consent Receipt Specification v1.1.

A receipt is what a business hands a person or a regulator as proof of what was agreed: who the
controller is, when and how consent was given, to which notice, for what purposes and categories
of data, and where to withdraw. It names the person by their opaque id only, so a receipt kept
by a third party reveals nothing once the person is erased.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.consent_events import ConsentReceiptIssued
from kluis.consent import repository
from kluis.errors import NotFound
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import LawfulBasis
from kluis.runtime import Kluis

RECEIPT_VERSION = "KI-CR-v1.1.0"
_NAMESPACE = uuid.UUID("6f1c1a8e-3f0e-4a53-9a55-4b6c1d0e7a21")


def receipt(k: Kluis, actor: Actor, event_id: int, now: datetime) -> dict[str, Any]:
    """The Kantara v1.1 receipt of one consent event; its id is stable for the event."""
    with k.engine.begin() as conn:
        event = repository.event(conn, event_id)
        if event is None:
            raise NotFound(f"there is no consent event {event_id}", field="event_id")
        notice = repository.notice(conn, event.notice_id) if event.notice_id else None
        topic = repository.topic(conn, event.topic)
        consent_purposes = [
            p for p in purposes_repo.all_purposes(conn) if p.lawful_basis is LawfulBasis.CONSENT
        ]
        audit.record(conn, actor.ref, now, [ConsentReceiptIssued(event.person_id, event_id)])
    settings = k.settings
    language = notice.language if notice is not None else "en"
    return {
        "version": RECEIPT_VERSION,
        "jurisdiction": "EU",
        "consentTimestamp": int(event.captured_at.timestamp()),
        "collectionMethod": event.method or event.action,
        "consentReceiptID": str(uuid.uuid5(_NAMESPACE, f"{event.person_id}/{event_id}")),
        "language": language,
        "piiPrincipalId": event.person_id,
        "piiControllers": [
            {
                "piiController": settings.organisation_name,
                "contact": settings.organisation_name,
                "address": "",
                "email": "",
                "phone": "",
                "piiControllerUrl": settings.base_url,
            }
        ],
        "policyUrl": f"{settings.base_url.rstrip('/')}/privacy-notice",
        "services": [
            {
                "service": f"{event.channel}:{event.topic}",
                "purposes": [
                    {
                        "purpose": p.name_en if language == "en" else p.name_nl,
                        "purposeCategory": [p.data_use],
                        "consentType": "EXPLICIT",
                        "piiCategory": list(p.data_categories),
                        "primaryPurpose": True,
                        "termination": f"withdrawal, or re-confirmation not given by "
                        f"{event.reconfirm_by.date().isoformat() if event.reconfirm_by else '-'}",
                        "thirdPartyDisclosure": bool(p.recipients),
                        "thirdPartyName": ", ".join(p.recipients),
                    }
                    for p in consent_purposes
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        "kluis": {
            "eventId": event_id,
            "action": event.action,
            "channel": event.channel,
            "topic": event.topic,
            "topicName": None if topic is None else (topic.name_en, topic.name_nl),
            "noticeId": event.notice_id,
            "noticeText": None if notice is None else notice.text,
            "noticeHash": None if notice is None else notice.content_hash,
            "evidenceId": event.evidence_id,
            "capturedBy": event.captured_by,
            "reconfirmBy": None if event.reconfirm_by is None else event.reconfirm_by.isoformat(),
        },
    }
