"""import jobs count blank records and keep the first skipped lines

Revision ID: d0015
Revises: d0014

Every record of an import is accounted for (created + merged + skipped + rejected = records
read): a job counts the blank records it passed, so that its position minus them is the number
of records read, and keeps the first skipped lines with their reasons beside the first rejected
ones. Jobs from before start from no blank records and no skipped lines listed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0015"
down_revision: str | None = "d0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blank", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("skips", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("skips")
        batch_op.drop_column("blank")
