"""failed staff sign-ins counted per client address

Revision ID: d0016
Revises: d0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0016"
down_revision: str | None = "d0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_clients",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_sign_in_clients")),
    )
    with op.batch_alter_table("sign_in_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_clients_since"), ["since"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_in_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_clients_since"))
    op.drop_table("sign_in_clients")
