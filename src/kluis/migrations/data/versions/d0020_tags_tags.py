"""tags on people and companies (issue 19)

Revision ID: d0020_tags
Revises: d0020_fields

``tags``: the labels the admin declares (key, nl/en names, colour, personal or not).
``person_tags`` hangs on ``people.id`` ON DELETE CASCADE, so an erasure takes a person's
tags without new code; ``company_tags`` on ``companies.id``. Both go with their tag.
``campaigns.tag``: a campaign narrowed to the people carrying a tag (by key, no foreign key:
a removed tag leaves the campaign refusing to send rather than reaching everyone).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0020_tags"
down_revision: str | None = "d0020_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label_nl", sa.String(length=80), nullable=False),
        sa.Column("label_en", sa.String(length=80), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("key", name=op.f("uq_tags_key")),
    )
    op.create_table(
        "person_tags",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("tagged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_tags_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_person_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "tag_id", name=op.f("pk_person_tags")),
    )
    op.create_index(op.f("ix_person_tags_tag_id"), "person_tags", ["tag_id"], unique=False)
    op.create_table(
        "company_tags",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("tagged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_tags_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_company_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("company_id", "tag_id", name=op.f("pk_company_tags")),
    )
    op.create_index(op.f("ix_company_tags_tag_id"), "company_tags", ["tag_id"], unique=False)
    op.add_column("campaigns", sa.Column("tag", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # in place on both backends: a batch copy of ``campaigns`` would take its messages along
    op.execute("ALTER TABLE campaigns DROP COLUMN tag")
    op.drop_index(op.f("ix_company_tags_tag_id"), table_name="company_tags")
    op.drop_table("company_tags")
    op.drop_index(op.f("ix_person_tags_tag_id"), table_name="person_tags")
    op.drop_table("person_tags")
    op.drop_table("tags")
