"""Kept audience counts (issue 17): ``audience_counts`` and ``audience_people_counts`` hold how
many rows of ``permissions`` and of ``audience_people`` (customers and flagged people) share each
group the audience count reads, so a count reads a few hundred rows instead of walking a million
index entries (``audience_repository.audience_cells``).

The counts are kept by database triggers on the two counted tables, not by the Python writers:
every write of those rows (the ledger's kept state, ``audience_index``'s copies of a person's
facts, bulk creation and import through ``insert_rows``, an erasure's ``ON DELETE CASCADE``, a
row written around Kluis) then changes its count in the same statement and transaction, with no
writer to forget. Each trigger adds a delta with ``INSERT ... ON CONFLICT DO UPDATE SET n = n +
excluded.n``, so concurrent transactions on PostgreSQL never lose an update (the row lock orders
them; a row changing group takes its two counts in key order, so two such writers cannot
deadlock on them); SQLite serialises writers anyway.

``recount`` rebuilds both tables from the rows they count: the migration that made them uses
it, and ``kluis audience-recount`` repairs a store whose triggers were dropped (a SQLite table
rebuild by a migration drops its triggers: such a migration must call ``create_triggers``
again).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, text

from kluis.consent.tables import Fact

COUNT_KEY = ("channel", "topic", "facts", "purposes", "status", "lapse")
"""The key of ``audience_counts``, in the order of its primary key."""

PEOPLE_KEY = ("facts", "purposes")
"""The key of ``audience_people_counts``."""

OBJECTED = int(Fact.OBJECTED)

TRIGGER_NAMES = (
    "permissions_count_insert",
    "permissions_count_delete",
    "permissions_count_update",
    "audience_people_count_insert",
    "audience_people_count_delete",
    "audience_people_count_update",
)


def lapse_sql(row: str, sqlite: bool) -> str:
    """A ``permissions`` row's re-confirm-by month (``YYYY-MM``, UTC as stored) when it is a
    grant that has one, else ``""``; ``row`` is ``NEW``, ``OLD`` or a table name. SQLite holds
    the time as ISO text already; PostgreSQL's is formatted (its text form follows DateStyle)."""
    month = (
        f"substr({row}.reconfirm_by, 1, 7)" if sqlite else f"to_char({row}.reconfirm_by, 'YYYY-MM')"
    )
    return (
        f"CASE WHEN {row}.status = 'granted' AND {row}.reconfirm_by IS NOT NULL"
        f" THEN {month} ELSE '' END"
    )


def month_of(now: datetime) -> str:
    """``now``'s month as ``lapse`` spells it."""
    return now.astimezone(UTC).strftime("%Y-%m")


def month_start(now: datetime) -> datetime:
    """The first instant of ``now``'s month (UTC)."""
    at = now.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def _values(table: str, row: str, sqlite: bool) -> list[str]:
    if table == "audience_counts":
        return [f"{row}.{name}" for name in COUNT_KEY[:-1]] + [lapse_sql(row, sqlite)]
    return [f"{row}.{name}" for name in PEOPLE_KEY]


def _add(table: str, row: str, delta: int, alias: str = "") -> str:
    """``_upsert`` on SQLite (no alias) or PostgreSQL."""
    return _upsert(table, row, delta, alias, sqlite=not alias)


def _upsert(table: str, row: str, delta: int, alias: str, sqlite: bool) -> str:
    """The upsert adding ``delta`` to the count of ``row``'s group."""
    key = COUNT_KEY if table == "audience_counts" else PEOPLE_KEY
    target = f"{table} AS {alias}" if alias else table
    current = f"{alias}.n" if alias else "n"
    return (
        f"INSERT INTO {target} ({', '.join(key)}, n)"  # noqa: S608
        f" VALUES ({', '.join(_values(table, row, sqlite))},"
        f" {delta}) ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {current} + excluded.n"
    )


def _changed(table: str, sqlite: bool) -> str:
    """True when an updated row moved to another group."""
    values = zip(_values(table, "OLD", sqlite), _values(table, "NEW", sqlite), strict=True)
    differ = "IS NOT" if sqlite else "IS DISTINCT FROM"
    return " OR ".join(f"({old}) {differ} ({new})" for old, new in values)


_COUNTED = {"permissions": "audience_counts", "audience_people": "audience_people_counts"}
_WHEN = {"permissions": "", "audience_people": f".facts >= {OBJECTED}"}


def _sqlite_update(source: str) -> str:
    """SQLite's update trigger: the old group loses one and the new gains one (each only when
    counted), as two upserts from a ``SELECT ... WHERE`` (no ``FROM``, so its ``ON CONFLICT``
    cannot be read as a join's)."""
    table, only = _COUNTED[source], _WHEN[source]
    key = COUNT_KEY if table == "audience_counts" else PEOPLE_KEY
    parts = []
    for row, delta in (("OLD", -1), ("NEW", 1)):
        where = f"{row}{only}" if only else "1"
        parts.append(
            f"INSERT INTO {table} ({', '.join(key)}, n)"
            f" SELECT {', '.join(_values(table, row, True))},"
            f" {delta} WHERE {where} ON CONFLICT ({', '.join(key)})"
            " DO UPDATE SET n = n + excluded.n;"
        )
    return f"BEGIN {' '.join(parts)} END"


def sqlite_ddl() -> list[str]:
    """The six SQLite triggers."""
    ddl = []
    for source, table in _COUNTED.items():
        only, name = _WHEN[source], _prefix(source)
        when_new = f" WHEN NEW{only}" if only else ""
        when_old = f" WHEN OLD{only}" if only else ""
        ddl.append(
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source}{when_new}"
            f" BEGIN {_add(table, 'NEW', 1)}; END"
        )
        ddl.append(
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {source}{when_old}"
            f" BEGIN {_add(table, 'OLD', -1)}; END"
        )
        counted = f"(OLD{only} OR NEW{only}) AND " if only else ""
        ddl.append(
            f"CREATE TRIGGER {name}_update AFTER UPDATE ON {source}"
            f" WHEN {counted}({_changed(table, True)}) {_sqlite_update(source)}"
        )
    return ddl


def _prefix(source: str) -> str:
    return f"{source}_count"


def _pg_function(source: str) -> str:
    """The PostgreSQL trigger function of ``source``: the old group loses one, the new gains
    one, each only when counted; on an update the two counts are taken in key order."""
    table, only = _COUNTED[source], _WHEN[source]
    old_key = f"ROW({', '.join(_values(table, 'OLD', False))})"
    new_key = f"ROW({', '.join(_values(table, 'NEW', False))})"
    sub, add = f"{_add(table, 'OLD', -1, 'c')};", f"{_add(table, 'NEW', 1, 'c')};"
    if only:
        sub, add = f"IF OLD{only} THEN {sub} END IF;", f"IF NEW{only} THEN {add} END IF;"
    return (
        f"CREATE FUNCTION {_prefix(source)}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP = 'INSERT' THEN {add}"
        f" ELSIF TG_OP = 'DELETE' THEN {sub}"
        f" ELSIF {old_key} < {new_key} THEN {sub} {add}"
        f" ELSE {add} {sub} END IF;"
        " RETURN NULL; END $$"
    )


def postgresql_ddl() -> list[str]:
    """The two PostgreSQL trigger functions and their six triggers."""
    ddl = []
    for source, table in _COUNTED.items():
        only, name = _WHEN[source], _prefix(source)
        ddl.append(_pg_function(source))
        call = f"FOR EACH ROW {{}}EXECUTE FUNCTION {name}()"
        when_new = f"WHEN (NEW{only}) " if only else ""
        when_old = f"WHEN (OLD{only}) " if only else ""
        counted = f"(OLD{only} OR NEW{only}) AND " if only else ""
        ddl.append(
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source} " + call.format(when_new)
        )
        ddl.append(
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {source} " + call.format(when_old)
        )
        changed = _changed(table, False)
        ddl.append(
            f"CREATE TRIGGER {name}_update AFTER UPDATE ON {source} "
            + call.format(f"WHEN ({counted}({changed})) ")
        )
    return ddl


def create_triggers(conn: Connection) -> None:
    """Create the triggers that keep the counts (in a migration, or after a table rebuild)."""
    sqlite = conn.dialect.name == "sqlite"
    for statement in sqlite_ddl() if sqlite else postgresql_ddl():
        conn.exec_driver_sql(statement)


def drop_triggers(conn: Connection) -> None:
    """Drop the triggers (and on PostgreSQL their functions)."""
    sqlite = conn.dialect.name == "sqlite"
    for name in TRIGGER_NAMES:
        source = "permissions" if name.startswith("permissions") else "audience_people"
        on = "" if sqlite else f" ON {source}"
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on}")
    if not sqlite:
        for source in _COUNTED:
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {_prefix(source)}()")


def _recount_permissions(sqlite: bool) -> str:
    return (
        f"SELECT {', '.join(COUNT_KEY)}, count(*) FROM (SELECT {', '.join(COUNT_KEY[:-1])},"  # noqa: S608
        f" {lapse_sql('permissions', sqlite)} AS lapse FROM permissions) AS kept"
        f" GROUP BY {', '.join(COUNT_KEY)}"
    )


_RECOUNT_PEOPLE = (
    "SELECT facts, purposes, count(*) FROM audience_people"  # noqa: S608
    f" WHERE facts >= {OBJECTED} GROUP BY facts, purposes"
)

Counts = dict[tuple[object, ...], int]
"""Counts by key (``COUNT_KEY`` or ``PEOPLE_KEY``), none zero."""


def _read(conn: Connection, sql: str) -> Counts:
    return {tuple(row[:-1]): int(row[-1]) for row in conn.exec_driver_sql(sql) if row[-1]}


def recounted(conn: Connection) -> tuple[Counts, Counts]:
    """What the two tables should hold, counted from the rows they count."""
    sqlite = conn.dialect.name == "sqlite"
    return _read(conn, _recount_permissions(sqlite)), _read(conn, _RECOUNT_PEOPLE)


def kept(conn: Connection) -> tuple[Counts, Counts]:
    """What the two tables hold (zero counts left out)."""
    return (
        _read(conn, f"SELECT {', '.join(COUNT_KEY)}, n FROM audience_counts"),  # noqa: S608
        _read(conn, f"SELECT {', '.join(PEOPLE_KEY)}, n FROM audience_people_counts"),  # noqa: S608
    )


def recount(conn: Connection) -> int:
    """Rebuild both tables from the rows they count, in the caller's transaction; returns how
    many kept counts were wrong (a key missing, extra or off). On PostgreSQL the tables are
    locked first (``EXCLUSIVE``: readers go on, writers wait), so a writer's delta is either
    in the rows recounted or added after."""
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql("LOCK TABLE audience_counts, audience_people_counts IN EXCLUSIVE MODE")
    truth, held = recounted(conn), kept(conn)
    wrong = sum(
        len(set(want) ^ set(have))
        + sum(1 for key in want if key in have and want[key] != have[key])
        for want, have in zip(truth, held, strict=True)
    )
    for table, key, counts in (
        ("audience_counts", COUNT_KEY, truth[0]),
        ("audience_people_counts", PEOPLE_KEY, truth[1]),
    ):
        conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608
        if counts:
            names = ", ".join(key)
            marks = ", ".join(f":{name}" for name in key)
            conn.execute(
                text(f"INSERT INTO {table} ({names}, n) VALUES ({marks}, :n)"),  # noqa: S608
                [dict(zip((*key, "n"), (*k, n), strict=True)) for k, n in counts.items()],
            )
    return wrong
