"""text channels: a campaign's WhatsApp template, a message's delivery status and error code

Revision ID: d0019_channels
Revises: d0019_tasks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0019_channels"
down_revision: str | None = "d0019_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("whatsapp_template", sa.JSON(), nullable=True))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("error_code", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("error_code")
        batch_op.drop_column("delivery_status")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("whatsapp_template")
