"""Tables of people and companies (data store), and the objection and restriction of people.

The ``people`` table is built from ``PERSONAL_FIELDS``: one ciphertext column per personal field,
so the declaration is the schema and no personal column can exist without being encrypted.
Companies are not personal data (they are legal persons) and are stored plainly.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
)
from sqlalchemy.orm import Mapped, mapped_column

from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.db import DataBase, UTCDateTime


class Company(DataBase):
    """An organisation people work for; not personal data."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    registration_number: Mapped[str | None] = mapped_column(String(40))
    vat_number: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    """The staff user who looks after the company (d0019_lists); None once they are removed."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


people = Table(
    "people",
    DataBase.metadata,
    Column("id", String(36), primary_key=True),
    Column("relationship", String(20), nullable=False, index=True),
    Column("language", String(5), nullable=False),
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="SET NULL"), index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("last_interaction_at", UTCDateTime(), nullable=False),
    # When the contract ended: the anchor of 'end_of_contract' retention; open while None.
    Column("contract_ended_at", UTCDateTime(), nullable=True),
    # The staff user who looks after the person (d0019_lists): a staff ref, not personal data.
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), index=True),
    *(Column(f.name, LargeBinary, nullable=True) for f in PERSONAL_FIELDS),
    # The person's own blind-index rows (``contacts.index_keys``): how erasure finds them.
    Column("index_keys", LargeBinary, nullable=True),
    comment="People (data subjects); every personal column holds AES-GCM ciphertext.",
)


class PersonPurpose(DataBase):
    """A purpose a person's data was collected for, and when (the retention anchor 'collection')."""

    __tablename__ = "person_purposes"

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    purpose_key: Mapped[str] = mapped_column(
        String(60), ForeignKey("purposes.key"), primary_key=True, index=True
    )
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # On SQLite the rows live in the key's B-tree only (d0017_bulk), like the blind index's.
    __table_args__ = ({"sqlite_with_rowid": False},)


class PersonIndex(DataBase):
    """Blind-index digests of a person's searchable fields: keyed HMACs, no personal data.

    One B-tree entry a row: no index by person and no foreign key (whose cascade would scan the
    table without one). The person's row lists their rows (``people.index_keys``), and
    ``repository.delete_people`` removes exactly those (d0017_bulk)."""

    __tablename__ = "person_index"

    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)

    # On SQLite the rows live in the key's B-tree only (d0011): a blind-index row is its key.
    __table_args__ = ({"sqlite_with_rowid": False},)


class FlagEvent(DataBase):
    """An objection to direct marketing (Art. 21(3)) or a restriction (Art. 18) recorded or
    lifted: who, when and how. Append-only."""

    __tablename__ = "flag_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    flag: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean)
    method: Mapped[str] = mapped_column(String(30))
    captured_by: Mapped[str] = mapped_column(String(120))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PersonFlags(DataBase):
    """The current objection and restriction of a person (absent row: neither)."""

    __tablename__ = "person_flags"

    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    objected: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = ({"sqlite_with_rowid": False},)
