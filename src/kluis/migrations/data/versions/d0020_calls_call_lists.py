"""phone call lists (issue 20)

Revision ID: d0020_calls
Revises: d0020_tags

``calls``: one row per person on a phone campaign's call list, with the decision that put them
there and the last outcome; ON DELETE CASCADE from ``people`` (erasure) and ``campaigns``.
No personal values: the number is read when a call is opened.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0020_calls"
down_revision: str | None = "d0020_tags"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("basis", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("evidence_event_id", sa.Integer(), nullable=True),
        sa.Column("refused_reason", sa.String(length=30), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=True),
        sa.Column("called_by", sa.String(length=120), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("purpose_key", sa.String(length=60), nullable=True),
        sa.Column("withdrawal_event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_calls_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_calls_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("campaign_id", "person_id", name=op.f("uq_calls_campaign")),
    )
    op.create_index(op.f("ix_calls_campaign_id"), "calls", ["campaign_id"], unique=False)
    op.create_index(op.f("ix_calls_person_id"), "calls", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_calls_person_id"), table_name="calls")
    op.drop_index(op.f("ix_calls_campaign_id"), table_name="calls")
    op.drop_table("calls")
