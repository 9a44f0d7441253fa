"""Tables of custom fields (data store): the declarations, and the sealed values of people.

A declaration is data an admin writes (``custom_fields``); a value is one row per person and
field, sealed with the person's key like a built-in column, hanging on ``people`` (ON DELETE
CASCADE) so an erasure takes it, and on its declaration so removing a field takes every value.
A searchable field's blind index is the row's ``digest`` (a keyed HMAC), in the same row, so
nothing about the value outlives it (Art. 17, Art. 5(1)(f)).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class CustomFieldRow(DataBase):
    """A custom field of people: its key, labels, type, data category and Art. 9(2) condition.
    Not personal data: it says what is kept, never about whom."""

    __tablename__ = "custom_fields"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label_en: Mapped[str] = mapped_column(String(100))
    label_nl: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(120))
    searchable: Mapped[bool] = mapped_column(Boolean)
    choices: Mapped[str] = mapped_column(Text)
    """JSON list of [key, English label, Dutch label]."""
    art9_condition: Mapped[str | None] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))


class CustomValue(DataBase):
    """One person's value of one custom field, sealed with the person's key (AAD names the
    person and ``custom.<key>``); ``digest`` is its blind index when the field is searchable."""

    __tablename__ = "custom_values"

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    field_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("custom_fields.id", ondelete="CASCADE"), primary_key=True
    )
    """Found by field through ``ix_custom_values_field_id_digest``, which starts with it."""
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[bytes | None] = mapped_column(LargeBinary(16), nullable=True)

    __table_args__ = (Index("ix_custom_values_field_id_digest", "field_id", "digest"),)


class BusinessFieldRow(DataBase):
    """A plain custom field of companies or deals (``entity``): business data, not personal
    data, so no data category and no sealing; its values live beside the record they describe
    (``company_field_values``, ``deal_field_values``) and go with it and with the field."""

    __tablename__ = "business_fields"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(40))
    label_en: Mapped[str] = mapped_column(String(100))
    label_nl: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    choices: Mapped[str] = mapped_column(Text)
    """JSON list of [key, English label, Dutch label]."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))

    __table_args__ = (UniqueConstraint("entity", "key"),)


class CompanyFieldValue(DataBase):
    """A company's value of a plain custom field, as normalised text (not personal data)."""

    __tablename__ = "company_field_values"

    record_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    field_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("business_fields.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[str] = mapped_column(Text)
