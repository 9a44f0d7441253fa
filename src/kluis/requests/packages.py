"""The copies of a person's data a request sends (Art. 15(3), 20): built as files when their
mail goes (``mails``), so the queue and the mail's row hold ids only, never the data.

The copy sent before an erasure cannot wait to be built: once the erasure destroyed the
person's key nothing is left to build it from. It is built before the erasure and sealed under
the key of the request's capture (``discover.capture``, made just before it for the
certificate's address), kept in the mail's row (``request_mails.sealed``), opened when the mail
goes and emptied once it went; the capture's key is destroyed when the request's last mail to
the captured address went, or when the capture expires (Art. 17): the ciphertext is then
unreadable wherever a copy of the row is.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kluis import jsonout
from kluis.actors import SYSTEM, Actor
from kluis.discover import repository as discover_repo
from kluis.messaging import service as messaging
from kluis.purposes import repository as purposes_repo
from kluis.requests import export
from kluis.runtime import Kluis

FIELD = "request_copy"
"""The associated data the sealed copy is bound to (with the capture's key id)."""
KINDS = ("access", "portable")


def build(k: Kluis, actor: Actor, row: Any, now: datetime, *, portable: bool) -> dict[str, Any]:
    """The person's package now (``export.access_package``: every read audited, as ``actor``)."""
    return export.access_package(k, actor, row.person_id, now, request_id=row.id, portable=portable)


def files(k: Kluis, row: Any, package: dict[str, Any]) -> list[messaging.Attachment]:
    """The package as JSON, HTML and CSV, and a vCard for a portable one, named after the
    request (never the person)."""
    language = row.language if row.language in ("nl", "en") else "nl"
    with k.engine.connect() as conn:
        names = {
            p.key: p.name_nl if language == "nl" else p.name_en
            for p in purposes_repo.all_purposes(conn)
        }
    stem = f"request-{row.id}"
    found = [
        messaging.Attachment(
            f"{stem}.json",
            "application/json",
            jsonout.dumps(package, default=str).encode(),
        ),
        messaging.Attachment(
            f"{stem}.html", "text/html", export.package_html(package, language, names).encode()
        ),
        messaging.Attachment(f"{stem}.csv", "text/csv", export.package_csv(package).encode()),
    ]
    if package.get("portable"):
        found.append(
            messaging.Attachment(
                f"{stem}.vcf", "text/vcard", export.package_vcard(package).encode()
            )
        )
    return found


def export_files(
    k: Kluis, actor: Actor, row: Any, now: datetime, *, portable: bool
) -> list[messaging.Attachment]:
    """The files to hand over now (mail off, no address, not asked electronically)."""
    return files(k, row, build(k, actor, row, now, portable=portable))


def seal(k: Kluis, request_id: int, package: dict[str, Any]) -> bytes | None:
    """The package sealed under the request's capture key; None when there is no capture."""
    with k.engine.connect() as conn:
        capture = discover_repo.capture_of(conn, request_id)
    if capture is None:
        return None
    cipher = k.vault.ciphers([capture.key_id]).get(capture.key_id)
    if cipher is None:
        return None
    data = json.dumps(package, ensure_ascii=False, default=str).encode()
    return cipher.seal_bytes(FIELD, data)


def opened(k: Kluis, request_id: int, sealed: bytes, now: datetime) -> dict[str, Any] | None:
    """The sealed copy, while the capture lasts and its key exists; None after."""
    with k.engine.connect() as conn:
        capture = discover_repo.capture_of(conn, request_id)
    if capture is None or capture.keep_until <= now:
        return None
    cipher = k.vault.ciphers([capture.key_id]).get(capture.key_id)
    if cipher is None:
        return None
    package: dict[str, Any] = json.loads(cipher.open_bytes(FIELD, sealed))
    return package


class CopyGone(Exception):
    """The sealed copy can no longer be opened (its capture expired or was forgotten)."""


def for_mail(k: Kluis, mail: Any, row: Any, now: datetime) -> list[messaging.Attachment]:
    """The files a mail carries: none, the sealed copy opened, or the package rebuilt now from
    the request's ids, read by the system for the request (audited as every read)."""
    kind = mail.params.get("package")
    if kind not in KINDS:
        return []
    if mail.sealed is not None:
        package = opened(k, mail.request_id, mail.sealed, now)
        if package is None:
            raise CopyGone
        return files(k, row, package)
    return files(k, row, build(k, SYSTEM, row, now, portable=kind == "portable"))
