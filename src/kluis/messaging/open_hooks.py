"""The messaging slice's on-open hook (``kluis.slices``): it registers the post files' erasure
hook by path (``kluis.slice_types.Deferred``), so opening Kluis does not import the campaigns
and post mailings behind it (~0.3 s of every command's start); an erasure loads them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from kluis.contacts import hooks
from kluis.messaging.post_file_tables import PostFileRow
from kluis.runtime import Kluis
from kluis.slice_types import Deferred

_ANY_FILE = text(f"SELECT 1 FROM {PostFileRow.__tablename__} LIMIT 1")  # noqa: S608
"""Made once: every erasure asks it (a select built per call cost more than its run)."""


def any_file(conn: Connection) -> bool:
    """Whether any post file is held (files live days, so mostly none): an erasure asks this
    in its own read, and with none it does not load or run ``before_erasure``."""
    return conn.execute(_ANY_FILE).first() is not None


def on_open(_k: Kluis, _now: datetime) -> None:
    """Every erasure deletes the post files that hold the person first (Art. 17;
    ``kluis.messaging.post_jobs.before_erasure``)."""
    hooks.register_before_erasure(
        "messaging.post_files", Deferred("kluis.messaging.post_jobs:before_erasure"), any_file
    )
