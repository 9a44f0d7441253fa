"""custom values counted by imports; the field index that duplicated the digest index's prefix

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
    with op.batch_alter_table("custom_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_values_field_id"))


def downgrade() -> None:
    with op.batch_alter_table("custom_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_values_field_id"), ["field_id"], unique=False)
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("custom")
