"""campaigns: the one sender that holds a campaign, and until when

Revision ID: d0014
Revises: d0013

A second ``send`` of a campaign being sent started a second sender, and two senders together
went twice as fast as ``rate_per_minute``. A sender now claims the campaign with one
conditional UPDATE (atomic on SQLite and PostgreSQL, across processes) and renews the claim as it
goes; a sender that died leaves a claim that lapses, so the campaign can be resumed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0014"
down_revision: str | None = "d0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("sender_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("sender_until")
        batch_op.drop_column("sender")
