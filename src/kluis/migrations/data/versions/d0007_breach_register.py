"""breach register

Revision ID: d0007
Revises: d0006

Written by hand (only the ``breaches`` table) so it does not depend on what d0006 adds.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0007"
down_revision: str | None = "d0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("nature", sa.Text(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("approx_people", sa.Integer(), nullable=True),
        sa.Column("approx_records", sa.Integer(), nullable=True),
        sa.Column("consequences", sa.Text(), nullable=False),
        sa.Column("measures_taken", sa.Text(), nullable=False),
        sa.Column("measures_proposed", sa.Text(), nullable=False),
        sa.Column("authority_notified_at", sa.DateTime(), nullable=True),
        sa.Column("late_reason", sa.Text(), nullable=True),
        sa.Column("authority_not_required", sa.Text(), nullable=True),
        sa.Column("people_notified_at", sa.DateTime(), nullable=True),
        sa.Column("people_notice_exemption", sa.String(length=30), nullable=True),
        sa.Column("window_start", sa.DateTime(), nullable=True),
        sa.Column("window_end", sa.DateTime(), nullable=True),
        sa.Column("actors", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("affected_people", sa.Integer(), nullable=True),
        sa.Column("affected_computed_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breaches")),
    )
    with op.batch_alter_table("breaches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_breaches_detected_at"), ["detected_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("breaches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_breaches_detected_at"))

    op.drop_table("breaches")
