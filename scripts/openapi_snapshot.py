"""Write the OpenAPI document the app serves to tests/openapi.json, the snapshot that
``tests/test_openapi_snapshot.py`` compares with: run it when the API changes on purpose, and
commit the new snapshot with the change.

Usage: .venv/bin/python scripts/openapi_snapshot.py
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from kluis.app import create_app
from kluis.opening import open_kluis
from kluis.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
KEY = "q7yGFz8bQm1mDqQ4w0bL1S7yY2m0jv5eYc5o0lQ7k2Y="
"""A throwaway key for a throwaway store (the one the tests use)."""
SNAPSHOT = ROOT / "tests" / "openapi.json"


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        kluis = open_kluis(Settings(data_dir=Path(data_dir), master_key=KEY), create=True)
        document = TestClient(create_app(kluis)).get("/api/v1/openapi.json").json()
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    SNAPSHOT.write_text(text, encoding="utf-8")
    print(f"{SNAPSHOT.relative_to(ROOT)}: {len(document['paths'])} paths")


if __name__ == "__main__":
    main()
