"""Import jobs: what makes a bulk import resumable and its status visible.

A job is identified by the SHA-256 of the file together with the options that change the result
(purposes, mapping, consent declaration, duplicate policy). Each batch of rows commits together
with the job's ``position`` (records consumed) and counters, so a run killed at any moment and
started again with the same file and options continues after the last committed batch: nothing
twice, nothing lost. The job holds no personal data: counts, options and the file's digest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class ImportJob(DataBase):
    """One import of one file with one set of options, and how far it got."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the file digest and the canonical options: a re-run finds its job by it."""
    file_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(10))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Purposes, relationship, column mapping, consent declaration, duplicate policy."""
    status: Mapped[str] = mapped_column(String(20), index=True)
    """``queued``, ``running``, ``done`` or ``failed``."""
    total: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    """Records (rows or cards) consumed by committed batches."""
    created: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    consents: Mapped[int] = mapped_column(Integer, default=0)
    custom: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """Custom values stored (``custom.<key>`` columns) on the people created or merged."""
    blank: Mapped[int] = mapped_column(Integer, default=0)
    """Blank records passed: ``position - blank`` records were read, each created, merged,
    skipped or rejected."""
    rejects: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The first rejected rows: line, column, reason and code, never the value."""
    skips: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The first rows skipped as duplicates, the same way."""
    rejects_offset: Mapped[int] = mapped_column(Integer, default=0)
    """Bytes of the rejects CSV written by committed batches; a resumed run truncates to it."""
    error: Mapped[str | None] = mapped_column(Text)
    """Why the job failed, in English (the API's and the CLI's)."""
    error_said: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The same as a message id and its values (``errors.stored``), which a staff page says in
    its reader's language; None on a job that failed before it was kept (``error`` is shown)."""
    created_by: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
