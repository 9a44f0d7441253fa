"""What a privacy request sends the person, and the record of it on the request.

What was sent is recorded on the request without the address it went to (Art. 5(1)(c)); what
could not go by e-mail is handed back as files for the staff to hand over (Art. 12(1), 15(3)).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.connected import service as connected
from kluis.contacts import people as contacts
from kluis.contacts import repository as contacts_repo
from kluis.messaging import service as messaging
from kluis.purposes import repository as purposes_repo
from kluis.requests import export, mails, repository
from kluis.runtime import Kluis


def mail_ready(
    k: Kluis, request_id: int, transport: messaging.TransportFactory | None, mail: bool
) -> None:
    """Fail before changing anything when the person is to be told and no mail server is set:
    otherwise the change would stand and the person never hear of it. An unknown request is
    named first (404), as it would be without mail."""
    if mail and transport is None:
        with k.engine.connect() as conn:
            repository.fetch(conn, request_id)
        messaging.smtp_transport(k)


def answer(
    k: Kluis,
    actor: Actor,
    row: Any,
    template: str,
    params: dict[str, Any],
    now: datetime,
    transport: messaging.TransportFactory | None,
) -> int:
    """Queue a mail without attachments to the person (``mails``: a job sends it); its id."""
    return mails.post(k, actor, row, template, params, now, transport)


def recipients(k: Kluis, person_id: str) -> list[str]:
    """Art. 19: everyone the data was disclosed to, from the person's purposes."""
    with k.engine.connect() as conn:
        held = contacts_repo.purposes_of(conn, [person_id]).get(person_id, [])
        purposes = [p for p in (purposes_repo.get(conn, key) for key in held) if p is not None]
    # the connected systems of those purposes are recipients too
    found: set[str] = set()
    for purpose in connected.with_systems(k, purposes):
        found.update(purpose.recipients)
    return sorted(found)


def export_files(
    k: Kluis, actor: Actor, row: Any, now: datetime, *, portable: bool
) -> list[messaging.Attachment]:
    package = export.access_package(
        k, actor, row.person_id, now, request_id=row.id, portable=portable
    )
    language = row.language if row.language in ("nl", "en") else "nl"
    with k.engine.connect() as conn:
        names = {
            p.key: p.name_nl if language == "nl" else p.name_en
            for p in purposes_repo.all_purposes(conn)
        }
    stem = f"request-{row.id}"
    files = [
        messaging.Attachment(
            f"{stem}.json",
            "application/json",
            json.dumps(package, ensure_ascii=False, indent=2, default=str).encode(),
        ),
        messaging.Attachment(
            f"{stem}.html", "text/html", export.package_html(package, language, names).encode()
        ),
        messaging.Attachment(f"{stem}.csv", "text/csv", export.package_csv(package).encode()),
    ]
    if portable:
        files.append(
            messaging.Attachment(
                f"{stem}.vcf", "text/vcard", export.package_vcard(package).encode()
            )
        )
    return files


def deliver(
    k: Kluis,
    actor: Actor,
    row: Any,
    template: str,
    params: dict[str, Any],
    files: list[messaging.Attachment],
    now: datetime,
    transport: messaging.TransportFactory | None,
    mail: bool,
    *,
    to: contacts.Recipient | None = None,
) -> tuple[str, dict[str, bytes]]:
    """Send ``files`` to the person, or hand them back for hand-over; says which."""
    if mail and not files:
        answer(k, actor, row, template, params, now, transport)
        return "sent by e-mail", {}
    if mail:
        # The files are the person's data: they cannot wait in a plain-text queue row, so
        # they go now, at the address on file or the one read before an erasure (``to``).
        sent = messaging.send_answer(
            k,
            actor,
            row.person_id,
            template,
            {"request_id": row.id, **params},
            now,
            transport=transport,
            attachments=tuple(files),
            to=to,
        )
        if sent is not None:
            with k.engine.begin() as conn:
                mails.record_sent(conn, actor, repository.fetch(conn, row.id), sent, now)
            return "sent by e-mail", {}
    return "handed over", {f.filename: f.content for f in files}
