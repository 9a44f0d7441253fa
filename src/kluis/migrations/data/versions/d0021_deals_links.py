"""activities and tasks linked to a deal (issue 19)

Revision ID: d0021_deals
Revises: d0021_reqjobs

``activities.deal_id`` and ``tasks.deal_id``: the deal a contact moment or a task was for, a
foreign key to ``deals.id`` with ON DELETE SET NULL (deleting a deal unlinks the work, the
record of it stays). An activity still goes with its person's purpose (erasure, retention).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0021_deals"
down_revision: str | None = "d0021_reqjobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("activities", "tasks")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("deal_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_deal_id"), ["deal_id"], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_deal_id_deals"),
                "deals",
                ["deal_id"],
                ["id"],
                ondelete="SET NULL",
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_deal_id_deals"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_deal_id"))
            batch_op.drop_column("deal_id")
