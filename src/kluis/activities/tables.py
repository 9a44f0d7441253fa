"""Tables of activities (data store).

An activity belongs to one purpose of one person: its foreign key is the ``person_purposes``
row ``(person_id, purpose_key)`` with ON DELETE CASCADE, so an erasure (which deletes that row
with the person) and the end of the purpose (``contacts.erasure.keep_only``, run by a retention
sweep) take the activity with them, without code of their own (Art. 5(1)(e), 17). Subject and
body are AES-GCM ciphertext under the person's key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class Activity(DataBase):
    """A contact moment (call, meeting, e-mail in or out, note, visit), past or scheduled."""

    __tablename__ = "activities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    """Time-ordered (UUIDv7, ``kluis.ids``): new rows land at the right edge of the key."""
    person_id: Mapped[str] = mapped_column(String(36))
    purpose_key: Mapped[str] = mapped_column(String(60))
    company_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    type: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    scheduled: Mapped[bool] = mapped_column(Boolean)
    author: Mapped[str] = mapped_column(String(120))
    """The actor's opaque reference (``user:N``), as the audit log names staff."""
    author_role: Mapped[str] = mapped_column(String(30))
    subject: Mapped[bytes] = mapped_column(LargeBinary)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    consent_event_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("consent_events.id", ondelete="SET NULL")
    )
    recording_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("consent_evidence.id", ondelete="SET NULL")
    )
    """A call's recording, kept as consent evidence is (sealed, same upload rules)."""
    deal_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("deals.id", ondelete="SET NULL"), index=True
    )
    """The deal it was for (``deals.id``, stored as a plain id: the deals slice stands above);
    deleting the deal unlinks it and keeps the record of the work."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        ForeignKeyConstraint(
            ["person_id", "purpose_key"],
            ["person_purposes.person_id", "person_purposes.purpose_key"],
            ondelete="CASCADE",
            name="fk_activities_person_purpose",
        ),
        # the timeline (one person, one purpose, in time order) and the cascade of a purpose
        Index("ix_activities_person_purpose_at", "person_id", "purpose_key", "occurred_at"),
    )


class LatestActivity(DataBase):
    """When each person's most recent past activity happened: "no activity for N days" is a
    range of this table's index, not a scan of every activity. Kept by the service in the
    transaction that logs, edits or deletes; goes with the person (foreign key)."""

    __tablename__ = "activity_latest"

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
