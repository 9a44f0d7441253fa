"""test sends to oneself and post files made as jobs (issue 20, session 8)

Revision ID: d0021_channels
Revises: d0020_reqmail

``users.test_phone_sealed``: the number a staff user's test texts go to, sealed with a key
derived from the master key (``messaging.trial_send``). Added with ``ALTER TABLE ... ADD
COLUMN`` on both backends: Alembic's batch mode on SQLite would copy ``users`` and drop the old
table, running the ON DELETE actions of every table that points at it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0021_channels"
down_revision: str | None = "d0020_reqmail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("test_phone_sealed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE users DROP COLUMN test_phone_sealed")
