"""A post mailing's file made as a job (issue 20, session 8): 10,000 letters took 36 s inside
one request, past what a proxy or a browser waits. The page starts the job and shows its
progress; the file is offered when ready, to the staff member who asked only.

Stored, not rebuilt: rebuilding at the download would take the same 36 s in the request the
job is there to spare, and would decide everyone a second time. So the made file is kept in
``post_files``, sealed (AES-GCM under an HKDF key of the key-encryption key, the row id as
associated data, so a dump or a backup shows ciphertext), for ``KLUIS_POST_FILE_MINUTES`` at
most, and deleted at the first download. It holds many people's names and addresses under a key
that is not theirs, so erasure must reach it separately: ``before_erasure`` (registered on
``contacts.hooks`` when Kluis opens) deletes every file of a mailing that has a letter for a
person about to be erased, before their key goes (Art. 17). The periodic job ``post.expire``
deletes expired files every hour even when nobody opens a page.

Making it is ``post.files`` done in steps: every person decided again, read and audited under
the requester's name (the job's actor), then the file written, with the counts stored as
progress. A stopped worker puts the file back to ``queued``: the job runs again from the start,
deciding again, which is what a download does anyway.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, delete, insert, select, update

from kluis.actors import Actor, parse_role
from kluis.audit import service as audit
from kluis.audit.post_events import MailingDownloaded, PostFileRemoved, PostFileRequested
from kluis.errors import InvalidField, KluisError, NotFound, PermissionDenied
from kluis.jobs import Job, JobContext, Stopped
from kluis.messaging import campaigns, post
from kluis.messaging.post_file_tables import PostFileRow
from kluis.messaging.tables import MessageRow
from kluis.runtime import Kluis
from kluis.settings import Settings

log = logging.getLogger(__name__)

MAKE = "post.make_file"
EXPIRE = "post.expire_files"
GONE = "this file was downloaded already or has expired; make it again from the campaign's page"


@dataclass(frozen=True)
class PostFile:
    id: int
    campaign_id: int
    kind: str
    state: str
    done: int
    total: int
    people: int | None
    error: str | None
    created_at: datetime
    expires_at: datetime

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def _key(k: Kluis) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"kluis/v1/post-files"
    ).derive(k.vault.key_encryption_key)
    return AESGCM(derived)


def _seal(k: Kluis, file_id: int, content: bytes) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + _key(k).encrypt(nonce, content, f"post-file:{file_id}".encode())


def _open(k: Kluis, file_id: int, sealed: bytes) -> bytes:
    return _key(k).decrypt(sealed[:12], sealed[12:], f"post-file:{file_id}".encode())


def _view(row: Any) -> PostFile:
    return PostFile(
        row.id,
        row.campaign_id,
        row.kind,
        row.state,
        row.done,
        row.total,
        row.people,
        row.error,
        row.created_at,
        row.expires_at,
    )


def request_file(k: Kluis, actor: Actor, campaign_id: int, kind: str, now: datetime) -> PostFile:
    """A file of the mailing to be made by the job ``MAKE`` (queue it with the file's id)."""
    campaigns.may_send(actor)
    if kind not in post.FILES:
        raise InvalidField(
            f"a mailing's files are {', '.join(post.FILES)}, not {kind!r}", field="file"
        )
    if actor.user_id is None:
        raise InvalidField("a post file is made for a staff user", field="user")
    view = campaigns.get_campaign(k, campaign_id)
    if view.channel != post.CHANNEL:
        raise InvalidField(
            f"campaign {campaign_id} goes by {view.channel}; only a post campaign makes letters",
            field="campaign_id",
        )
    expire(k, now)
    minutes = k.settings.post_file_minutes
    with k.engine.begin() as conn:
        file_id = conn.execute(
            insert(PostFileRow)
            .values(
                campaign_id=campaign_id,
                kind=kind,
                state="queued",
                done=0,
                total=0,
                user_id=actor.user_id,
                role=actor.role.value,
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
            .returning(PostFileRow.id)
        ).scalar_one()
        audit.record(conn, actor.ref, now, [PostFileRequested(campaign_id, kind, file_id)])
    return get_file(k, actor, file_id, now)


def get_file(k: Kluis, actor: Actor, file_id: int, now: datetime) -> PostFile:
    """The file's state, for the one who asked for it; NotFound once downloaded or expired."""
    campaigns.may_send(actor)
    with k.engine.connect() as conn:
        row = conn.execute(select(PostFileRow).where(PostFileRow.id == file_id)).first()
    if row is None or row.expires_at <= now:
        raise NotFound(GONE, field="file_id")
    if row.user_id != actor.user_id:
        raise PermissionDenied("a post file is handed only to the one who asked for it")
    return _view(row)


def take(k: Kluis, actor: Actor, file_id: int, now: datetime) -> post.File:
    """The ready file, handed over once: its row is deleted in the same transaction that
    audits the download (``post.downloaded``)."""
    found = get_file(k, actor, file_id, now)
    if found.state != "ready":
        raise InvalidField(f"the file is not ready yet ({found.state})", field="file_id")
    with k.engine.begin() as conn:
        sealed = conn.execute(
            delete(PostFileRow)
            .where(PostFileRow.id == file_id, PostFileRow.state == "ready")
            .returning(PostFileRow.content)
        ).scalar_one_or_none()
        if sealed is None:
            raise NotFound(GONE, field="file_id")
        audit.record(
            conn,
            actor.ref,
            now,
            [
                MailingDownloaded(found.campaign_id, found.kind, found.people or 0),
                PostFileRemoved(found.campaign_id, found.kind, file_id, "downloaded"),
            ],
        )
    media_type, extension = post.FILES[found.kind]
    name = f"campaign-{found.campaign_id}-{found.kind}.{extension}"
    return post.File(found.kind, name, media_type, _open(k, file_id, sealed), found.people or 0)


def _set(k: Kluis, file_id: int, **values: Any) -> bool:
    with k.engine.begin() as conn:
        changed = conn.execute(
            update(PostFileRow).where(PostFileRow.id == file_id).values(**values)
        ).rowcount
    return bool(changed)


def make_file(k: Kluis, file_id: int, clock: Any, check: Any = None) -> bool:
    """Make file ``file_id`` (decide, read, write, seal, store); False when its row is gone
    (downloaded, expired or removed before an erasure meanwhile), and then nothing is kept."""
    with k.engine.connect() as conn:
        row = conn.execute(select(PostFileRow).where(PostFileRow.id == file_id)).first()
    if row is None or row.state == "ready":
        return row is not None
    actor = Actor(f"user:{row.user_id}", parse_role(row.role), row.user_id)

    def decided(done: int, total: int) -> None:
        _set(k, file_id, done=done, total=total)
        if check is not None:
            check()

    def written(done: int) -> None:
        _set(k, file_id, done=done)
        if check is not None:
            check()

    now = clock()
    _set(k, file_id, state="deciding", done=0, total=0, error=None)
    mailing = post.make(k, actor, row.campaign_id, now, decided)
    people = len(mailing.letters)
    _set(k, file_id, state="writing", done=0, total=people, people=people)
    content = post.render(k, mailing, row.kind, now, written)
    return _set(
        k,
        file_id,
        state="ready",
        done=people,
        total=people,
        content=_seal(k, file_id, content),
        ready_at=clock(),
    )


def _make(context: JobContext, file_id: int) -> None:
    try:
        make_file(context.kluis, file_id, context.clock, context.check)
    except Stopped:
        _set(context.kluis, file_id, state="queued")
        raise
    except KluisError as exc:
        log.warning("post file %s was not made: %s", file_id, exc.slug)
        _set(context.kluis, file_id, state="failed", error=str(exc.detail)[:200])
    except Exception:
        log.exception("post file %s was not made", file_id)
        _set(context.kluis, file_id, state="failed", error="an unexpected error; it was logged")


def expire(k: Kluis, now: datetime) -> int:
    """Delete the files past their time (audited); how many."""
    with k.engine.begin() as conn:
        gone = conn.execute(
            delete(PostFileRow)
            .where(PostFileRow.expires_at <= now)
            .returning(PostFileRow.id, PostFileRow.campaign_id, PostFileRow.kind)
        ).all()
        if gone:
            events = [PostFileRemoved(r.campaign_id, r.kind, r.id, "expired") for r in gone]
            audit.record(conn, "system", now, events)
    return len(gone)


def _expire(context: JobContext) -> None:
    expire(context.kluis, context.clock())


def before_erasure(
    _k: Kluis, conn: Connection, actor: str, person_ids: Sequence[str], now: datetime, reason: str
) -> None:
    """Delete every made or making file of a mailing with a letter for these people, before
    their keys go, in the erasure's first transaction (``conn``): the file holds their names
    and addresses under a key that is not theirs. Asked only when some file is held
    (``open_hooks.any_file``); even then most erasures meet no file of theirs: one read finds
    that out."""
    campaign_ids = (
        select(MessageRow.campaign_id)
        .where(MessageRow.person_id.in_(list(person_ids)), MessageRow.channel == post.CHANNEL)
        .distinct()
    )
    held = conn.execute(
        select(PostFileRow.id).where(PostFileRow.campaign_id.in_(campaign_ids)).limit(1)
    ).first()
    if held is None:
        return
    gone = conn.execute(
        delete(PostFileRow)
        .where(PostFileRow.campaign_id.in_(campaign_ids))
        .returning(PostFileRow.id, PostFileRow.campaign_id, PostFileRow.kind)
    ).all()
    if gone:
        events = [PostFileRemoved(r.campaign_id, r.kind, r.id, "erasure") for r in gone]
        audit.record(conn, actor, now, events)


def _hourly(_settings: Settings) -> int:
    return 1


make_job = Job(MAKE, _make)
expire_job = Job(EXPIRE, _expire, every=_hourly)
