"""activities: contact moments per person and purpose, and each person's latest (issue 18)

Revision ID: d0019_activities
Revises: d0019_deals

An activity's foreign key is its ``person_purposes`` row with ON DELETE CASCADE: erasing the
person or ending the purpose deletes it. Subject and body are ciphertext.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0019_activities"
down_revision: str | None = "d0019_deals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("purpose_key", sa.String(length=60), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("author_role", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("consent_event_id", sa.Integer(), nullable=True),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["consent_event_id"], ["consent_events.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recording_id"], ["consent_evidence.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["person_id", "purpose_key"],
            ["person_purposes.person_id", "person_purposes.purpose_key"],
            name="fk_activities_person_purpose",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activities_company_id", "activities", ["company_id"])
    op.create_index(
        "ix_activities_person_purpose_at", "activities", ["person_id", "purpose_key", "occurred_at"]
    )
    op.create_table(
        "activity_latest",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index("ix_activity_latest_occurred_at", "activity_latest", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_activity_latest_occurred_at", table_name="activity_latest")
    op.drop_table("activity_latest")
    op.drop_index("ix_activities_person_purpose_at", table_name="activities")
    op.drop_index("ix_activities_company_id", table_name="activities")
    op.drop_table("activities")
