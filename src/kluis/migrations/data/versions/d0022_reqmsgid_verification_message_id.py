"""the privacy page's verification mail keeps its Message-ID

Revision ID: d0022_reqmsgid
Revises: d0021_house

``privacy_verifications.message_id``: the Message-ID fixed when the job first claims the row,
before the mail is handed to the server, so an attempt after a crash sends the same message
(RFC 5322 3.6.4). It holds a time, a random part and the sender's domain: nothing personal.
(``request_mails.message_id`` exists since d0020 and is now set the same way.)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0022_reqmsgid"
down_revision: str | None = "d0021_house"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("privacy_verifications") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=250), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("privacy_verifications") as batch:
        batch.drop_column("message_id")
