"""Phone call lists: one row per person on a phone campaign's list, with the ``may_contact``
decision that put them there (DESIGN.md invariant 4) and the last outcome of calling them.
Holds no personal values: the number is read when the call is opened, under the purpose of
the decision made then, and never copied here. A row hangs on ``people`` ON DELETE CASCADE,
so an erasure (Art. 17) takes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class CallRow(DataBase):
    """One person to call for one campaign: the decision when the list was drawn, the
    decision when the call was last opened, and the last outcome."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    basis: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30))
    evidence_event_id: Mapped[int | None] = mapped_column(Integer)
    # Set when opening the call refused it (restricted, objected, withdrawn since the list).
    refused_reason: Mapped[str | None] = mapped_column(String(30))
    outcome: Mapped[str | None] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    called_by: Mapped[str | None] = mapped_column(String(120))
    # A recording kept as consent evidence (``consent_evidence.id``), sealed there.
    evidence_id: Mapped[int | None] = mapped_column(Integer)
    # The purpose the number was last read under (the decision's), for evidence kept after.
    purpose_key: Mapped[str | None] = mapped_column(String(60))
    # The ledger event of an opt-out, for the one that withdrew (the first topic's event).
    withdrawal_event_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("campaign_id", "person_id", name="uq_calls_campaign"),)
