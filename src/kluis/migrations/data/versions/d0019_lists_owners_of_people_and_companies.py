"""owners of people and companies: the staff user who looks after each

On SQLite the column and its foreign key are added in place: copying ``people`` or
``companies`` (batch mode) drops the table, and the foreign keys that point at it (ON DELETE
CASCADE / SET NULL) would empty or clear their rows. SQLite's ``ADD COLUMN`` only takes a
column-level ``REFERENCES``, which reflects without its name and ``ON DELETE``; so the
table-level constraint is written into the schema text (SQLite's documented way for a schema
change that leaves the stored rows as they are: ``writable_schema``, then a new
``schema_version``).

Revision ID: d0019_lists
Revises: d0019_activities
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0019_lists"
down_revision: str | None = "d0019_activities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("people", "companies")


def _constraint(table: str) -> str:
    return (
        f",\n\tCONSTRAINT fk_{table}_owner_id_users FOREIGN KEY(owner_id) "
        "REFERENCES users (id) ON DELETE SET NULL"
    )


def _rewrite_schema(table: str, change: Callable[[str], str]) -> None:
    conn = op.get_bind()
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
        (change(sql), table),
    )
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")


def _with_fk(table: str) -> Callable[[str], str]:
    def change(sql: str) -> str:
        body = sql.rstrip()
        assert body.endswith(")")
        return body[:-1].rstrip() + _constraint(table) + "\n)"

    return change


def _without_fk(table: str) -> Callable[[str], str]:
    def change(sql: str) -> str:
        return sql.replace(_constraint(table), "")

    return change


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in _TABLES:
        op.add_column(table, sa.Column("owner_id", sa.Integer(), nullable=True))
        if sqlite:
            _rewrite_schema(table, _with_fk(table))
        else:
            op.create_foreign_key(
                f"fk_{table}_owner_id_users",
                table,
                "users",
                ["owner_id"],
                ["id"],
                ondelete="SET NULL",
            )
        op.create_index(f"ix_{table}_owner_id", table, ["owner_id"], unique=False)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in _TABLES:
        op.drop_index(f"ix_{table}_owner_id", table_name=table)
        if sqlite:
            _rewrite_schema(table, _without_fk(table))
            op.execute(f"ALTER TABLE {table} DROP COLUMN owner_id")
        else:
            op.drop_constraint(f"fk_{table}_owner_id_users", table, type_="foreignkey")
            op.drop_column(table, "owner_id")
