"""audience facts beside the consent state (issue 17)

Revision ID: d0017_audience
Revises: d0016

Counting an audience looked each person up in ``people``, ``person_flags`` and
``person_purposes`` once per row. What the rule reads of a person (customer or not, restricted,
objected, the purposes collected for, which address columns are set) is now kept in
``audience_people`` (one row per person) and copied onto each of their ``permissions`` rows, so an
audience is counted from those two tables' indexes. Both are filled here from the rows they copy;
the purpose keys are sorted bytewise (``COLLATE "C"`` on PostgreSQL), as Python's ``sorted`` does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0017_audience"
down_revision: str | None = "d0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FACTS = ("customer", "restricted", "objected", "purposes", "has_email", "has_phone", "has_address")


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


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "audience_people",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("customer", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("restricted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("objected", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("purposes", sa.Text(), server_default="", nullable=False),
        sa.Column("has_email", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_phone", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("has_address", sa.Boolean(), server_default=sa.false(), nullable=False),
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
        f"INSERT INTO audience_people ({', '.join(_FACTS)}, person_id)"  # noqa: S608
        " SELECT p.relationship = 'customer', COALESCE(f.restricted, false),"
        f" COALESCE(f.objected, false), COALESCE({_purposes_sql(dialect)}, ''),"
        " p.email IS NOT NULL, p.phone IS NOT NULL, p.address IS NOT NULL, p.id"
        " FROM people p LEFT JOIN person_flags f ON f.person_id = p.id ORDER BY p.id"
    )
    op.create_index("ix_audience_people_facts", "audience_people", list(_FACTS), unique=False)

    for name in _FACTS:
        default = sa.text("''") if name == "purposes" else sa.false()
        kind = sa.Text() if name == "purposes" else sa.Boolean()
        op.add_column("permissions", sa.Column(name, kind, nullable=False, server_default=default))
    op.execute(
        f"UPDATE permissions SET ({', '.join(_FACTS)}) = (SELECT {', '.join(_FACTS)}"  # noqa: S608
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
