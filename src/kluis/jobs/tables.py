"""The embedded job queue's table (SQLite; on PostgreSQL procrastinate keeps its own).

A row is one job: ``queued`` until a worker claims it (``running``, with a lease the worker
renews while it runs), then ``done`` or ``failed``. A worker that dies (kill -9, power cut) stops
renewing; once ``lease_until`` has passed the job is claimed again, and being idempotent it
finishes the work once. ``periodic_key`` (job name and time slot) is unique, so a periodic run is
queued once however many processes try. Rows hold job names, ids and counts, never personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class JobRow(DataBase):
    """One job of the embedded queue."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Plain JSON: ids, names, numbers (``registry.check_arguments``)."""
    status: Mapped[str] = mapped_column(String(20), index=True)
    """``queued``, ``running``, ``done`` or ``failed``."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Runs started, crashed and stopped ones included."""
    failures: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    worker: Mapped[str | None] = mapped_column(String(80))
    periodic_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    error: Mapped[str | None] = mapped_column(String(200))
    """The exception's class name: its message could quote a value."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
