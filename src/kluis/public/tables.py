"""Sign-ups waiting for their double opt-in.

A sign-up is not a person yet: nothing is granted and no person key exists until the person
confirms. The address and names are sealed (AES-256-GCM) under a key derived for this one sign-up,
and the row is deleted when it is confirmed or expires, so an unconfirmed sign-up leaves nothing
behind. The e-mail blind index lets a look-up find pending sign-ups of an address without
opening them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class Signup(DataBase):
    """One pending sign-up: what was chosen, under which notice, sealed contact details."""

    __tablename__ = "signups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email_digest: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    """E-mail address, names, IP address and user agent, as sealed JSON."""
    language: Mapped[str] = mapped_column(String(5))
    topics: Mapped[list[str]] = mapped_column(JSON)
    notices: Mapped[dict[str, int]] = mapped_column(JSON)
    """The notice each chosen topic's box showed (topic key to notice id): the wording that
    topic's grant cites on confirmation."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PrivacyVerification(DataBase):
    """A verification mail of the ``/privacy`` page waiting for its job (``privacy_mail``):
    the typed address, the request type and the page's language, sealed under a key of its own
    in the keyring (``key_id``), so the queue, which holds this row's id only, holds no address.
    The key is destroyed and the row deleted once the mail went, or when it expires (the link
    it would carry lasts as long)."""

    __tablename__ = "privacy_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(36))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(20))
    """``queued``, ``sending`` (an attempt under way) or ``failed`` (the last attempt)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(250))
    """The mail's Message-ID, fixed when first claimed, before the hand-over: every attempt
    sends the same message (RFC 5322 3.6.4). Nothing personal (a time, a random part, the
    sender's domain)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
