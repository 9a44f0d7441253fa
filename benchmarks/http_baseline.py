"""The baseline server of ``benchmarks/web_requests.py``: a minimal FastAPI app whose one
route, ``GET /api/v1/contacts/{person_id}``, runs the SELECTs Kluis's route runs for a read
(captured by ``web_requests.py`` with SQLAlchemy's cursor events and written to a pickle file),
inside the same transactions on the same two databases, with the person's id put in where
Kluis had it; it answers the rows as JSON. No token check, no decryption, no purpose rules, no
audit entry: what Kluis costs beyond its queries.

uvicorn builds it in each worker process from the environment (``factory=True``):
``HTTP_BENCH_SQL`` (the pickle), ``HTTP_BENCH_DATA_URL`` and ``HTTP_BENCH_KEYRING_URL``.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Connection, RootTransaction, create_engine

Step = tuple[str, str, str, dict[str, Any]]
"""(store, action, statement, parameters): action ``begin``, ``sql``, ``commit`` or
``rollback``; statement and parameters only for ``sql``."""


def _value(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def create() -> FastAPI:
    steps: list[Step] = pickle.loads(Path(os.environ["HTTP_BENCH_SQL"]).read_bytes())  # noqa: S301
    person = os.environ["HTTP_BENCH_PERSON"]
    engines = {
        "data": create_engine(os.environ["HTTP_BENCH_DATA_URL"], pool_pre_ping=True),
        "keyring": create_engine(os.environ["HTTP_BENCH_KEYRING_URL"], pool_pre_ping=True),
    }
    app = FastAPI()

    @app.get("/api/v1/contacts/{person_id}")
    def read(person_id: str, purpose: str) -> dict[str, Any]:
        open_: dict[str, tuple[Connection, RootTransaction]] = {}
        rows: list[list[Any]] = []
        for store, action, statement, parameters in steps:
            if action == "begin":
                conn = engines[store].connect()
                open_[store] = (conn, conn.begin())
            elif action == "sql":
                conn = open_[store][0]
                bound = {k: person_id if v == person else v for k, v in parameters.items()}
                result = conn.exec_driver_sql(statement, bound)
                rows.extend([_value(v) for v in row] for row in result)
            else:
                conn, transaction = open_.pop(store)
                if action == "commit":
                    transaction.commit()
                else:
                    transaction.rollback()
                conn.close()
        for conn, transaction in open_.values():
            transaction.rollback()
            conn.close()
        return {"id": person_id, "purpose": purpose, "rows": rows}

    return app
