"""tasks and daily task reminders (issue 18)

Revision ID: d0019_tasks
Revises: d0019_lists

``tasks``: a task's title and notes are plain when it is about nobody and sealed with the
person's key when it is about a person; such a task hangs from ``person_purposes`` (person,
purpose) ON DELETE CASCADE, so an erasure or the end of the purpose takes it.
``task_reminders_sent``: one row per user and day, so the daily reminder is sent once.
``users.task_reminders``: the user's opt-in to that mail (off for everyone at first).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0019_tasks"
down_revision: str | None = "d0019_lists"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_reminders_sent",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_task_reminders_sent_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_task_reminders_sent")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("title_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("notes_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_time", sa.Time(), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("purpose_key", sa.String(length=60), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("activity_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_tasks_assignee_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_tasks_company_id_companies"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_tasks_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["done_by"], ["users.id"], name=op.f("fk_tasks_done_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["person_id", "purpose_key"],
            ["person_purposes.person_id", "person_purposes.purpose_key"],
            name=op.f("fk_tasks_person_id_person_purposes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_tasks_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tasks_assignee_open", ["assignee_id", "done_at", "due_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tasks_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("task_reminders", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("task_reminders")

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_person_id"))
        batch_op.drop_index(batch_op.f("ix_tasks_company_id"))
        batch_op.drop_index("ix_tasks_assignee_open")

    op.drop_table("tasks")
    op.drop_table("task_reminders_sent")
