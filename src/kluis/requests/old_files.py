"""The privacy requests' side of searching old files (``kluis.discover``, one floor down):
which person and type of request a search is for, the searches shown on the request page, and
what the erasure certificate says of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.discover import capture
from kluis.discover import service as discover
from kluis.requests import repository
from kluis.runtime import Kluis


def target(k: Kluis, request_id: int) -> discover.Target:
    """The request's person and type (NotFound when there is no such request)."""
    with k.engine.connect() as conn:
        row = repository.fetch(conn, request_id)
    return discover.Target(row.id, row.person_id, row.type)


def page_part(k: Kluis, actor: Actor, request_id: int, request_type: str) -> dict[str, Any]:
    """What ``staff/_discover.html`` shows: whether the request is searched, and its searches."""
    searchable = request_type in discover.SEARCHED_TYPES
    return {
        "searchable": searchable,
        "reports": discover.reports(k, actor, request_id) if searchable else [],
        "max_mib": k.settings.discover_upload_max_bytes // (1024 * 1024),
    }


def capture_for_erasure(k: Kluis, actor: Actor, row: Any, now: datetime) -> None:
    """Before the erasure destroys the person's key: keep what a later search needs."""
    capture.capture(k, actor, row.id, row.person_id, now)


def certificate_part(k: Kluis, actor: Actor, request_id: int) -> dict[str, list[str]]:
    return discover.certificate_part(k, actor, request_id)
