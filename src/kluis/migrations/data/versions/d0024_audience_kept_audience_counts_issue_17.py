"""kept audience counts (issue 17)

Revision ID: d0024_audience
Revises: d0023_words

``audience_counts`` and ``audience_people_counts`` keep how many ``permissions`` and
``audience_people`` rows share each group an audience count reads, so a count reads those few
rows and not a million index entries (``consent.audience_counts``). Triggers on the two counted
tables keep them, for every writer; the upgrade creates the triggers and fills both tables from
the rows a store already holds, with the same ``recount`` that ``kluis audience-recount`` runs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kluis.consent import audience_counts

revision: str = "d0024_audience"
down_revision: str | None = "d0023_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audience_counts",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("facts", sa.Integer(), nullable=False),
        sa.Column("purposes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("lapse", sa.String(length=7), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "channel",
            "topic",
            "facts",
            "purposes",
            "status",
            "lapse",
            name=op.f("pk_audience_counts"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "audience_people_counts",
        sa.Column("facts", sa.Integer(), nullable=False),
        sa.Column("purposes", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("facts", "purposes", name=op.f("pk_audience_people_counts")),
        sqlite_with_rowid=False,
    )
    conn = op.get_bind()
    audience_counts.create_triggers(conn)
    audience_counts.recount(conn)


def downgrade() -> None:
    audience_counts.drop_triggers(op.get_bind())
    op.drop_table("audience_people_counts")
    op.drop_table("audience_counts")
