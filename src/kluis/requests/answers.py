"""What a privacy request sends the person, and the record of it on the request.

What was sent is recorded on the request without the address it went to (Art. 5(1)(c)); what
could not go by e-mail is handed back as files for the staff to hand over (Art. 12(1), 15(3)).
Every mail is a row of ``request_mails`` sent by a job (``mails``), the copies too
(``packages``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.connected import service as connected
from kluis.contacts import people
from kluis.contacts import repository as contacts_repo
from kluis.messaging import service as messaging
from kluis.purposes import repository as purposes_repo
from kluis.requests import mails, packages
from kluis.runtime import Kluis


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


def has_address(k: Kluis, actor: Actor, row: Any, now: datetime) -> bool:
    """Whether the person has an e-mail address on file, read under the privacy purpose
    (audited): their copy is then mailed, by a job; otherwise handed over now."""
    return bool(people.recipient(k, actor, row.person_id, k.settings.privacy_purpose, now).email)


def send_copy(
    k: Kluis,
    actor: Actor,
    row: Any,
    template: str,
    params: dict[str, Any],
    now: datetime,
    transport: messaging.TransportFactory | None,
    *,
    portable: bool,
    mail: bool,
) -> tuple[str, dict[str, bytes]]:
    """Mail the person's copy (Art. 15(3), 20), or hand it back as files; says which. The mail
    is a row of ``request_mails`` naming the package kind: the job builds the package from the
    ids when it sends (``packages.for_mail``), so no personal data waits in the queue."""
    kind = "portable" if portable else "access"
    if mail and has_address(k, actor, row, now):
        mails.post(k, actor, row, template, {**params, "package": kind}, now, transport)
        return "sent by e-mail", {}
    files = packages.export_files(k, actor, row, now, portable=portable)
    return "handed over", {f.filename: f.content for f in files}


def deliver(
    k: Kluis,
    actor: Actor,
    row: Any,
    template: str,
    params: dict[str, Any],
    now: datetime,
    transport: messaging.TransportFactory | None,
    mail: bool,
) -> None:
    """Tell the person what was done, by a job, unless the mail is off."""
    if mail:
        answer(k, actor, row, template, params, now, transport)
