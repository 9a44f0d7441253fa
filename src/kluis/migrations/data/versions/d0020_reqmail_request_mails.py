"""request mails sent by jobs, with their state

Revision ID: d0020_reqmail
Revises: d0020_calls
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0020_reqmail"
down_revision: str | None = "d0020_calls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("captured", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=True),
        sa.Column("message_id", sa.String(length=250), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["privacy_requests.id"],
            name=op.f("fk_request_mails_request_id_privacy_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_mails")),
    )
    with op.batch_alter_table("request_mails", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_mails_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_request_mails_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_mails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_mails_state"))
        batch_op.drop_index(batch_op.f("ix_request_mails_request_id"))
    op.drop_table("request_mails")
