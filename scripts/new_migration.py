"""Write the next Alembic revision of a store by comparing the models with a fresh database.

Usage: .venv/bin/python scripts/new_migration.py data|keyring "message" d0006
Then run ruff format on the new file and read it before committing.
"""

import os
import sys
import tempfile

from alembic import command

from kluis import db, models  # noqa: F401  (all tables registered)

store, message, rev_id = sys.argv[1], sys.argv[2], sys.argv[3]
with tempfile.TemporaryDirectory() as tmp:
    engine = db.make_engine(f"sqlite:///{os.path.join(tmp, store)}.db")
    cfg = db._alembic_config(store)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
