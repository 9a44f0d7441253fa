"""custom fields of people: declarations and sealed values

Revision ID: d0020_fields
Revises: d0019_connected
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0020_fields"
down_revision: str | None = "d0019_connected"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label_en", sa.String(length=100), nullable=False),
        sa.Column("label_nl", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("art9_condition", sa.String(length=1), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_fields")),
        sa.UniqueConstraint("key", name=op.f("uq_custom_fields_key")),
    )
    op.create_table(
        "custom_values",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["custom_fields.id"],
            name=op.f("fk_custom_values_field_id_custom_fields"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_custom_values_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "field_id", name=op.f("pk_custom_values")),
    )
    with op.batch_alter_table("custom_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_values_field_id"), ["field_id"], unique=False)
        batch_op.create_index(
            "ix_custom_values_field_id_digest", ["field_id", "digest"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("custom_values", schema=None) as batch_op:
        batch_op.drop_index("ix_custom_values_field_id_digest")
        batch_op.drop_index(batch_op.f("ix_custom_values_field_id"))
    op.drop_table("custom_values")
    op.drop_table("custom_fields")
