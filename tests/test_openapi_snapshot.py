"""The OpenAPI document is the API's contract: a change to a response model (a service dataclass
answering in place of a ``*Public`` model) must leave it as it was. The document is compared
with the snapshot committed in ``tests/openapi.json``; an intended change of the API rewrites
the snapshot (``.venv/bin/python scripts/openapi_snapshot.py``) in the same commit, so the
review sees the difference in the document itself."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from api_helpers import anonymous_client
from kluis.runtime import Kluis

SNAPSHOT = Path(__file__).parent / "openapi.json"


def dumped(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_openapi_document_is_the_committed_snapshot(kluis: Kluis) -> None:
    served = dumped(anonymous_client(kluis).get("/api/v1/openapi.json").json())
    kept = SNAPSHOT.read_text(encoding="utf-8")
    difference = "".join(
        difflib.unified_diff(
            kept.splitlines(keepends=True),
            served.splitlines(keepends=True),
            "tests/openapi.json",
            "served",
            n=2,
        )
    )
    assert not difference, difference[:6000]
