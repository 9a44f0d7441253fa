"""audience facts beside the consent state (issue 17)

Revision ID: d0017_audience
Revises: d0017_bulk

Counting an audience looked each person up in ``people``, ``person_flags`` and
``person_purposes`` once per row. What the rule reads of a person (customer or not, restricted,
objected, which address columns are set: bits of ``facts``; the purposes collected for) is now
kept in ``audience_people`` (one row per person) and copied onto each of their ``permissions``
rows, so an audience is counted from those two tables' indexes. Both are filled here from the
rows they copy; the purpose keys are sorted bytewise (``COLLATE "C"`` on PostgreSQL), as
Python's ``sorted`` does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0017_audience"
down_revision: str | None = "d0017_bulk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FACTS = ("facts", "purposes")
_BITS = (
    "(CASE WHEN p.relationship = 'customer' THEN 32 ELSE 0 END)"
    " + (CASE WHEN COALESCE(f.restricted, false) THEN 16 ELSE 0 END)"
    " + (CASE WHEN COALESCE(f.objected, false) THEN 8 ELSE 0 END)"
    " + (CASE WHEN p.email IS NOT NULL THEN 4 ELSE 0 END)"
    " + (CASE WHEN p.phone IS NOT NULL THEN 2 ELSE 0 END)"
    " + (CASE WHEN p.address IS NOT NULL THEN 1 ELSE 0 END)"
)
"""``consent.tables.Fact``: customer 32, restricted 16, objected 8, e-mail 4, phone 2, postal
address 1."""


def _purposes_sql(dialect: str) -> str:
    if dialect == "postgresql":
        return (
            "(SELECT string_agg(pp.purpose_key, ' ' ORDER BY pp.purpose_key COLLATE \"C\")"
            " FROM person_purposes pp WHERE pp.person_id = p.id)"
        )
    return (
        "(SELECT group_concat(k, ' ') FROM (SELECT pp.purpose_key AS k FROM person_purposes pp"
        " WHERE pp.person_id = p.id ORDER BY pp.purpose_key))"
    )


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("facts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("purposes", sa.Text(), server_default="", nullable=False),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "audience_people",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        *_columns(),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_audience_people_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_audience_people")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO audience_people (person_id, facts, purposes)"  # noqa: S608
        f" SELECT p.id, {_BITS}, COALESCE({_purposes_sql(dialect)}, '')"
        " FROM people p LEFT JOIN person_flags f ON f.person_id = p.id ORDER BY p.id"
    )
    op.create_index("ix_audience_people_facts", "audience_people", list(_FACTS), unique=False)

    for column in _columns():
        op.add_column("permissions", column)
    op.execute(
        "UPDATE permissions SET (facts, purposes) = (SELECT a.facts, a.purposes"
        " FROM audience_people a WHERE a.person_id = permissions.person_id)"
    )
    op.drop_index("ix_permissions_audience", table_name="permissions")
    op.create_index(
        "ix_permissions_audience",
        "permissions",
        ["channel", "topic", *_FACTS, "status", "reconfirm_by"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_permissions_audience", table_name="permissions")
    op.create_index(
        "ix_permissions_audience",
        "permissions",
        ["channel", "topic", "person_id", "status", "reconfirm_by"],
        unique=False,
    )
    for name in reversed(_FACTS):
        op.execute(f"ALTER TABLE permissions DROP COLUMN {name}")
    op.drop_index("ix_audience_people_facts", table_name="audience_people")
    op.drop_table("audience_people")
