"""a purpose's legitimate interest in Dutch (issue 15)

Revision ID: d0021_house
Revises: d0021_deals

``purposes.legitimate_interest_nl``: the interest pursued (Art. 6(1)(f)) in Dutch, which the
Dutch privacy notice (Art. 13(1)(d)) and record of processing (Art. 30) state; the existing
``legitimate_interest`` column is the English. The two purposes of the default catalogue that
rest on legitimate interest get their Dutch text when their English is still the catalogue's;
any other purpose keeps a null until staff write it (a compliance finding names them).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0021_house"
down_revision: str | None = "d0021_deals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_TEXTS = (
    (
        "sales_follow_up",
        "Answering the interest a prospect or customer showed in our products.",
        "Ingaan op de belangstelling die een prospect of klant toonde voor onze producten.",
    ),
    (
        "existing_customer_marketing",
        "Telling our customers about our own similar products; they were told at the sale and "
        "can opt out in every message.",
        "Onze klanten vertellen over onze eigen, vergelijkbare producten; dat is hun bij de "
        "verkoop verteld en zij kunnen zich in elk bericht afmelden.",
    ),
)
"""The catalogue's texts as they stand in ``purposes/catalogue.toml`` at this revision."""


def upgrade() -> None:
    # a plain ALTER TABLE ADD COLUMN on both backends: a batch copy of ``purposes`` on SQLite
    # would drop the table that ``person_purposes`` rows refer to, and fail on any store with people
    op.add_column("purposes", sa.Column("legitimate_interest_nl", sa.Text(), nullable=True))
    purposes = sa.table(
        "purposes",
        sa.column("key", sa.String()),
        sa.column("legitimate_interest", sa.Text()),
        sa.column("legitimate_interest_nl", sa.Text()),
    )
    for key, english, dutch in DEFAULT_TEXTS:
        op.execute(
            purposes.update()
            .where(purposes.c.key == key, purposes.c.legitimate_interest == english)
            .values(legitimate_interest_nl=dutch)
        )


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on both backends (SQLite since 3.35), not a batch copy: see upgrade
    op.execute("ALTER TABLE purposes DROP COLUMN legitimate_interest_nl")
