"""The privacy requests' side of searching old files (``kluis.discover``, one floor down):
which person and type of request a search is for, the searches shown on the request page, and
what the erasure certificate says of them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.discover import capture
from kluis.discover import service as discover
from kluis.requests import repository
from kluis.runtime import Kluis
from kluis.ui import words
from kluis.ui.vocabulary import N_


def target(k: Kluis, request_id: int) -> discover.Target:
    """The request's person and type (NotFound when there is no such request)."""
    with k.engine.connect() as conn:
        row = repository.fetch(conn, request_id)
    return discover.Target(row.id, row.person_id, row.type)


PLACES = (
    (re.compile(r"line (?P<line>\d+)"), N_("line %(line)s")),
    (
        re.compile(r"sheet (?P<sheet>.*), cell (?P<cell>[A-Z]+\d+)"),
        N_("sheet %(sheet)s, cell %(cell)s"),
    ),
    (re.compile(r"message (?P<message>.*)"), N_("message %(message)s")),
    (re.compile(r"page (?P<page>\d+)"), N_("page %(page)s")),
    (re.compile(r"card (?P<card>\d+) \(line (?P<line>\d+)\)"), N_("card %(card)s (line %(line)s)")),
)
"""The places ``kluis.discover`` reports (in English, as the command prints them), said in the
staff page's language."""


def say_place(language: str, place: str) -> str:
    for pattern, message in PLACES:
        found = pattern.fullmatch(place)
        if found is not None:
            return words.gettext(language, message, **found.groupdict())
    return place


def page_part(
    k: Kluis, actor: Actor, request_id: int, request_type: str, language: str
) -> dict[str, Any]:
    """What ``staff/_discover.html`` shows: whether the request is searched, and its searches
    (places in the page's language)."""
    searchable = request_type in discover.SEARCHED_TYPES
    reports = discover.reports(k, actor, request_id) if searchable else []
    for report in reports:
        for item in report.files:
            for hit in item.hits:
                hit["place"] = say_place(language, hit["place"])
    return {
        "searchable": searchable,
        "reports": reports,
        "max_mib": k.settings.discover_upload_max_bytes // (1024 * 1024),
    }


def capture_for_erasure(k: Kluis, actor: Actor, row: Any, now: datetime) -> None:
    """Before the erasure destroys the person's key: keep what a later search needs."""
    capture.capture(k, actor, row.id, row.person_id, now)


def certificate_part(k: Kluis, actor: Actor, request_id: int) -> dict[str, list[str]]:
    return discover.certificate_part(k, actor, request_id)
