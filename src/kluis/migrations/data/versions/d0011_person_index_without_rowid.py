"""person_index as a WITHOUT ROWID table on SQLite (its rows live in the key's B-tree only)

Revision ID: d0011
Revises: d0010

A blind-index row is its key (field, digest, person); as an ordinary SQLite table every row was
written twice, once in the table and once in the key's index. Bulk imports write five or more
of these rows per person, and the second copy cost about a fifth of an import's time (issue 7's
benchmark). SQLite cannot change this in place: the table is copied. PostgreSQL has no rowid
tables; nothing changes there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d0011"
down_revision: str | None = "d0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    "field VARCHAR(40) NOT NULL, digest BLOB NOT NULL, person_id VARCHAR(36) NOT NULL, "
    "CONSTRAINT pk_person_index PRIMARY KEY (field, digest, person_id), "
    "CONSTRAINT fk_person_index_person_id_people FOREIGN KEY(person_id) "
    "REFERENCES people (id) ON DELETE CASCADE"
)


def _rebuild(options: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE TABLE _person_index_copy ({_COLUMNS}){options}")
    op.execute(
        "INSERT INTO _person_index_copy (field, digest, person_id) "
        "SELECT field, digest, person_id FROM person_index ORDER BY field, digest, person_id"
    )
    op.execute("DROP INDEX ix_person_index_person_id")
    op.execute("DROP TABLE person_index")
    op.execute("ALTER TABLE _person_index_copy RENAME TO person_index")
    op.execute("CREATE INDEX ix_person_index_person_id ON person_index (person_id)")


def upgrade() -> None:
    _rebuild(" WITHOUT ROWID")


def downgrade() -> None:
    _rebuild("")
