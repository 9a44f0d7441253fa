"""The one writer of new people: their rows (person, purposes, blind index) and their audit event.

``contacts.collect.create_people`` (the API, the pages, sign-ups) and the bulk import
(``transfer``) both create people through ``NewPeople``, so a new person is stored the same way
whoever collects them: the fields sealed under the person's own key, the blind-index digests of
the searchable ones, each purpose with when the data was collected for it (Art. 5(1)(b)), and a
``PersonCreated`` event that names the fields, never their values. The rows go in through the
driver's ``executemany`` (``repository.insert_people``): the bulk paths write thousands a batch.

Validating the values, making the keys and sealing stay with the callers: the import does them
in a worker process, before it knows which rows create a person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from kluis.actors import Actor, holds_purpose
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import PersonCreated
from kluis.contacts import custom_store, index_keys, repository, rules
from kluis.contacts.fields import BY_NAME
from kluis.db import bulk_time
from kluis.errors import PurposeRefused
from kluis.purposes.rules import Purpose

_POSITION = {name: i for i, name in enumerate(repository.PEOPLE_COLUMNS)}
_ID = _POSITION["id"]
_RELATIONSHIP = _POSITION["relationship"]
_LANGUAGE = _POSITION["language"]
_COMPANY = _POSITION["company_id"]
_OWNER = _POSITION["owner_id"]
_INDEX_KEYS = _POSITION["index_keys"]


def check_collects(actor: Actor, purpose: Purpose) -> None:
    """Refuse collecting data for a purpose the actor's role does not hold (purpose limitation,
    Art. 5(1)(b)): the check of every way people are created."""
    if not holds_purpose(actor.role, purpose.roles):
        raise PurposeRefused(
            f"role {actor.role.value} may not collect data for purpose {purpose.key!r}",
            field="purposes",
        )


def index_entries(
    stored: Mapping[str, str], blind_index: Callable[[str, str], bytes]
) -> list[tuple[str, bytes]]:
    """(field, digest) of the blind index of ``stored`` (normalised values by field name): one
    per term of each searchable field (``rules.index_terms``), made with ``blind_index``
    (``Vault.blind_index``, which a worker process inherits)."""
    entries: list[tuple[str, bytes]] = []
    for name, value in stored.items():
        kind = BY_NAME[name].index
        if kind is None:
            continue
        for term in rules.index_terms(BY_NAME[name], value):
            entries.append((name, blind_index(kind, term)))
    return entries


class NewPeople:
    """New people gathered for one bulk insert, in the caller's transaction: their rows in the
    driver's form and their ``PersonCreated`` events, which the caller records with its own."""

    def __init__(self, conn: Connection, now: datetime, source: str) -> None:
        self.at = bulk_time(conn, now)
        """When they were created, collected and last in contact: ``now`` as the driver takes it."""
        self.source = source
        self._template: list[Any] = [None] * len(repository.PEOPLE_COLUMNS)
        for name in ("created_at", "updated_at", "last_interaction_at"):
            self._template[_POSITION[name]] = self.at
        self.people: list[tuple[Any, ...]] = []
        self.purposes: list[tuple[Any, ...]] = []
        self.index: list[tuple[Any, ...]] = []
        self.custom: list[tuple[Any, ...]] = []
        self.events: list[AuditEvent] = []
        self._fields: dict[tuple[str, ...], tuple[str, ...]] = {}
        """The sorted field names of each set of fields given (in the order given): a bulk
        insert's people mostly have the same few."""

    def add(
        self,
        person_id: str,
        relationship: str,
        language: str,
        purposes: tuple[str, ...],
        sealed: Mapping[str, bytes],
        index: Iterable[tuple[str, bytes]],
        company_id: int | None = None,
        *,
        packed: bytes | None = None,
        owner_id: int | None = None,
        custom: Mapping[str, tuple[int, bytes, bytes | None]] | None = None,
    ) -> None:
        """One person: ``sealed`` their fields sealed under their key (``PersonCipher.seal_all``
        of the normalised values), ``index`` their ``index_entries``, which their row lists too
        (``contacts.index_keys``: how erasure finds them). ``packed``: that list made already
        (by the import's worker, from ``index`` without repeats). ``owner_id``: the staff user
        who looks after them. ``custom``: their custom values by name (``custom.<key>``), each
        its field's id, the value sealed under their key and its blind-index digest (or None),
        stored in the same insert (``custom_store.insert_values``)."""
        values = self._template.copy()
        values[_ID] = person_id
        values[_RELATIONSHIP] = relationship
        values[_LANGUAGE] = language
        values[_COMPANY] = company_id
        values[_OWNER] = owner_id
        for name, ciphertext in sealed.items():
            values[_POSITION[name]] = ciphertext
        entries = index if packed is not None else set(index)
        values[_INDEX_KEYS] = packed if packed is not None else index_keys.pack(entries)
        self.people.append(tuple(values))
        at = self.at
        self.purposes += [(person_id, key, at) for key in purposes]
        self.index += [(name, digest, person_id) for name, digest in entries]
        names = tuple(sealed)
        if custom:
            self.custom += [(person_id, i, blob, d) for i, blob, d in custom.values()]
            names += tuple(custom)
        fields = self._fields.get(names)
        if fields is None:
            fields = self._fields[names] = tuple(sorted(names))
        self.events.append(
            PersonCreated(
                person_id=person_id,
                relationship=relationship,
                purposes=purposes,
                fields=fields,
                source=self.source,
            )
        )

    def insert(self, conn: Connection) -> None:
        """Insert every row gathered; the keys of these people must be stored already."""
        # in key order: consecutive inserts meet the same pages of the index's B-tree (the rows'
        # order carries no meaning; look-ups order by key). By field, then by digest alone:
        # the stable sort keeps people in the order added, and bytes compare faster than tuples
        by_field: dict[str, list[tuple[Any, ...]]] = {}
        for row in self.index:
            by_field.setdefault(row[0], []).append(row)
        ordered: list[tuple[Any, ...]] = []
        for name in sorted(by_field):
            ordered += sorted(by_field[name], key=itemgetter(1))
        repository.insert_people(conn, self.people, self.purposes, ordered)
        # by field and digest, as the blind index: its digest index meets the same pages
        self.custom.sort(key=lambda row: (row[1], row[3] or b""))
        custom_store.insert_values(conn, self.custom)
