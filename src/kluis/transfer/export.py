"""Export of the people held for one purpose: only the fields that purpose may use, streamed in
pages (each page a short transaction, each person's read audited by ``contacts.people``).

The file written is personal data in plain text; it is created readable by its owner only, and
docs/import.md says to keep it no longer than needed.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import PersonRead
from kluis.audit.request_events import ExportWritten
from kluis.contacts import custom_fields, custom_rules, owners
from kluis.contacts import people as contacts
from kluis.contacts.custom_fields import CustomValueOut
from kluis.contacts.custom_rules import CustomField, custom_cell
from kluis.contacts.fields import PERSONAL_FIELDS, PersonalField
from kluis.contacts.vcard import person_vcard
from kluis.csvout import Writer
from kluis.errors import InvalidField, NotFound
from kluis.purposes import repository as purposes_repo
from kluis.runtime import Kluis
from kluis.transfer import repository

PAGE = 500


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    VCF = "vcf"


def parse_format(value: str) -> ExportFormat:
    try:
        return ExportFormat(value)
    except ValueError:
        raise InvalidField("format is not csv, json or vcf", field="format") from None


Custom = dict[str, dict[str, CustomValueOut]]
"""Custom values by person and field key (``custom_fields.read_many``)."""


def _pages(
    k: Kluis, actor: Actor, purpose_key: str, now: datetime, page: int
) -> Iterator[tuple[list[contacts.PersonView], Custom]]:
    with k.engine.connect() as conn:
        purpose = purposes_repo.get(conn, purpose_key)
    if purpose is None:
        raise NotFound(f"there is no purpose {purpose_key!r}", field="purpose")
    scope = None if purpose.covers_everyone else purpose.key
    after: tuple[datetime, str] | None = None
    while True:
        with k.engine.begin() as conn:
            keys = repository.export_page(conn, scope, after, page)
        if not keys:
            return
        after = keys[-1]
        views = contacts.read_people(k, actor, [i for _, i in keys], purpose_key, now, via="export")
        ids = [v.id for v in views]
        yield views, custom_fields.read_many(k, actor, purpose_key, ids, now, "export")


def export_people(
    k: Kluis,
    actor: Actor,
    path: Path,
    purpose_key: str,
    fmt: ExportFormat,
    now: datetime,
    *,
    page: int = PAGE,
) -> int:
    """Write everyone held for ``purpose_key`` to ``path``; returns how many people."""
    with k.engine.connect() as conn:
        purpose = purposes_repo.get(conn, purpose_key)
    if purpose is None:
        raise NotFound(
            f"there is no purpose {purpose_key!r}; `kluis purposes list` shows the catalogue",
            field="purpose",
        )
    fields = [f for f in PERSONAL_FIELDS if purpose.may_use(f.category)]
    custom = custom_rules.readable(custom_fields.fields(k), purpose)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    count = 0
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        write = _WRITERS[fmt](handle, fields, custom)
        next(write)
        for views, values in _pages(k, actor, purpose_key, now, page):
            for view in views:
                write.send((view, values.get(view.id, {})))
                count += 1
        write.close()
    with k.engine.begin() as conn:
        audit.record(conn, actor.ref, now, [ExportWritten(purpose_key, fmt.value, count)])
    return count


_Writer = Iterator[None]


def _text(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def _csv(handle: IO[str], fields: list[PersonalField], custom: list[CustomField]) -> Any:
    writer = Writer(handle)
    header = ["id", "relationship", "language", *(f.name for f in fields)]
    writer.writerow(header + [f.name for f in custom])
    while True:
        try:
            view, values = yield
        except GeneratorExit:
            return
        writer.writerow(
            [
                view.id,
                view.relationship,
                view.language,
                *(_text(view.fields[f.name]) if f.name in view.fields else "" for f in fields),
                *(custom_cell(values.get(f.key)) for f in custom),
            ]
        )


def _json(handle: IO[str], fields: list[PersonalField], custom: list[CustomField]) -> Any:
    handle.write("[")
    first = True
    try:
        while True:
            view, values = yield
            item = {
                "id": view.id,
                "relationship": view.relationship,
                "language": view.language,
                "purposes": list(view.purposes),
                **{f.name: view.fields[f.name] for f in fields if f.name in view.fields},
                **({"custom": values} if values else {}),
            }
            handle.write(("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False))
            first = False
    except GeneratorExit:
        handle.write("\n]\n")


def _vcf(handle: IO[str], fields: list[PersonalField], custom: list[CustomField]) -> Any:
    while True:
        try:
            view, _ = yield
        except GeneratorExit:
            return
        handle.write(
            person_vcard(view.id, view.fields, language=view.language, updated_at=view.updated_at)
        )


_WRITERS = {ExportFormat.CSV: _csv, ExportFormat.JSON: _json, ExportFormat.VCF: _vcf}


def export_selection(
    k: Kluis, actor: Actor, ids: Sequence[str], purpose_key: str, now: datetime
) -> tuple[str, int]:
    """A selection of the people list as CSV text, under the working purpose: the same columns
    as ``export_people`` (only the fields the purpose may use), each person a ``person.read``
    with ``via`` ``export`` and the file an ``export.written``, in one transaction. A person
    the actor may not process under the purpose refuses the whole selection
    (``contacts.owners.visible_selection``) rather than be left out silently."""
    chosen = owners.selection(ids)
    handle = io.StringIO()
    with k.engine.begin() as conn:
        purpose = owners.visible_selection(k, conn, actor, chosen, purpose_key)
        views, _ = contacts.views_of(k, conn, purpose, chosen)
        fields = [f for f in PERSONAL_FIELDS if purpose.may_use(f.category)]
        custom = custom_rules.readable(custom_fields.fields(k, conn), purpose)
        values = custom_fields.values_under(k, conn, purpose, [v.id for v in views])
        write = _csv(handle, fields, custom)
        next(write)
        for view in views:
            write.send((view, values.get(view.id, {})))
        write.close()
        events: list[AuditEvent] = [
            PersonRead(
                v.id,
                purpose.key,
                tuple(
                    sorted([*v.fields, *(custom_rules.PREFIX + c for c in values.get(v.id, {}))])
                ),
                "export",
            )
            for v in views
        ]
        events.append(ExportWritten(purpose.key, ExportFormat.CSV.value, len(views)))
        audit.record(conn, actor.ref, now, events)
    return handle.getvalue(), len(views)
