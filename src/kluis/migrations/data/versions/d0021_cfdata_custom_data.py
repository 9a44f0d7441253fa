"""custom values counted by imports

Revision ID: d0021_cfdata
Revises: d0020_reqmail
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0021_cfdata"
down_revision: str | None = "d0020_reqmail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("custom", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("custom")
