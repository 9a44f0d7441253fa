"""suppression_list (placeholder: filled in by the change that adds the tables)

Revision ID: k0002
Revises: k0001
"""

from collections.abc import Sequence

revision: str = "k0002"
down_revision: str | None = "k0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
