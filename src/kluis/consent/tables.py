"""Consent tables (data store): notices, topics, the ledger, evidence, kept state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kluis.contacts.tables import people
from kluis.db import DataBase, UTCDateTime


class Topic(DataBase):
    """A kind of content people choose to receive (brief, point 4)."""

    __tablename__ = "topics"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_nl: Mapped[str] = mapped_column(String(120))
    reconfirm_months: Mapped[int] = mapped_column(Integer, default=24)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Notice(DataBase):
    """The exact wording shown to a person when asking consent; never changed, only superseded
    by a new version (its id). Not personal data."""

    __tablename__ = "consent_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoticeCoverage(DataBase):
    """A (channel, topic) pair a notice's wording asks consent for (Art. 4(11): consent is
    specific). Written with the notice and never changed: a wording asking for something else is
    a new notice. A consent event citing a notice must cite one covering its pair; the ledger's
    foreign key to this table makes the database refuse anything else."""

    __tablename__ = "consent_notice_coverage"

    notice_id: Mapped[int] = mapped_column(ForeignKey("consent_notices.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), ForeignKey("topics.key"), primary_key=True)


class Evidence(DataBase):
    """A recording, scan or e-mail that proves consent (Art. 7(1)), sealed with the person's key
    so that erasure makes it unreadable too."""

    __tablename__ = "consent_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[bytes | None] = mapped_column(LargeBinary)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    captured_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConsentEvent(DataBase):
    """One append-only ledger event. The source IP and user agent of a web form are personal
    data and are sealed with the person's key."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(40), ForeignKey("topics.key"))
    action: Mapped[str] = mapped_column(String(20))
    method: Mapped[str | None] = mapped_column(String(30))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("consent_notices.id"))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("consent_evidence.id"), index=True)
    """Indexed: erasing a person deletes their evidence, and the database checks this key for
    each deleted file (without the index, a scan of every consent event)."""
    captured_by: Mapped[str] = mapped_column(String(120))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source_ip: Mapped[bytes | None] = mapped_column(LargeBinary)
    user_agent: Mapped[bytes | None] = mapped_column(LargeBinary)
    reconfirm_by: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # An event citing a notice cites one that asks for its channel and topic (Art. 7(1)); an
    # event without a notice (a withdrawal) is not checked, as a NULL never matches.
    __table_args__ = (
        ForeignKeyConstraint(
            ["notice_id", "channel", "topic"],
            [
                "consent_notice_coverage.notice_id",
                "consent_notice_coverage.channel",
                "consent_notice_coverage.topic",
            ],
        ),
    )


class PermissionRow(DataBase):
    """The kept state per person, channel and topic, updated in the same transaction as each
    event, so an audience is an indexed query and never a nightly rebuild."""

    __tablename__ = "permissions"

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    reconfirm_by: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The audience index is in person order within a (channel, topic), so an audience is counted
    # and joined to people by walking two indexes side by side; on SQLite the table is clustered
    # on its primary key (WITHOUT ROWID), so a person's state is read where the key is found.
    __table_args__ = (
        Index("ix_permissions_audience", "channel", "topic", "person_id", "status", "reconfirm_by"),
        {"sqlite_with_rowid": False},
    )


PEOPLE_BY_ID = Index("ix_people_id_relationship", people.c.id, people.c.relationship)
"""People in id order with their relationship, without reading their (encrypted) rows: the
audience streams in id order and tells customers (soft opt-in) from the others on this index."""
