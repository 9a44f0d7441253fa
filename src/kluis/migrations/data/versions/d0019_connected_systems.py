"""connected systems, their secrets, purposes, identities and notices

Revision ID: d0019_connected
Revises: d0019_channels
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0019_connected"
down_revision: str | None = "d0019_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "connected_systems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reach", sa.String(length=20), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("send_values", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connected_systems")),
        sa.UniqueConstraint("name", name=op.f("uq_connected_systems_name")),
    )
    op.create_table(
        "connected_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=40), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("fields", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=120), nullable=True),
        sa.Column("sealed_subject", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["connected_systems.id"],
            name=op.f("fk_connected_notices_system_id_connected_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connected_notices")),
        sa.UniqueConstraint("message_id", name=op.f("uq_connected_notices_message_id")),
    )
    with op.batch_alter_table("connected_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connected_notices_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_connected_notices_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_connected_notices_system_id"), ["system_id"], unique=False
        )

    op.create_table(
        "connected_purposes",
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("purpose_key", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["purpose_key"],
            ["purposes.key"],
            name=op.f("fk_connected_purposes_purpose_key_purposes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["connected_systems.id"],
            name=op.f("fk_connected_purposes_system_id_connected_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("system_id", "purpose_key", name=op.f("pk_connected_purposes")),
    )
    with op.batch_alter_table("connected_purposes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connected_purposes_purpose_key"), ["purpose_key"], unique=False
        )

    op.create_table(
        "connected_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("retires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["connected_systems.id"],
            name=op.f("fk_connected_secrets_system_id_connected_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connected_secrets")),
    )
    with op.batch_alter_table("connected_secrets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connected_secrets_system_id"), ["system_id"], unique=False
        )

    op.create_table(
        "connected_identities",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("system_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_connected_identities_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["connected_systems.id"],
            name=op.f("fk_connected_identities_system_id_connected_systems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "system_id", name=op.f("pk_connected_identities")),
    )


def downgrade() -> None:
    op.drop_table("connected_identities")
    with op.batch_alter_table("connected_secrets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connected_secrets_system_id"))

    op.drop_table("connected_secrets")
    with op.batch_alter_table("connected_purposes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connected_purposes_purpose_key"))

    op.drop_table("connected_purposes")
    with op.batch_alter_table("connected_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connected_notices_system_id"))
        batch_op.drop_index(batch_op.f("ix_connected_notices_state"))
        batch_op.drop_index(batch_op.f("ix_connected_notices_person_id"))

    op.drop_table("connected_notices")
    op.drop_table("connected_systems")
