"""Limits on the public forms that send e-mail (the sign-up and the privacy-request page).

Without them anyone could make Kluis mail any address again and again: a nuisance to the person
and a reputation that lands the business's mail in spam. A sliding window per client address
(IP) and per e-mail address, counted in the data store (``kluis.ui.tables``) so that several web
processes on one database enforce the same limit as one; ``now`` is passed in like everywhere
else.

Counting and recording a hit is one transaction, and two processes must not both see the last
free place: SQLite's ``BEGIN IMMEDIATE`` (``kluis.db``) already lets one writer in at a time;
on PostgreSQL a transaction-scoped advisory lock on the key's digest does the same for that key
only. The blocking calls are for a worker thread (``run_in_threadpool``), not the event loop.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, insert, select, text

from kluis.runtime import Kluis
from kluis.ui.tables import MailLimitHit

PER_CLIENT = 30
"""Form posts that send mail, per client address per hour."""
PER_ADDRESS = 5
"""Mails per e-mail address per hour."""
WINDOW = timedelta(hours=1)
PRUNE_BATCH = 500
"""Expired hits deleted by one form post at most, so a post after a quiet day stays quick."""

Kind = Literal["client", "address"]
LIMITS: dict[Kind, int] = {"client": PER_CLIENT, "address": PER_ADDRESS}


def digest(k: Kluis, kind: Kind, value: str) -> bytes:
    """The keyed digest a hit is kept under, domain-separated from people's blind indexes."""
    return k.vault.blind_index(f"mail_limit_{kind}", value)


def allow(k: Kluis, kind: Kind, value: str, now: datetime) -> bool:
    """Count a hit of ``value`` at ``now`` if fewer than the kind's limit were counted in the
    window before it (hits at ``now - WINDOW`` or earlier have expired); False when not, and
    then nothing is counted."""
    key = digest(k, kind, value)
    since = now - WINDOW
    with k.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            lock = int.from_bytes(key[:8], "big", signed=True)
            conn.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})
        seen = conn.scalar(
            select(func.count())
            .select_from(MailLimitHit)
            .where(MailLimitHit.kind == kind, MailLimitHit.digest == key, MailLimitHit.at > since)
        )
        allowed = (seen or 0) < LIMITS[kind]
        if allowed:
            conn.execute(insert(MailLimitHit).values(kind=kind, digest=key, at=now))
        expired = (
            select(MailLimitHit.id)
            .where(MailLimitHit.at <= since)
            .limit(PRUNE_BATCH)
            .with_for_update(skip_locked=True)
        )
        conn.execute(delete(MailLimitHit).where(MailLimitHit.id.in_(expired)))
    return allowed


def client_allowed(k: Kluis, client: str | None, now: datetime) -> bool:
    """Whether a form post from ``client`` (an IP address; ``-`` when unknown) may send mail."""
    return allow(k, "client", client or "-", now)


def address_allowed(k: Kluis, email: str, now: datetime) -> bool:
    """Whether one more mail may go to ``email`` (compared trimmed and in lower case)."""
    return allow(k, "address", email.strip().lower(), now)
