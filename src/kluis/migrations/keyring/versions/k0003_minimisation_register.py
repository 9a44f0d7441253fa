"""keyring: the register of partial erasures, replayed after a restore

Revision ID: k0003
Revises: k0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "k0003"
down_revision: str | None = "k0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "minimisation_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("ledger", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_minimisation_register")),
    )
    with op.batch_alter_table("minimisation_register", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_minimisation_register_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("minimisation_register", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minimisation_register_person_id"))
    op.drop_table("minimisation_register")
