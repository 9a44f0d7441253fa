"""Shared Alembic environment for the two stores (data and keyring)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import MetaData

from kluis.db import UTCDateTime, make_engine


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render Kluis' column types as plain SQLAlchemy types, so migrations never import app code
    that may change after they were written."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run(metadata: MetaData) -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes")
        with make_engine(url).begin() as conn:
            _migrate(conn, metadata)
    else:
        _migrate(connection, metadata)


def _migrate(connection: Any, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
