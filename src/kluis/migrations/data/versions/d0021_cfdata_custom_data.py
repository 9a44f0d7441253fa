"""custom values counted by imports; the field index that duplicated the digest index's prefix;
plain custom fields of companies and deals

Revision ID: d0021_cfdata
Revises: d0020_reqmail
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0021_cfdata"
down_revision: str | None = "d0020_reqmail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _values(table: str, record_table: str) -> None:
    op.create_table(
        table,
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["business_fields.id"],
            name=op.f(f"fk_{table}_field_id_business_fields"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            [f"{record_table}.id"],
            name=op.f(f"fk_{table}_record_id_{record_table}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "field_id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_field_id"), table, ["field_id"], unique=False)


def upgrade() -> None:
    op.create_table(
        "business_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label_en", sa.String(length=100), nullable=False),
        sa.Column("label_nl", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_fields")),
        sa.UniqueConstraint("entity", "key", name=op.f("uq_business_fields_entity")),
    )
    _values("company_field_values", "companies")
    _values("deal_field_values", "deals")
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("custom", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    with op.batch_alter_table("custom_values", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_values_field_id"))


def downgrade() -> None:
    for table in ("deal_field_values", "company_field_values"):
        op.drop_index(op.f(f"ix_{table}_field_id"), table_name=table)
        op.drop_table(table)
    op.drop_table("business_fields")
    with op.batch_alter_table("custom_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_values_field_id"), ["field_id"], unique=False)
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_column("custom")
