"""the blind index without its index by person: each person's row lists their index rows

Revision ID: d0017_bulk
Revises: d0017_webscale

Creating a person wrote each blind-index row twice (5.25 rows a person): in the key (field,
digest, person) and in ``ix_person_index_person_id``, the largest part of an import's storage
floor (issue 17; docs/performance.md). That index served only the look-ups by person (erasure,
rectification, objection), which now read ``people.index_keys`` (``kluis.contacts.index_keys``)
and delete the exact rows. The foreign key goes too: without the index its ON DELETE CASCADE
scanned the whole table for every deleted person, and ``repository.delete_people`` removes the
rows itself. SQLite cannot drop a foreign key in place: the table is copied, as in d0011.

On SQLite ``person_purposes`` becomes a WITHOUT ROWID table too: its rows are its key (person,
purpose) and the collection time, so the table and its key were two B-trees holding the same
rows. PostgreSQL has no rowid tables; nothing changes there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d0017_bulk"
down_revision: str | None = "d0017_webscale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "CONSTRAINT pk_person_index PRIMARY KEY (field, digest, person_id)"
_FK = (
    "CONSTRAINT fk_person_index_person_id_people FOREIGN KEY(person_id) "
    "REFERENCES people (id) ON DELETE CASCADE"
)
_COLUMNS = "field VARCHAR(40) NOT NULL, digest BLOB NOT NULL, person_id VARCHAR(36) NOT NULL"
_PAGE = 5000


def _pack(entries: list[tuple[str, bytes]]) -> bytes | None:
    """``kluis.contacts.index_keys.pack`` as of this revision (a migration must not change
    when the code does)."""
    out = bytearray()
    for field, digest in sorted(set(entries)):
        name = field.encode("ascii")
        out += bytes((len(name),)) + name + bytes((len(digest),)) + bytes(digest)
    return bytes(out) or None


def _fill_lists() -> None:
    """Each person's list of their index rows, read through the index by person (still
    there), a page of people at a time."""
    conn = op.get_bind()
    after = ""
    while True:
        ids = [
            r[0]
            for r in conn.execute(
                sa.text("SELECT id FROM people WHERE id > :after ORDER BY id LIMIT :n"),
                {"after": after, "n": _PAGE},
            )
        ]
        if not ids:
            return
        lists: dict[str, list[tuple[str, bytes]]] = {i: [] for i in ids}
        rows = conn.execute(
            sa.text(
                "SELECT person_id, field, digest FROM person_index "
                "WHERE person_id >= :first AND person_id <= :last"
            ),
            {"first": ids[0], "last": ids[-1]},
        )
        for person_id, field, digest in rows:
            if person_id in lists:
                lists[person_id].append((field, bytes(digest)))
        filled = [{"keys": _pack(e), "id": i} for i, e in lists.items() if e]
        if filled:
            conn.execute(sa.text("UPDATE people SET index_keys = :keys WHERE id = :id"), filled)
        after = ids[-1]


def _rebuild_sqlite(constraints: str) -> None:
    op.execute(f"CREATE TABLE _person_index_copy ({_COLUMNS}, {constraints}) WITHOUT ROWID")
    op.execute(
        "INSERT INTO _person_index_copy (field, digest, person_id) "
        "SELECT field, digest, person_id FROM person_index ORDER BY field, digest, person_id"
    )
    op.execute("DROP TABLE person_index")
    op.execute("ALTER TABLE _person_index_copy RENAME TO person_index")


_PURPOSES = (
    "person_id VARCHAR(36) NOT NULL, purpose_key VARCHAR(60) NOT NULL, "
    "collected_at DATETIME NOT NULL, "
    "CONSTRAINT pk_person_purposes PRIMARY KEY (person_id, purpose_key), "
    "CONSTRAINT fk_person_purposes_person_id_people FOREIGN KEY(person_id) "
    "REFERENCES people (id) ON DELETE CASCADE, "
    "CONSTRAINT fk_person_purposes_purpose_key_purposes FOREIGN KEY(purpose_key) "
    'REFERENCES purposes ("key")'
)


def _rebuild_purposes(options: str) -> None:
    op.execute(f"CREATE TABLE _person_purposes_copy ({_PURPOSES}){options}")
    op.execute(
        "INSERT INTO _person_purposes_copy (person_id, purpose_key, collected_at) "
        "SELECT person_id, purpose_key, collected_at FROM person_purposes "
        "ORDER BY person_id, purpose_key"
    )
    op.execute("DROP INDEX ix_person_purposes_purpose_key")
    op.execute("DROP TABLE person_purposes")
    op.execute("ALTER TABLE _person_purposes_copy RENAME TO person_purposes")
    op.execute("CREATE INDEX ix_person_purposes_purpose_key ON person_purposes (purpose_key)")


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("index_keys", sa.LargeBinary(), nullable=True))
    _fill_lists()
    op.drop_index("ix_person_index_person_id", table_name="person_index")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(_KEY)
        _rebuild_purposes(" WITHOUT ROWID")
    else:
        op.drop_constraint("fk_person_index_person_id_people", "person_index", type_="foreignkey")


def downgrade() -> None:
    # first, and in place: copying ``people`` (batch mode) would drop it, and the foreign keys
    # that cascade from it would empty every table of people's rows
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE people DROP COLUMN index_keys")
        _rebuild_purposes("")
    else:
        op.drop_column("people", "index_keys")
    if op.get_bind().dialect.name == "sqlite":
        # rows of people gone without their list would break the foreign key: none exist,
        # delete_people removes them, but a copy must not fail on them either
        op.execute("DELETE FROM person_index WHERE person_id NOT IN (SELECT id FROM people)")
        _rebuild_sqlite(f"{_KEY}, {_FK}")
    else:
        op.execute("DELETE FROM person_index WHERE person_id NOT IN (SELECT id FROM people)")
        op.create_foreign_key(
            "fk_person_index_person_id_people",
            "person_index",
            "people",
            ["person_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index("ix_person_index_person_id", "person_index", ["person_id"], unique=False)
