"""The breach register (data store), Art. 33(5) and 34.

A breach record is the controller's documentation of "the facts relating to the personal data
breach, its effects and the remedial action taken". It holds no personal values: categories are
fideslang keys, people are counted, and the people affected are found in the audit log by opaque
id when asked (``breaches affected``), not copied here. The free-text fields are written by staff
about the incident and must not name people.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class Breach(DataBase):
    """One personal-data breach: what happened, to what, the 72-hour notification and the
    notification of the people (or why they were not told)."""

    __tablename__ = "breaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    """When the controller became aware: the 72 hours of Art. 33(1) run from here."""
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    nature: Mapped[str] = mapped_column(Text)
    categories: Mapped[list[str]] = mapped_column(JSON)
    """Fideslang data category keys of the data concerned (Art. 33(3)(a))."""
    approx_people: Mapped[int | None] = mapped_column(Integer)
    approx_records: Mapped[int | None] = mapped_column(Integer)
    consequences: Mapped[str] = mapped_column(Text)
    measures_taken: Mapped[str] = mapped_column(Text)
    measures_proposed: Mapped[str] = mapped_column(Text)
    authority_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_reason: Mapped[str | None] = mapped_column(Text)
    """The reasons for a notification after 72 hours (Art. 33(1))."""
    authority_not_required: Mapped[str | None] = mapped_column(Text)
    """Why the breach is unlikely to result in a risk, so the authority is not notified
    (Art. 33(1)); the reasoning must be documented (Art. 33(5))."""
    people_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    people_notice_exemption: Mapped[str | None] = mapped_column(String(30))
    """An Art. 34(3) exemption (``unintelligible``, ``mitigated``, ``disproportionate_effort``)."""
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actors: Mapped[list[str]] = mapped_column(JSON)
    """Audit actors involved (``user:12``, ``cli:ops``), e.g. a stolen token's user."""
    purposes: Mapped[list[str]] = mapped_column(JSON)
    """Purposes whose reads were involved."""
    affected_people: Mapped[int | None] = mapped_column(Integer)
    """How many distinct people the audit log shows in the window, last computed."""
    affected_computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
