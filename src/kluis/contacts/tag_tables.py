"""Tables of tags: the labels a business puts on people and companies (d0020_tags).

A tag is a business label (``customer-2026``, ``trade-fair``) and is stored plainly. The link
of a person to a tag hangs on ``people.id`` ON DELETE CASCADE, so an erasure takes it without
new code (Art. 17); a tag the admin marks ``personal`` makes that link personal data, read only
under a purpose (Art. 5(1)(b)). Companies are legal persons: their links are business data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class Tag(DataBase):
    """A label the admin declares: a stable key, its names in Dutch and English, a colour, and
    whether putting it on a person says something about them (then it is personal data)."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label_nl: Mapped[str] = mapped_column(String(80))
    label_en: Mapped[str] = mapped_column(String(80))
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    colour: Mapped[str] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PersonTag(DataBase):
    """A tag on a person; goes with the person (ON DELETE CASCADE) and with the tag."""

    __tablename__ = "person_tags"

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CompanyTag(DataBase):
    """A tag on a company (business data)."""

    __tablename__ = "company_tags"

    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime())
