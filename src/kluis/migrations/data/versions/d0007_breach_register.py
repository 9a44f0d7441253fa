"""breach_register (placeholder: filled in by the change that adds the tables)

Revision ID: d0007
Revises: d0006
"""

from collections.abc import Sequence

revision: str = "d0007"
down_revision: str | None = "d0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
