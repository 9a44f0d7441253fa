"""The register of connected systems (Art. 28 processors, Art. 19 recipients) and the notices
Kluis sends them (data store).

A system's webhook secrets are sealed under a key derived from the master key for that one use
(``connected.sealing``), not a person's key: they belong to the controller. The identifier a
system knows a person by is personal data and is sealed with the person's own key; its row
goes with the person (ON DELETE CASCADE), so an erasure takes it without code of its own. A
notice outlives the person (it is the proof of having told the recipient, Art. 5(2), 19), so
it names them by opaque id only; the erasure notice's identifier is kept sealed under a notice
key until the system confirms, then deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class ConnectedSystem(DataBase):
    """A system outside Kluis that receives personal data: a processor (Art. 28) or another
    recipient (Art. 19), and how it is told about a person's request."""

    __tablename__ = "connected_systems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    """``processor`` or ``recipient``."""
    reach: Mapped[str] = mapped_column(String(20))
    """``webhook``, ``email`` or ``manual``."""
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    """The system's privacy contact (an organisation's address, not a data subject's)."""
    instructions: Mapped[str | None] = mapped_column(Text)
    """For a manual step: what staff do in the system."""
    send_values: Mapped[bool] = mapped_column(Boolean, default=False)
    """Whether a rectification notice carries the new values (only where the receiver needs
    them); by default it names the changed fields only."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConnectedSecret(DataBase):
    """A Standard Webhooks secret of a system, sealed; during a rotation the old one signs too
    until ``retires_at``."""

    __tablename__ = "connected_secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connected_systems.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConnectedPurpose(DataBase):
    """A purpose that sends data to a system: the purpose's recipient, as the record of
    processing (Art. 30(1)(d)) and the privacy notice (Art. 13(1)(e)) name it."""

    __tablename__ = "connected_purposes"

    system_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connected_systems.id", ondelete="CASCADE"), primary_key=True
    )
    purpose_key: Mapped[str] = mapped_column(
        String(60), ForeignKey("purposes.key", ondelete="CASCADE"), primary_key=True, index=True
    )


class ConnectedIdentity(DataBase):
    """The identifier a system knows a person by, sealed with the person's key (field
    ``connected:<system id>``); erased with the person."""

    __tablename__ = "connected_identities"

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    system_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connected_systems.id", ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConnectedNotice(DataBase):
    """A notice to one system about one person (Art. 19), tracked until it is confirmed.

    ``person_id`` has no foreign key: the notice is the proof of having told the recipient and
    outlives the person. ``sealed_subject`` is the system's identifier of the person, sealed
    under the notice key, kept only for an erasure (the person's key is gone when it is sent)
    and deleted once the system confirms."""

    __tablename__ = "connected_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    """The Standard Webhooks ``webhook-id``: the same on every attempt, so a receiver can
    ignore a replay."""
    system_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("connected_systems.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    fields: Mapped[str] = mapped_column(String(500), default="")
    """Changed field names (a rectification), space-separated; never values."""
    state: Mapped[str] = mapped_column(String(20), index=True)
    """``pending`` (to send), ``sent`` (waiting for the confirmation), ``confirmed``,
    ``failed`` (gave up after the retry window), ``superseded`` (the person was erased
    before it went)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(120))
    """A status code or an exception's class name, never a message (it may quote a value)."""
    sealed_subject: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(120))
    """``callback``, ``response`` or the staff member who ticked a manual step."""
