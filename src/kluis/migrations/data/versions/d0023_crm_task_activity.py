"""a task's activity is a foreign key (issue 18)

Revision ID: d0023_crm
Revises: d0022_reqmsgid

``tasks.activity_id`` becomes a foreign key to ``activities.id`` with ON DELETE SET NULL and an
index: deleting an activity unlinks the tasks about it and keeps them. The API took any text
as an activity id before; ids that name no activity are cleared first, so the constraint holds.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0023_crm"
down_revision: str | None = "d0022_reqmsgid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE tasks SET activity_id = NULL WHERE activity_id IS NOT NULL "
            "AND activity_id NOT IN (SELECT id FROM activities)"
        )
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_activity_id"), ["activity_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_tasks_activity_id_activities"),
            "activities",
            ["activity_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_tasks_activity_id_activities"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_tasks_activity_id"))
