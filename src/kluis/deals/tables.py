"""Tables of the sales pipeline.

A deal is business data and is stored plainly; the people on it are only linked (by opaque id,
under the deal's purpose). The link has a foreign key to ``people`` and one to
``person_purposes`` (person, purpose), both ON DELETE CASCADE: an erasure (Art. 17) and the end
of the purpose (retention, Art. 5(1)(e); an objection) take the link without code of their own,
and the deal stays with "a removed contact". Amounts are ``NUMERIC(14, 2)``, never floats; sums
are taken in integer cents (``repository``), so they are exact on SQLite too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kluis.contacts import business_fields
from kluis.db import DataBase, UTCDateTime


class Pipeline(DataBase):
    """A sales process: an ordered list of stages a deal goes through."""

    __tablename__ = "pipelines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_nl: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DealStage(DataBase):
    """One column of a pipeline's board: its place, names, default probability and kind
    (``open``, ``won`` or ``lost``)."""

    __tablename__ = "deal_stages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(120))
    name_nl: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))

    __table_args__ = (UniqueConstraint("pipeline_id", "key", name="uq_deal_stages_key"),)


class Deal(DataBase):
    """A possible sale: what, to which company, for how much, when, whose, and how far along."""

    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("deal_stages.id"))
    title: Mapped[str] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    expected_close: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    probability: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(80))
    lost_reason: Mapped[str | None] = mapped_column(String(200))
    purpose_key: Mapped[str] = mapped_column(String(60), ForeignKey("purposes.key"))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    won_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # the board: a stage's cards in close order, and its count and total read from the
        # index alone; the forecast: the open deals (won_at and lost_at NULL, one range) walked
        # in group order (close date, owner, currency) from the index alone, no sort
        Index("ix_deals_stage_close", "stage_id", "expected_close", "id"),
        Index("ix_deals_board", "pipeline_id", "stage_id", "currency", "value"),
        Index(
            "ix_deals_forecast",
            "won_at",
            "lost_at",
            "expected_close",
            "owner_id",
            "currency",
            "value",
            "probability",
        ),
        Index("ix_deals_owner_close", "owner_id", "expected_close"),
    )


class DealStageChange(DataBase):
    """One move of a deal: from which stage to which, by whom, when."""

    __tablename__ = "deal_stage_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    from_stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("deal_stages.id", ondelete="SET NULL")
    )
    to_stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("deal_stages.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class DealPerson(DataBase):
    """A person on a deal, with their role on it, linked under the deal's purpose: the link
    goes when the person is erased or when that purpose ends for them."""

    __tablename__ = "deal_people"

    deal_id: Mapped[int] = mapped_column(
        ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    purpose_key: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(40))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        ForeignKeyConstraint(
            ["person_id", "purpose_key"],
            ["person_purposes.person_id", "person_purposes.purpose_key"],
            ondelete="CASCADE",
            name="fk_deal_people_person_purpose",
        ),
        Index("ix_deal_people_person", "person_id", "purpose_key"),
    )


class DealFieldValue(DataBase):
    """A deal's value of a plain custom field (``business_fields``, entity ``deal``), as
    normalised text: business data like the deal, going with the deal and with the field."""

    __tablename__ = "deal_field_values"

    record_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True
    )
    field_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("business_fields.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[str] = mapped_column(Text)


business_fields.register("deal", DealFieldValue.__table__)  # type: ignore[arg-type]
