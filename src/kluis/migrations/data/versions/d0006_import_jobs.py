"""import_jobs (placeholder: filled in by the change that adds the tables)

Revision ID: d0006
Revises: d0005
"""

from collections.abc import Sequence

revision: str = "d0006"
down_revision: str | None = "d0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
