"""messages counted by channel, status and reason from an index (the /metrics scrape)

Revision ID: d0017_observe
Revises: d0016
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d0017_observe"
down_revision: str | None = "d0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_messages_channel_status_reason", ["channel", "status", "reason"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_channel_status_reason")
