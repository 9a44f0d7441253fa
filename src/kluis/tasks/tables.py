"""Tables of tasks (data store).

A task about a person names someone in its title more often than not ("call Fenna back about
the invoice"), so its title and notes are sealed with that person's key (``title_sealed``,
``notes_sealed``) and go with the key at erasure; a task about nobody is business data and is
kept plainly (``title``, ``notes``). A task about a person is worked under one purpose: the row
hangs from ``person_purposes`` (person, purpose) with ON DELETE CASCADE, so an erasure (Art. 17)
and the end of that purpose for the person (Art. 5(1)(e)) take it without code of their own.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class Task(DataBase):
    """Something a member of staff (the assignee) has to do by a day, optionally at a time."""

    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    """The title in plain text when the task is about no person; None otherwise."""
    title_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The title sealed with the person's key when the task is about a person."""
    notes: Mapped[str | None] = mapped_column(Text)
    notes_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    due_on: Mapped[date] = mapped_column(Date)
    due_time: Mapped[time | None] = mapped_column(Time)
    """The time of day in the organisation's time zone (``KLUIS_TIME_ZONE``), or None."""
    priority: Mapped[str] = mapped_column(String(10))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    person_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    purpose_key: Mapped[str | None] = mapped_column(String(60))
    """The purpose the task about a person is worked under; None when about nobody."""
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    activity_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("activities.id", ondelete="SET NULL"), index=True
    )
    """The activity the task is about; the task is then about the activity's person under its
    purpose (``rules.about_activity``). Deleting the activity unlinks it and keeps the task."""
    deal_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("deals.id", ondelete="SET NULL"), index=True
    )
    """The deal it was for (``deals.id``, stored as a plain id: the deals slice stands above);
    deleting the deal unlinks it and keeps the record of the work."""

    __table_args__ = (
        ForeignKeyConstraint(
            ["person_id", "purpose_key"],
            ["person_purposes.person_id", "person_purposes.purpose_key"],
            ondelete="CASCADE",
        ),
        Index("ix_tasks_assignee_open", "assignee_id", "done_at", "due_on"),
    )


class ReminderSent(DataBase):
    """The daily reminder mail sent to a user on a day (in the organisation's time zone): one
    row per user and day, so a second run of the job that day sends nothing."""

    __tablename__ = "task_reminders_sent"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (PrimaryKeyConstraint("user_id", "day"),)
