"""The purposes catalogue table (data store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class PurposeRow(DataBase):
    """A purpose of processing: why data is held, on what lawful basis, which categories it may use
    and how long it is kept. The record of processing (Art. 30) is generated from these rows."""

    __tablename__ = "purposes"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_nl: Mapped[str] = mapped_column(String(200))
    description_en: Mapped[str] = mapped_column(Text)
    description_nl: Mapped[str] = mapped_column(Text)
    lawful_basis: Mapped[str] = mapped_column(String(30))
    legitimate_interest: Mapped[str | None] = mapped_column(Text)
    legitimate_interest_nl: Mapped[str | None] = mapped_column(Text)
    data_categories: Mapped[list[str]] = mapped_column(JSON)
    data_use: Mapped[str] = mapped_column(String(120))
    data_subjects: Mapped[list[str]] = mapped_column(JSON)
    retention: Mapped[str] = mapped_column(String(30))
    retention_anchor: Mapped[str] = mapped_column(String(30))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    transfers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    roles: Mapped[list[str]] = mapped_column(JSON)
    covers_everyone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
