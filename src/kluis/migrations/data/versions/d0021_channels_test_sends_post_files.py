"""test sends to oneself and post files made as jobs (issue 20, session 8)

Revision ID: d0021_channels
Revises: d0021_cfdata

``users.test_phone_sealed``: the number a staff user's test texts go to, sealed with a key
derived from the master key (``messaging.trial_send``). Added with ``ALTER TABLE ... ADD
COLUMN`` on both backends: Alembic's batch mode on SQLite would copy ``users`` and drop the old
table, running the ON DELETE actions of every table that points at it.
``post_files``: a post mailing's file made as a job for the user who asked, its content sealed
until the first download or expiry; it hangs on its campaign and its user ON DELETE CASCADE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0021_channels"
down_revision: str | None = "d0021_cfdata"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("test_phone_sealed", sa.LargeBinary(), nullable=True))
    op.create_table(
        "post_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ready_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_post_files_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_post_files_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_files")),
    )
    op.create_index(op.f("ix_post_files_campaign_id"), "post_files", ["campaign_id"], unique=False)
    op.create_index(op.f("ix_post_files_expires_at"), "post_files", ["expires_at"], unique=False)
    op.create_index(op.f("ix_post_files_user_id"), "post_files", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_post_files_user_id"), table_name="post_files")
    op.drop_index(op.f("ix_post_files_expires_at"), table_name="post_files")
    op.drop_index(op.f("ix_post_files_campaign_id"), table_name="post_files")
    op.drop_table("post_files")
    op.execute("ALTER TABLE users DROP COLUMN test_phone_sealed")
