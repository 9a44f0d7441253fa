"""discover: reports of searches of old files and sealed identifier captures

Revision ID: d0019_discover
Revises: d0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0019_discover"
down_revision: str | None = "d0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discover_captures",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("captured_at", sa.DateTime(), nullable=False),
        sa.Column("keep_until", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["privacy_requests.id"],
            name=op.f("fk_discover_captures_request_id_privacy_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_discover_captures")),
    )
    with op.batch_alter_table("discover_captures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discover_captures_keep_until"), ["keep_until"], unique=False
        )

    op.create_table(
        "discover_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["privacy_requests.id"],
            name=op.f("fk_discover_scans_request_id_privacy_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discover_scans")),
    )
    with op.batch_alter_table("discover_scans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discover_scans_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("discover_scans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discover_scans_request_id"))

    op.drop_table("discover_scans")
    with op.batch_alter_table("discover_captures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discover_captures_keep_until"))

    op.drop_table("discover_captures")
