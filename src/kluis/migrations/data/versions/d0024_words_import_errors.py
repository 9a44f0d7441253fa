"""an import job's error as a message id and values (issue 15)

Revision ID: d0024_words
Revises: d0024_audience

``import_jobs.error`` holds the English the API and the CLI show; a staff page showed it as
it was, English on a Dutch page. ``error_said`` keeps the same refusal as a message id and its
values (``errors.stored``), which a page says in its reader's language. Of the texts stored
before, an exception's class name (a job that stopped on no refusal) is read back into the
message that says so (frozen here); any other text is left without ``error_said`` and a page
shows it as it was (translated when the catalogue holds it as a sentence). The downgrade drops
the column; ``error`` never changed.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0024_words"
down_revision: str | None = "d0024_audience"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STOPPED = "The import stopped on an unexpected error (%(kind)s); the server's log has the rest."
CLASS_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")


def said(error: str) -> dict[str, object] | None:
    """What ``errors.stored`` would have kept for an old ``error``, or None."""
    if not CLASS_NAME.fullmatch(error):
        return None
    return {
        "detail": error,
        "msgid": STOPPED,
        "values": {"kind": error},
        "words": [],
        "context": None,
        "parts": [],
    }


def upgrade() -> None:
    op.add_column("import_jobs", sa.Column("error_said", sa.JSON(), nullable=True))
    jobs = sa.table(
        "import_jobs",
        sa.column("id", sa.Integer()),
        sa.column("error", sa.Text()),
        sa.column("error_said", sa.JSON()),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(jobs.c.id, jobs.c.error).where(jobs.c.error.is_not(None)))
    for row in rows.all():
        found = said(row.error)
        if found is not None:
            conn.execute(jobs.update().where(jobs.c.id == row.id).values(error_said=found))


def downgrade() -> None:
    op.execute("ALTER TABLE import_jobs DROP COLUMN error_said")
