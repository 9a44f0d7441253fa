"""Messages sent (or refused) and why: every message row stores the ``may_contact`` decision
behind it (DESIGN.md invariant 4). Holds no personal values: the address is read at send time
and never copied here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class MessageRow(DataBase):
    """One message to one person: kind, channel, topic, the decision and what happened."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(20))
    allowed: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30))
    evidence_event_id: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the provider reported afterwards (a text's status callback): delivered or failed,
    # and its error code (never its error text, which can quote the number).
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", name="uq_messages_campaign"),
        # /metrics counts messages by these at every scrape (kluis.ops): a covering index
        Index("ix_messages_channel_status_reason", "channel", "status", "reason"),
    )


class Campaign(DataBase):
    """A commercial message (e-mail, SMS or WhatsApp) to everyone ``may_contact`` allows on
    its channel and topic."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(40))
    subject_en: Mapped[str | None] = mapped_column(Text)
    subject_nl: Mapped[str | None] = mapped_column(Text)
    body_en: Mapped[str | None] = mapped_column(Text)
    body_nl: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    rate_per_minute: Mapped[int] = mapped_column(Integer)
    refused: Mapped[dict[str, int] | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The one sender at work (a random token) and until when its claim holds unless renewed.
    sender: Mapped[str | None] = mapped_column(String(36))
    sender_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A WhatsApp campaign's pre-approved template: {"name", "content": {lang: provider id},
    # "params": [text with {{ given_name }}...]} (``messaging.texts``).
    whatsapp_template: Mapped[dict[str, object] | None] = mapped_column(JSON)
    # Only the people carrying this tag (d0020_tags), still each allowed by ``may_contact``.
    tag: Mapped[str | None] = mapped_column(String(40))
