"""Consent tables (data store): notices, topics, the ledger, evidence, kept state."""

from __future__ import annotations

from datetime import datetime
from enum import IntFlag

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


class Fact(IntFlag):
    """The bits of ``AudienceFacts.facts``. Customers have the highest bit and the flags the
    next, so that everyone an audience counts from ``audience_people`` (customers, and the
    restricted or objecting others) is one range of its index: ``facts >= OBJECTED``."""

    HAS_ADDRESS = 1
    HAS_PHONE = 2
    HAS_EMAIL = 4
    OBJECTED = 8
    """Art. 21(3): no direct marketing."""
    RESTRICTED = 16
    """Art. 18: no processing at all but storage."""
    CUSTOMER = 32


class AudienceFacts:
    """What ``may_contact`` reads of a person that is not about one channel and topic, kept
    beside the consent state so that an audience is counted from these tables' own indexes,
    without a look-up of the person per row (issue 17). Written in the same transaction as the
    rows they copy (``people``, ``person_flags``, ``person_purposes``) through
    ``contacts.hooks`` (``consent.audience_index``); none is personal data: a relationship, two
    flags, purpose keys and whether an address column is set. Six yes-or-no facts share one
    integer (``Fact``): a grouped walk of the index then reads two columns a row, not seven
    (a third less time). The database defaults (none) are only for rows written around Kluis
    (benchmarks populating through the driver)."""

    facts: Mapped[int] = mapped_column(Integer, server_default="0")
    """``Fact`` bits."""
    purposes: Mapped[str] = mapped_column(Text, server_default="")
    """The purpose keys the person was collected for (Art. 5(1)(b)), sorted, space-separated."""


FACT_COLUMNS = ("facts", "purposes")
"""The columns of ``AudienceFacts``, in the order the audience indexes hold them."""


class AudiencePerson(AudienceFacts, DataBase):
    """One row per person with their ``AudienceFacts``: the part of an audience with no kept
    state for its channel and topic (customers under the soft opt-in, the refused counts) is
    counted from this table's index."""

    __tablename__ = "audience_people"

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (
        Index("ix_audience_people_facts", *FACT_COLUMNS),
        {"sqlite_with_rowid": False},
    )


class PermissionRow(AudienceFacts, DataBase):
    """The kept state per person, channel and topic, updated in the same transaction as each
    event, so an audience is an indexed query and never a nightly rebuild. Each row carries a
    copy of its person's ``AudienceFacts`` (the person's ``audience_people`` row), so the
    audience of a channel and topic is one range of one index."""

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

    # The audience index holds a (channel, topic)'s rows grouped by what the rule reads, so its
    # counts are one grouped walk of one range in index order (no sort); on SQLite the table is
    # clustered on its primary key (WITHOUT ROWID), so a person's state is read where the key is
    # found.
    __table_args__ = (
        Index(
            "ix_permissions_audience", "channel", "topic", *FACT_COLUMNS, "status", "reconfirm_by"
        ),
        {"sqlite_with_rowid": False},
    )


class AudienceCount(DataBase):
    """How many ``permissions`` rows of a (channel, topic) hold each facts, purposes and status
    (issue 17: an audience counted from a few hundred kept counts, not a walk of a million index
    entries). Kept by triggers on ``permissions`` (``consent.audience_counts``), so every writer,
    the cascades of an erasure included, keeps it in the same transaction as the rows it counts.
    A grant's re-confirm-by date depends on ``now`` to matter, so granted rows are kept per
    re-confirm-by month (``lapse``, ``YYYY-MM``, or ``""`` when there is none or the row is not a
    grant): a count at ``now`` takes the months before as lapsed, the months after as live, and
    counts only the rows of ``now``'s own month from ``ix_permissions_audience``. No personal
    data: numbers of people per channel, topic and facts."""

    __tablename__ = "audience_counts"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    facts: Mapped[int] = mapped_column(Integer, primary_key=True)
    purposes: Mapped[str] = mapped_column(Text, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    lapse: Mapped[str] = mapped_column(String(7), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)


class AudiencePeopleCount(DataBase):
    """How many ``audience_people`` rows hold each facts and purposes, for the customers and the
    restricted or objecting others only (``facts >= Fact.OBJECTED``, the part of an audience
    counted from people rather than kept state). Kept by triggers as ``AudienceCount`` is."""

    __tablename__ = "audience_people_counts"

    facts: Mapped[int] = mapped_column(Integer, primary_key=True)
    purposes: Mapped[str] = mapped_column(Text, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)


PEOPLE_BY_ID = Index("ix_people_id_relationship", people.c.id, people.c.relationship)
"""People in id order with their relationship, without reading their (encrypted) rows."""
