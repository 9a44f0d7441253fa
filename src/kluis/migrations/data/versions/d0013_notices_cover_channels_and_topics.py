"""notices name the channels and topics they ask for; the ledger cites only covering ones

Revision ID: d0013
Revises: d0012

A notice's wording asks consent for certain channels and topics (Art. 4(11): consent is
specific), and a grant citing it is proof of consent to those only (Art. 7(1)). This adds
``consent_notice_coverage`` and a foreign key from each consent event's (notice, channel, topic)
to it, so the database itself refuses an event citing a wording that did not ask for its pair.

Old notices keep exactly what they were used for: the pairs of the consent events citing them,
and the e-mail pairs of the sign-ups still waiting for confirmation under them. A notice that
was never used gets nothing: nobody can tell from the database what its wording asked for, and
giving it every pair would repeat the fault this fixes (a newsletter wording recording consent
to WhatsApp promotions). An admin adds a new version naming its channels and topics; until then
the public pages offer no box it would have recorded, and the compliance findings say so.

Pending sign-ups record the notice of each chosen topic (``signups.notices``, topic to notice)
instead of one notice for all.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0013"
down_revision: str | None = "d0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERAGE_FK = "fk_consent_events_notice_id_consent_notice_coverage"

_events = sa.table(
    "consent_events",
    sa.column("notice_id", sa.Integer()),
    sa.column("channel", sa.String()),
    sa.column("topic", sa.String()),
)
_coverage = sa.table(
    "consent_notice_coverage",
    sa.column("notice_id", sa.Integer()),
    sa.column("channel", sa.String()),
    sa.column("topic", sa.String()),
)
_signups = sa.table(
    "signups",
    sa.column("id", sa.String()),
    sa.column("topics", sa.JSON()),
    sa.column("notice_id", sa.Integer()),
    sa.column("notices", sa.JSON()),
)


def _append_only_trigger() -> None:
    """SQLite copies a table to add a constraint, and the copy has no triggers: the ledger's
    append-only trigger (d0002) is put back. PostgreSQL alters in place and keeps it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS consent_events_append_only")
        op.execute(
            "CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events "
            "BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END"
        )


def upgrade() -> None:
    op.create_table(
        "consent_notice_coverage",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["consent_notices.id"],
            name=op.f("fk_consent_notice_coverage_notice_id_consent_notices"),
        ),
        sa.ForeignKeyConstraint(
            ["topic"], ["topics.key"], name=op.f("fk_consent_notice_coverage_topic_topics")
        ),
        sa.PrimaryKeyConstraint(
            "notice_id", "channel", "topic", name=op.f("pk_consent_notice_coverage")
        ),
    )
    conn = op.get_bind()
    used = {
        (int(r.notice_id), str(r.channel), str(r.topic))
        for r in conn.execute(
            sa.select(_events.c.notice_id, _events.c.channel, _events.c.topic)
            .where(_events.c.notice_id.is_not(None))
            .distinct()
        )
    }
    pending = list(conn.execute(sa.select(_signups.c.id, _signups.c.topics, _signups.c.notice_id)))
    for row in pending:
        used.update((int(row.notice_id), "email", str(topic)) for topic in row.topics)
    if used:
        conn.execute(
            sa.insert(_coverage),
            [{"notice_id": n, "channel": c, "topic": t} for n, c, t in sorted(used)],
        )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_foreign_key(
            COVERAGE_FK,
            "consent_notice_coverage",
            ["notice_id", "channel", "topic"],
            ["notice_id", "channel", "topic"],
        )
    _append_only_trigger()

    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notices", sa.JSON(), nullable=True))
    for row in pending:
        conn.execute(
            sa.update(_signups)
            .where(_signups.c.id == row.id)
            .values(notices={str(topic): int(row.notice_id) for topic in row.topics})
        )
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.alter_column("notices", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint("fk_signups_notice_id_consent_notices", type_="foreignkey")
        batch_op.drop_column("notice_id")


def downgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
    for row in list(conn.execute(sa.select(_signups.c.id, _signups.c.topics, _signups.c.notices))):
        # One notice for the whole sign-up again: the first chosen topic's.
        first = row.notices[str(row.topics[0])] if row.topics else min(row.notices.values())
        conn.execute(
            sa.update(_signups).where(_signups.c.id == row.id).values(notice_id=int(first))
        )
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.alter_column("notice_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_signups_notice_id_consent_notices", "consent_notices", ["notice_id"], ["id"]
        )
        batch_op.drop_column("notices")

    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_constraint(COVERAGE_FK, type_="foreignkey")
    _append_only_trigger()
    op.drop_table("consent_notice_coverage")
