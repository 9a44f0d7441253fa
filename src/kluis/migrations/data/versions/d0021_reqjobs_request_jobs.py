"""request packages and the privacy page's verification mail as jobs

Revision ID: d0021_reqjobs
Revises: d0021_channels

``request_mails.sealed``: the copy of a person's data sent before their erasure, built while
their key existed and sealed under the key of the request's capture (``discover.capture``),
which is destroyed once the request's last mail to the captured address went. Empty for every
other mail (their packages are rebuilt from ids when they go).

``privacy_verifications``: a verification mail of the /privacy page waiting for its job, the
typed address sealed under a key of its own (destroyed, and the row deleted, once the mail went
or at expiry). No person id: the address is looked up only when the mail goes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0021_reqjobs"
down_revision: str | None = "d0021_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("request_mails") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    op.create_table(
        "privacy_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_verifications")),
    )
    op.create_index(
        op.f("ix_privacy_verifications_expires_at"),
        "privacy_verifications",
        ["expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_privacy_verifications_expires_at"), table_name="privacy_verifications")
    op.drop_table("privacy_verifications")
    with op.batch_alter_table("request_mails") as batch:
        batch.drop_column("sealed")
