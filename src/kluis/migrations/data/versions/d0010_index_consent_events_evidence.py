"""index consent_events.evidence_id (erasure deletes evidence; the key check needs it)

Revision ID: d0010
Revises: d0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d0010"
down_revision: str | None = "d0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_events_evidence_id"), ["evidence_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_events_evidence_id"))
