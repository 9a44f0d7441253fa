"""Carrying out each type of privacy request (Art. 15-21) once it is in progress: what is
done to the data, by the slice that owns it, and what the person is sent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.contacts import custom_fields, flags
from kluis.contacts import rectify as contacts
from kluis.messaging import service as messaging
from kluis.requests import answers, erasure
from kluis.requests.outcomes import Code, Outcome
from kluis.requests.rules import RequestType
from kluis.runtime import Kluis


def carry_out(
    k: Kluis,
    actor: Actor,
    row: Any,
    kind: RequestType,
    changes: Mapping[str, Any] | None,
    now: datetime,
    transport: messaging.TransportFactory | None,
    mail: bool,
) -> tuple[Outcome, dict[str, bytes], list[str] | None]:
    """Do what the request asks; its outcome, the files to hand over (what could not be
    e-mailed) and, where Art. 19 asks for it, the recipients to tell."""
    person_id = row.person_id
    files: dict[str, bytes] = {}
    recipients: list[str] | None = None
    if kind in (RequestType.ACCESS, RequestType.PORTABILITY):
        portable = kind is RequestType.PORTABILITY
        how, files = answers.send_copy(
            k,
            actor,
            row,
            "request_portability" if portable else "request_access",
            {"before_erasure": False},
            now,
            transport,
            portable=portable,
            mail=mail,
        )
        outcome = Outcome(
            Code.COPY,
            {
                "how": "email" if how == "sent by e-mail" else "handed_over",
                "article": "20" if portable else "15",
            },
        )
    elif kind is RequestType.RECTIFICATION:
        assert changes is not None
        builtin, own = custom_fields.split_changes(k, changes)
        if builtin:
            contacts.update_person(k, actor, person_id, k.settings.privacy_purpose, builtin, now)
        if own:
            custom_fields.set_values(k, actor, person_id, k.settings.privacy_purpose, own, now)
        recipients = answers.recipients(k, person_id)
        outcome = Outcome(Code.RECTIFIED, {"fields": sorted(changes)})
        answers.deliver(
            k,
            actor,
            row,
            "request_done",
            {
                "summary": "rectification",
                "fields": sorted(changes),
                "field_labels": {
                    f.name: [f.label_nl, f.label_en]
                    for f in custom_fields.fields(k)
                    if f.name in changes
                },
            },
            now,
            transport,
            mail,
        )
    elif kind is RequestType.RESTRICTION:
        flags.set_flag(k, actor, person_id, "restriction", True, "privacy_request", now)
        recipients = answers.recipients(k, person_id)
        outcome = Outcome(Code.RESTRICTED)
        answers.deliver(
            k, actor, row, "request_done", {"summary": "restriction"}, now, transport, mail
        )
    elif kind is RequestType.OBJECTION:
        flags.set_flag(k, actor, person_id, "objection", True, "privacy_request", now)
        outcome = Outcome(Code.OBJECTION)
        answers.deliver(
            k, actor, row, "request_done", {"summary": "objection"}, now, transport, mail
        )
    else:
        return erasure.erase(k, actor, row, now, transport, mail)
    return outcome, files, recipients
