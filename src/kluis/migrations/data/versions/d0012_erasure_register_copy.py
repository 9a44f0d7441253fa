"""data: the data store's copy of the erasure and minimisation registers

Revision ID: d0012
Revises: d0011

The keyring's registers were the only record of who was erased; a restore of an old keyring
snapshot lost the entries made since. The data store now keeps a copy, written with each
erasure, so the union of the copies survives the restore of either store. The first start after
this migration fills it from the keyring (and replays, once, what it lacks).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0012"
down_revision: str | None = "d0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasure_register",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_erasure_register")),
    )
    op.create_table(
        "minimisation_register",
        sa.Column("entry", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("ledger", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("entry", name=op.f("pk_minimisation_register")),
    )
    with op.batch_alter_table("minimisation_register", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_minimisation_register_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("minimisation_register", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_minimisation_register_person_id"))
    op.drop_table("minimisation_register")
    op.drop_table("erasure_register")
