"""public-form mail limits counted in the data store, shared by every web process

Revision ID: d0017_webscale
Revises: d0017_observe
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0017_webscale"
down_revision: str | None = "d0017_observe"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_limit_hits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_limit_hits")),
    )
    with op.batch_alter_table("mail_limit_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_limit_hits_at"), ["at"], unique=False)
        batch_op.create_index("ix_mail_limit_hits_key", ["kind", "digest", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_limit_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_limit_hits_key")
        batch_op.drop_index(batch_op.f("ix_mail_limit_hits_at"))

    op.drop_table("mail_limit_hits")
