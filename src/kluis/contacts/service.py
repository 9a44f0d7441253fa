"""Use cases about people: collect, read under a purpose, search, rectify, erase.

Every read names a purpose and returns only the fields whose data category that purpose may use;
fields it may not use are never decrypted (Art. 5(1)(b)-(c), DESIGN.md invariant 3). Every change
and every read is audited in the same transaction, naming the person by opaque id only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Row

from kluis.actors import ERASE_ROLES, Actor, holds_purpose
from kluis.audit import service as audit
from kluis.audit.events import (
    AuditEvent,
    PersonCreated,
    PersonErasedEvent,
    PersonMinimised,
    PersonPurposeAdded,
    PersonPurposesChanged,
    PersonRead,
    PersonSearched,
    PersonUpdated,
    SuppressionAdded,
    SuppressionRemoved,
)
from kluis.consent import repository as consent_repo
from kluis.consent import rules as consent_rules
from kluis.contacts import repository, rules
from kluis.contacts.fields import BY_NAME, NAME_FIELDS, PERSONAL_FIELDS, PersonalField
from kluis.db import to_db_time
from kluis.errors import (
    Conflict,
    InvalidField,
    NotFound,
    PermissionDenied,
    PersonErased,
    PurposeRefused,
    Restricted,
    Suppressed,
)
from kluis.ids import new_person_ids
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import LawfulBasis, Purpose
from kluis.register import repository as register_repo
from kluis.runtime import Kluis
from kluis.vault import register as register_entry
from kluis.vault.crypto import PersonCipher
from kluis.vault.service import SUPPRESSION_KINDS

FieldValue = str | list[str]


@dataclass(frozen=True)
class NewPerson:
    relationship: str
    purposes: Sequence[str]
    fields: Mapping[str, FieldValue | None]
    language: str = "nl"
    company_id: int | None = None


@dataclass(frozen=True)
class PersonView:
    """A person as one purpose may see them: ``fields`` holds only what that purpose may use."""

    id: str
    purpose: str
    relationship: str
    language: str
    company_id: int | None
    purposes: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    fields: dict[str, FieldValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    items: list[PersonView]
    total: int
    limit: int
    offset: int


def _ctx(k: Kluis, now: datetime) -> rules.NormaliseContext:
    return rules.NormaliseContext(region=k.settings.default_region, today=now.date())


def _purpose_for(conn: Connection, actor: Actor, key: str, field: str = "purpose") -> Purpose:
    purpose = purposes_repo.get(conn, key)
    if purpose is None:
        raise NotFound(
            f"there is no purpose {key!r}; `kluis purposes list` shows the catalogue",
            field=field,
        )
    if not holds_purpose(actor.role, purpose.roles):
        raise PurposeRefused(
            f"role {actor.role.value} does not hold purpose {key!r}; ask an admin for a role that "
            "does, or work under one of your own purposes",
            field=field,
        )
    return purpose


def _batched(items: Iterable[NewPerson], size: int) -> Iterator[list[NewPerson]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass
class _Prepared:
    item: NewPerson
    relationship: str
    language: str
    stored: dict[str, str]


def _prepare(
    item: NewPerson, purposes: dict[str, Purpose], actor: Actor, ctx: rules.NormaliseContext
) -> _Prepared:
    relationship = rules.parse_relationship(item.relationship).value
    language = rules.parse_language(item.language)
    if not item.purposes:
        raise InvalidField(
            "name at least one purpose the data is collected for; data is not kept without one "
            "(Art. 5(1)(b), 6)",
            field="purposes",
        )
    chosen: list[Purpose] = []
    for key in item.purposes:
        purpose = purposes.get(key)
        if purpose is None:
            raise InvalidField(f"there is no purpose {key!r}", field="purposes")
        if not holds_purpose(actor.role, purpose.roles):
            raise PurposeRefused(
                f"role {actor.role.value} may not collect data for purpose {key!r}",
                field="purposes",
            )
        chosen.append(purpose)
    stored: dict[str, str] = {}
    for name, value in item.fields.items():
        declared = BY_NAME.get(name)
        if declared is None:
            raise InvalidField(f"unknown field {name!r}", field=name)
        if value is None:
            continue
        if not any(p.may_use(declared.category) for p in chosen):
            keys = ", ".join(p.key for p in chosen)
            raise PurposeRefused(
                f"{name} ({declared.category}) is used by none of the purposes given ({keys}); "
                "collect it only for a purpose that needs it (Art. 5(1)(c))",
                field=name,
            )
        stored[name] = rules.normalise(declared, value, ctx)
    return _Prepared(item, relationship, language, stored)


def _index_rows(k: Kluis, person_id: str, stored: Mapping[str, str]) -> list[dict[str, Any]]:
    rows = []
    for name, value in stored.items():
        declared = BY_NAME[name]
        if declared.index is None:
            continue
        for term in rules.index_terms(declared, value):
            rows.append(
                {
                    "field": name,
                    "digest": k.vault.blind_index(declared.index, term),
                    "person_id": person_id,
                }
            )
    return rows


def _email_digest(k: Kluis, stored: str) -> bytes:
    return k.vault.blind_index("email", rules.email_index_term(stored))


_SUPPRESSIBLE: dict[str, str] = {
    f.name: f.index for f in PERSONAL_FIELDS if f.index is not None and f.index in SUPPRESSION_KINDS
}
"""Field name -> blind-index kind of the fields the suppression list holds (e-mail, phone)."""


def _suppressible(k: Kluis, stored: Mapping[str, str]) -> list[tuple[str, bytes]]:
    """(kind, digest) of the e-mail address and phone number among ``stored`` values."""
    found = []
    for name, kind in _SUPPRESSIBLE.items():
        if name in stored:
            for term in rules.index_terms(BY_NAME[name], stored[name]):
                found.append((kind, k.vault.blind_index(kind, term)))
    return found


def contact_digests(k: Kluis, conn: Connection, person_id: str) -> list[tuple[str, bytes]]:
    """The blind-index digests of the person's e-mail address and phone number as (kind,
    digest): what the suppression list keeps of them. Read from the index rows, so nothing is
    decrypted; call it before the rows are deleted."""
    rows = repository.index_digests(conn, person_id, list(_SUPPRESSIBLE))
    return [(_SUPPRESSIBLE[name], digest) for name, digest in rows]


def create_people(
    k: Kluis,
    actor: Actor,
    items: Iterable[NewPerson],
    now: datetime,
    *,
    batch_size: int = 1000,
    source: str = "api",
    allow_suppressed: bool = False,
) -> list[str]:
    """Collect many people: validated, encrypted, indexed and audited, one transaction a batch.

    A person whose e-mail address is already held is refused (409) naming who holds it, so the
    same person is never kept twice. A person whose e-mail address or phone number is on the
    suppression list (erased, or objected to direct marketing) is refused for a marketing
    purpose (409 ``suppressed``), unless ``allow_suppressed``: the one path for that is the
    person signing up again themselves with a double opt-in (their own new consent, Art. 7),
    which also takes their digests off the list.
    """
    ctx = _ctx(k, now)
    with k.engine.connect() as conn:
        purposes = {p.key: p for p in purposes_repo.all_purposes(conn)}
    marketing = _marketing(k, purposes)
    created: list[str] = []
    position = 0
    for batch in _batched(items, batch_size):
        prepared: list[_Prepared] = []
        for item in batch:
            position += 1
            try:
                prepared.append(_prepare(item, purposes, actor, ctx))
            except InvalidField as exc:
                if position > 1 or batch_size > 1:
                    exc.detail = f"person {position}: {exc.detail}"
                raise
        first = position - len(prepared) + 1
        with k.engine.begin() as conn:
            _check_batch(k, conn, actor, prepared, first)
            listed = _check_suppressed(k, prepared, first, marketing, allow_suppressed)
            ids = new_person_ids(len(prepared))
            ciphers = k.vault.create_keys(ids, now)
            rows = _rows(k, ids, prepared, ciphers, now, source)
            rows.events.extend(
                SuppressionRemoved(ids[offset], tuple(sorted({kind for kind, _ in entries})))
                for offset, entries in listed.items()
            )
            repository.insert_people(conn, rows.people, rows.purposes, rows.index)
            audit.record(conn, actor.ref, now, rows.events)
        # Only once the people are stored: a failure in between leaves the address on the list
        # (a refusal later), never off the list without the sign-up that took it off.
        if listed:
            k.vault.unsuppress((d for entries in listed.values() for _, d in entries), now)
        created.extend(ids)
    return created


_SUPPRESSION_WHY = {
    "erased": "its holder was erased (Art. 17)",
    "objected": "its holder objected to direct marketing (Art. 21(3))",
}
_SUPPRESSION_WHAT = {"email": "e-mail address", "phone": "phone number"}


def _marketing(k: Kluis, purposes: Mapping[str, Purpose]) -> set[str]:
    """The keys among ``purposes`` that are direct marketing, which the suppression list keeps
    erased and objecting people off (Art. 17, 21(3))."""
    return {
        key for key, p in purposes.items() if rules.is_marketing(p, k.settings.marketing_purpose)
    }


def _suppressed(
    kind: str, reason: str, marketing: Iterable[str], todo: str, *, who: str = ""
) -> Suppressed:
    """The refusal of a listed e-mail address or phone number for a marketing purpose: which
    kind of value (never the value), why it is listed, and ``todo``, what to do instead."""
    return Suppressed(
        f"{who}this {_SUPPRESSION_WHAT[kind]} is on the suppression list because "
        f"{_SUPPRESSION_WHY.get(reason, reason)}, so it is not added to a marketing purpose "
        f"({', '.join(marketing)}) again; {todo}",
        field=kind,
    )


def _check_suppressed(
    k: Kluis,
    prepared: list[_Prepared],
    first: int,
    marketing: set[str],
    allow: bool,
) -> dict[int, list[tuple[str, bytes]]]:
    """Refuse a batch that would add a suppressed e-mail address or phone number to a marketing
    purpose, with one look-up for the whole batch; with ``allow``, return instead the listed
    (kind, digest) entries per position in the batch, to take off the list."""
    wanted: dict[int, list[tuple[str, bytes]]] = {}
    for offset, p in enumerate(prepared):
        if marketing.intersection(p.item.purposes):
            entries = _suppressible(k, p.stored)
            if entries:
                wanted[offset] = entries
    if not wanted:
        return {}
    reasons = k.vault.suppression_reasons(d for entries in wanted.values() for _, d in entries)
    listed: dict[int, list[tuple[str, bytes]]] = {}
    for offset, entries in wanted.items():
        hits = [(kind, digest) for kind, digest in entries if digest in reasons]
        if not hits:
            continue
        if not allow:
            kind, digest = hits[0]
            raise _suppressed(
                kind,
                reasons[digest],
                (key for key in prepared[offset].item.purposes if key in marketing),
                "collect it for another purpose, or let the person sign up again themselves "
                "with a double opt-in",
                who=f"person {first + offset}: ",
            )
        listed[offset] = hits
    return listed


def readable_by(conn: Connection, actor: Actor, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` the actor's role may read under some purpose it holds
    (``rules.may_read``)."""
    held = [p for p in purposes_repo.all_purposes(conn) if holds_purpose(actor.role, p.roles)]
    wanted = list(dict.fromkeys(ids))
    purposes = repository.purposes_of(conn, wanted)
    restricted = repository.restricted(conn, wanted)
    return {
        person_id
        for person_id in wanted
        if rules.may_read(held, purposes[person_id], person_id in restricted)
    }


def _taken(conn: Connection, actor: Actor, owner: str) -> str:
    """How a refusal names the person who holds an e-mail address already: by id to a role that
    may read them, so it can update them instead; to any other role the id would be a way into
    a person outside its purposes (Art. 5(1)(b), 25(2)), so it is left out."""
    if readable_by(conn, actor, [owner]):
        return f"({owner}); update them instead"
    return (
        "(held for purposes your role does not hold, so it is not named); ask an admin or the "
        "privacy officer"
    )


def _check_batch(
    k: Kluis, conn: Connection, actor: Actor, prepared: list[_Prepared], first: int
) -> None:
    """Refuse a batch that would keep an e-mail address twice or name an unknown company,
    before any key is made for it. ``first`` is the position of the batch's first person."""
    emails: dict[bytes, int] = {}
    for offset, p in enumerate(prepared):
        if "email" in p.stored:
            digest = _email_digest(k, p.stored["email"])
            if digest in emails:
                raise Conflict(
                    f"person {first + offset} has the same e-mail address as person "
                    f"{first + emails[digest]}",
                    field="email",
                )
            emails[digest] = offset
    if emails:
        held = repository.owners_of(conn, "email", emails)
        if held:
            digest, owner = next(iter(held.items()))
            raise Conflict(
                f"person {first + emails[digest]}: a person with this e-mail address exists "
                f"already {_taken(conn, actor, owner)}",
                field="email",
            )
    unknown = repository.missing_companies(conn, [p.item.company_id for p in prepared])
    if unknown:
        raise InvalidField(f"there is no company {unknown[0]}", field="company_id")


@dataclass
class _Rows:
    people: list[tuple[Any, ...]] = field(default_factory=list)
    purposes: list[tuple[Any, ...]] = field(default_factory=list)
    index: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[AuditEvent] = field(default_factory=list)


def _rows(
    k: Kluis,
    ids: list[str],
    prepared: list[_Prepared],
    ciphers: Mapping[str, PersonCipher],
    now: datetime,
    source: str,
) -> _Rows:
    """Database rows (driver forms) and audit events of new people: sealed, indexed."""
    at = to_db_time(now)
    rows = _Rows()
    for person_id, p in zip(ids, prepared, strict=True):
        cipher = ciphers[person_id]
        sealed = [
            None if (value := p.stored.get(f.name)) is None else cipher.seal(f.name, value)
            for f in PERSONAL_FIELDS
        ]
        rows.people.append(
            (person_id, p.relationship, p.language, p.item.company_id, at, at, at, *sealed)
        )
        purposes = tuple(dict.fromkeys(p.item.purposes))
        rows.purposes.extend((person_id, key, at) for key in purposes)
        rows.index.extend(
            (r["field"], r["digest"], person_id) for r in _index_rows(k, person_id, p.stored)
        )
        rows.events.append(
            PersonCreated(
                person_id=person_id,
                relationship=p.relationship,
                purposes=purposes,
                fields=tuple(sorted(p.stored)),
                source=source,
            )
        )
    return rows


def create_person(
    k: Kluis,
    actor: Actor,
    item: NewPerson,
    now: datetime,
    source: str = "api",
    *,
    allow_suppressed: bool = False,
) -> str:
    return create_people(
        k, actor, [item], now, batch_size=1, source=source, allow_suppressed=allow_suppressed
    )[0]


def _view(
    row: Row[Any],
    purpose: Purpose,
    purposes: Sequence[str],
    cipher: PersonCipher,
) -> PersonView:
    values: dict[str, FieldValue] = {}
    for declared in PERSONAL_FIELDS:
        blob = getattr(row, declared.name)
        if blob is None or not purpose.may_use(declared.category):
            continue
        values[declared.name] = rules.present(declared, cipher.open(declared.name, blob))
    return PersonView(
        id=row.id,
        purpose=purpose.key,
        relationship=row.relationship,
        language=row.language,
        company_id=row.company_id,
        purposes=tuple(purposes),
        created_at=row.created_at,
        updated_at=row.updated_at,
        fields=values,
    )


def _missing(k: Kluis, person_id: str) -> Exception:
    if k.vault.erased([person_id]):
        return PersonErased(f"person {person_id} was erased; nothing about them can be read")
    return NotFound(f"there is no person {person_id}", field="id")


def _views(
    k: Kluis, conn: Connection, purpose: Purpose, ids: Sequence[str]
) -> tuple[list[PersonView], dict[str, str]]:
    """Views of the people in ``ids`` who hold ``purpose`` (or all, for a purpose covering
    everyone) and whose processing is not restricted (unless the purpose may process restricted
    data, Art. 18(2)), in order; also the ids that were not visible, with why: ``missing``,
    ``purpose`` or ``restricted``."""
    rows = repository.fetch(conn, ids)
    held = repository.purposes_of(conn, list(rows))
    ciphers = k.vault.ciphers(list(rows))
    restricted = (
        set() if rules.may_process_restricted(purpose) else repository.restricted(conn, list(rows))
    )
    views: list[PersonView] = []
    hidden: dict[str, str] = {}
    for person_id in ids:
        row = rows.get(person_id)
        cipher = ciphers.get(person_id)
        purposes = held.get(person_id, [])
        if row is None or cipher is None:
            hidden[person_id] = "missing"
        elif not rules.visible_under(purpose, purposes):
            hidden[person_id] = "purpose"
        elif person_id in restricted:
            hidden[person_id] = "restricted"
        else:
            views.append(_view(row, purpose, purposes, cipher))
    return views, hidden


def _restricted_error(person_id: str, purpose: Purpose) -> Restricted:
    return Restricted(
        f"processing of person {person_id} is restricted (Art. 18): their data is only stored, "
        f"and may not be used under purpose {purpose.key!r}; it can be read under "
        "privacy_requests or a purpose with a legal obligation, or once the restriction is lifted",
        field="purpose",
    )


def _one(k: Kluis, conn: Connection, purpose: Purpose, person_id: str, refusal: str) -> PersonView:
    """The one person visible under ``purpose``, or the error that says why not."""
    views, hidden = _views(k, conn, purpose, [person_id])
    why = hidden.get(person_id)
    if why is None:
        return views[0]
    if why == "restricted":
        raise _restricted_error(person_id, purpose)
    if why == "purpose":
        raise PurposeRefused(refusal, field="purpose")
    if repository.fetch(conn, [person_id]):
        # a row without a key: the erasure stopped between destroying the key and the rows
        raise PersonErased(f"person {person_id} was erased; nothing about them can be read")
    raise _missing(k, person_id)


def reach(k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str) -> Purpose:
    """The purpose under which the actor processes this person, checked as ``read_person``
    checks it: the role holds the purpose, the person was collected for it (Art. 5(1)(b)) and
    is not restricted under it (Art. 18(2)); otherwise the error that says why. For reads of
    what is kept about a person beside their fields (consent ledger, permissions, messages,
    evidence), in the caller's transaction, which audits the read under the purpose returned."""
    purpose = _purpose_for(conn, actor, purpose_key)
    _one(
        k,
        conn,
        purpose,
        person_id,
        f"person {person_id} was not collected for purpose {purpose_key!r}; what is kept "
        "about them may be used only for the purposes it was collected for (Art. 5(1)(b))",
    )
    return purpose


def _read_events(views: Sequence[PersonView], via: str) -> list[AuditEvent]:
    return [PersonRead(v.id, v.purpose, tuple(sorted(v.fields)), via) for v in views]


def read_person(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> PersonView:
    with k.engine.begin() as conn:
        purpose = _purpose_for(conn, actor, purpose_key)
        view = _one(
            k,
            conn,
            purpose,
            person_id,
            f"person {person_id} was not collected for purpose {purpose_key!r}; their data may "
            "be used only for the purposes it was collected for (Art. 5(1)(b))",
        )
        audit.record(conn, actor.ref, now, _read_events([view], "show"))
    return view


@dataclass(frozen=True)
class Recipient:
    """What a message needs of a person: their language and the fields the message's purpose
    may use (at most names and e-mail address)."""

    person_id: str
    language: str
    email: str | None
    given_name: str | None
    family_name: str | None


def recipient(k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime) -> Recipient:
    """Read a person's address for one message, audited as a read under ``purpose_key``.

    ``purpose_key`` is the purpose that grounds the message's decision (``Decision.purpose``
    of ``may_contact``: the service purpose, the marketing purpose of a consent or the soft
    opt-in purpose), and like every read it requires the person to have been collected for it
    (Art. 5(1)(b)), unless it covers everyone (answers to privacy requests). The purpose limits
    what is decrypted.
    """
    with k.engine.begin() as conn:
        purpose = _purpose_for(conn, actor, purpose_key)
        row = repository.fetch(conn, [person_id]).get(person_id)
        if row is None:
            raise _missing(k, person_id)
        if not rules.may_process_restricted(purpose) and repository.restricted(conn, [person_id]):
            raise _restricted_error(person_id, purpose)
        held = repository.purposes_of(conn, [person_id])[person_id]
        if not (purpose.covers_everyone or purpose.key in held):
            raise PurposeRefused(
                f"person {person_id} was not collected for purpose {purpose.key!r}; no message "
                "may be sent under it (Art. 5(1)(b))",
                field="purpose",
            )
        view = _view(row, purpose, held, k.vault.cipher(person_id))
        wanted = {
            n: v for n, v in view.fields.items() if n in ("email", "given_name", "family_name")
        }
        audit.record(
            conn,
            actor.ref,
            now,
            [PersonRead(person_id, purpose.key, tuple(sorted(wanted)), "message")],
        )

    def text(name: str) -> str | None:
        value = wanted.get(name)
        return value if isinstance(value, str) else None

    return Recipient(
        person_id, row.language, text("email"), text("given_name"), text("family_name")
    )


def read_people(
    k: Kluis,
    actor: Actor,
    ids: Sequence[str],
    purpose_key: str,
    now: datetime,
    *,
    via: str = "bulk",
) -> list[PersonView]:
    """Bulk read under one purpose (exports, benchmarks); people not visible are left out."""
    with k.engine.begin() as conn:
        purpose = _purpose_for(conn, actor, purpose_key)
        views, _ = _views(k, conn, purpose, ids)
        audit.record(conn, actor.ref, now, _read_events(views, via))
    return views


def search_people(
    k: Kluis,
    actor: Actor,
    purpose_key: str,
    now: datetime,
    *,
    text: str | None = None,
    relationship: str | None = None,
    company_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """People visible under ``purpose_key`` matching ``text`` (an e-mail address, a phone number
    or name words, each word matching a whole word of the given or family name)."""
    if not 1 <= limit <= 500:
        raise InvalidField("limit must be between 1 and 500", field="limit")
    if offset < 0:
        raise InvalidField("offset cannot be negative", field="offset")
    if relationship is not None:
        relationship = rules.parse_relationship(relationship).value
    by, fields, digests = "list", (), ()  # type: tuple[str, tuple[str, ...], tuple[bytes, ...]]
    if text is not None and text.strip():
        by = rules.query_kind(text)
        if by == "email":
            term = rules.email_index_term(rules.normalise_email(text))
            fields, digests = ("email",), (k.vault.blind_index("email", term),)
        elif by == "phone":
            term = rules.normalise_phone(text, k.settings.default_region)
            fields, digests = ("phone",), (k.vault.blind_index("phone", term),)
        else:
            tokens = rules.name_tokens(text)
            if not tokens:
                raise InvalidField(
                    "the search text has no letters or digits to search for", field="q"
                )
            fields = NAME_FIELDS
            digests = tuple(k.vault.blind_index("name", t) for t in tokens)
    with k.engine.begin() as conn:
        purpose = _purpose_for(conn, actor, purpose_key)
        query = repository.search_query(
            purpose_key=None if purpose.covers_everyone else purpose.key,
            relationship=relationship,
            company_id=company_id,
            index_fields=fields,
            digests=digests,
            without_restricted=not rules.may_process_restricted(purpose),
        )
        ids, total = repository.page(conn, query, limit, offset)
        views, _ = _views(k, conn, purpose, ids)
        events: list[AuditEvent] = [PersonSearched(purpose.key, by, total)]
        events.extend(_read_events(views, "search"))
        audit.record(conn, actor.ref, now, events)
    return Page(items=views, total=total, limit=limit, offset=offset)


_PLAIN = ("relationship", "language", "company_id")


def update_person(
    k: Kluis,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    changes: Mapping[str, Any],
    now: datetime,
) -> PersonView:
    """Rectification (Art. 16): change fields the purpose may use; ``None`` clears a field.

    The audit entry names the fields that changed, never their old or new values. An e-mail
    address or phone number on the suppression list is refused for a person who keeps a
    marketing purpose (409 ``suppressed``), as ``create_people`` refuses it; one given to a
    person who objected to direct marketing goes on the list (``store_fields``).
    """
    ctx = _ctx(k, now)
    with k.engine.begin() as conn:
        purpose = _purpose_for(conn, actor, purpose_key)
        current = _one(
            k,
            conn,
            purpose,
            person_id,
            f"person {person_id} was not collected for purpose {purpose_key!r}",
        )
        cipher = k.vault.cipher(person_id)
        values: dict[str, Any] = {}
        changed: list[str] = []
        stored: dict[str, str] = {}
        cleared: list[PersonalField] = []
        for name, value in changes.items():
            if name in _PLAIN:
                if name == "relationship":
                    value = rules.parse_relationship(value).value
                elif name == "language":
                    value = rules.parse_language(value)
                elif name == "company_id" and repository.missing_companies(conn, [value]):
                    raise InvalidField(f"there is no company {value}", field="company_id")
                values[name] = value
                continue
            if name == "purposes":
                continue
            declared = BY_NAME.get(name)
            if declared is None:
                raise InvalidField(f"unknown field {name!r}", field=name)
            if not purpose.may_use(declared.category):
                raise PurposeRefused(
                    f"purpose {purpose.key!r} may not use {name} ({declared.category}); change it "
                    "under a purpose that uses it",
                    field=name,
                )
            if value is None:
                values[name] = None
                cleared.append(declared)
            else:
                stored[name] = rules.normalise(declared, value, ctx)
                values[name] = cipher.seal(name, stored[name])
            changed.append(name)
        if "email" in stored:
            held = repository.owners_of(conn, "email", [_email_digest(k, stored["email"])])
            other = [owner for owner in held.values() if owner != person_id]
            if other:
                raise Conflict(
                    f"another person has this e-mail address {_taken(conn, actor, other[0])}",
                    field="email",
                )
        wanted = list(changes["purposes"] or []) if "purposes" in changes else None
        _refuse_suppressed(
            k, conn, person_id, stored, current.purposes if wanted is None else wanted
        )
        events: list[AuditEvent] = []
        if wanted is not None:
            if not purpose.covers_everyone and purpose.key not in wanted:
                raise InvalidField(
                    f"the purpose you work under ({purpose.key}) cannot be removed while you "
                    "work under it; work under another purpose of the person's",
                    field="purposes",
                )
            events.extend(_change_purposes(k, conn, actor, current, wanted, purpose, now))
        if values:
            events.append(PersonUpdated(person_id, purpose.key, tuple(sorted(values))))
            index = {
                name: [r["digest"] for r in _index_rows(k, person_id, {name: stored[name]})]
                if name in stored
                else []
                for name in changed
                if BY_NAME[name].index is not None
            }
            events.extend(store_fields(k, conn, person_id, values, index, now))
        audit.record(conn, actor.ref, now, events)
        views, _ = _views(k, conn, purpose, [person_id])
    return views[0]


def _refuse_suppressed(
    k: Kluis,
    conn: Connection,
    person_id: str,
    stored: Mapping[str, str],
    purposes: Sequence[str],
) -> None:
    """Refuse a rectification that gives a person who keeps a marketing purpose an e-mail
    address or phone number on the suppression list: it would add an erased or objecting
    person's address to marketing again (Art. 17, 21(3)), the door ``_check_suppressed`` keeps
    for new people. ``purposes`` are the person's purposes after the change, so a change that
    also removes the marketing ones passes; so does a value the person holds already, which
    adds nobody to marketing."""
    entries = _suppressible(k, stored)
    if entries:
        held = set(contact_digests(k, conn, person_id))
        entries = [entry for entry in entries if entry not in held]
    if not entries:
        return
    catalogue = {p.key: p for p in purposes_repo.all_purposes(conn)}
    marketing = _marketing(k, {key: catalogue[key] for key in purposes if key in catalogue})
    if not marketing:
        return
    reasons = k.vault.suppression_reasons(digest for _, digest in entries)
    for kind, digest in entries:
        if digest in reasons:
            keys = [key for key in dict.fromkeys(purposes) if key in marketing]
            raise _suppressed(
                kind,
                reasons[digest],
                keys,
                f"leave their {_SUPPRESSION_WHAT[kind]} as it was, or remove "
                f"{' and '.join(keys)} from their purposes in the same change; only the person "
                "can take it off the list, by signing up again with a double opt-in",
            )


def store_fields(
    k: Kluis,
    conn: Connection,
    person_id: str,
    values: Mapping[str, Any],
    index: Mapping[str, Sequence[bytes]],
    now: datetime,
) -> list[AuditEvent]:
    """Write changed fields of a person already held, in the caller's transaction: ``values``
    are sealed field values (``None`` clears) and plain columns, ``index`` the new blind-index
    digests of each indexed field that changed (none when cleared). The one path both
    rectification (``update_person``, Art. 16) and an import's merge take.

    An objection to direct marketing (Art. 21(3)) covers every way to reach the person, but the
    suppression list holds only the e-mail address and phone number they had when they objected
    (``consent.service.set_flag``). So an address or number given to them later goes on the
    list here, with reason ``objected``; otherwise an import or form that finds them by it adds
    them to marketing again. As in ``set_flag`` the keyring is written before the caller's
    transaction commits: a failure after it leaves a value listed that was never stored, never
    a stored value off the list. Returns the ``suppression.added`` event, for the caller to
    audit in its transaction.
    """
    repository.update_person(
        conn, person_id, {**values, "updated_at": now, "last_interaction_at": now}
    )
    entries: list[tuple[str, bytes]] = []
    for name, digests in index.items():
        repository.replace_index(conn, person_id, name, digests)
        if name in _SUPPRESSIBLE:
            entries.extend((_SUPPRESSIBLE[name], digest) for digest in digests)
    if not entries or not repository.objected(conn, [person_id]):
        return []
    if not k.vault.suppress(entries, "objected", now):
        return []
    return [SuppressionAdded(person_id, tuple(sorted({kind for kind, _ in entries})), "objected")]


def _live_consent(conn: Connection, person_id: str, now: datetime) -> int | None:
    """The event of the person's most recent live consent on any channel and topic, if any."""
    live = [
        state
        for state in consent_repo.permissions_of(conn, person_id).values()
        if consent_rules.live(state, now)
    ]
    return max(live, key=lambda state: state.since).event_id if live else None


def _change_purposes(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    current: PersonView,
    wanted: Sequence[str],
    under: Purpose,
    now: datetime,
) -> list[AuditEvent]:
    """Set the person's purposes to ``wanted``. The actor reads the person under ``under``
    already (the caller checked), and must hold every purpose added or removed. Each purpose
    added is further processing (Art. 6(4)): refused when ``rules.why_not_add`` says so, and
    audited as ``person.purpose_added`` with the basis it rests on. The kept consent state is
    read from the consent slice's repository; its service stands above this one."""
    if not wanted:
        raise InvalidField(
            "a person needs at least one purpose; to remove the last one, erase them",
            field="purposes",
        )
    person_id = current.id
    have, want = set(current.purposes), set(wanted)
    changed = {key: _purpose_for(conn, actor, key, "purposes") for key in sorted(have ^ want)}
    added, removed = sorted(want - have), sorted(have - want)
    if not added and not removed:
        return []
    events: list[AuditEvent] = [PersonPurposesChanged(person_id, tuple(added), tuple(removed))]
    objected = bool(added) and bool(repository.objected(conn, [person_id]))
    consent_event_id = _live_consent(conn, person_id, now) if added else None
    for key in added:
        purpose = changed[key]
        marketing = rules.is_marketing(purpose, k.settings.marketing_purpose)
        why = rules.why_not_add(
            purpose, marketing=marketing, objected=objected, consent_event_id=consent_event_id
        )
        if why is not None:
            raise PurposeRefused(f"{key} cannot be added: {why}", field="purposes")
        events.append(
            PersonPurposeAdded(
                person_id,
                key,
                purpose.lawful_basis.value,
                under.key,
                consent_event_id if purpose.lawful_basis is LawfulBasis.CONSENT else None,
            )
        )
    repository.replace_purposes(conn, person_id, ((key, now) for key in added), removed)
    return events


def erase_person(
    k: Kluis,
    actor: Actor,
    person_id: str,
    now: datetime,
    *,
    reason: str = "request",
    suppress: bool = True,
) -> bool:
    """Erasure (Art. 17) of one person; see ``erase_people``. Returns False when the person
    was erased before (erasing is idempotent); NotFound when there never was such a person."""
    if actor.role not in ERASE_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may erase a person")
    with k.engine.connect() as conn:
        exists = bool(repository.existing(conn, [person_id]))
    if not exists and not k.vault.erased([person_id]):
        raise NotFound(f"there is no person {person_id}", field="id")
    return bool(erase_people(k, actor, [person_id], now, reason=reason, suppress=suppress))


def erase_people(
    k: Kluis,
    actor: Actor,
    ids: Sequence[str],
    now: datetime,
    *,
    reason: str = "request",
    suppress: bool = True,
) -> list[str]:
    """Erasure (Art. 17), the one path every erasure takes (a request, the retention sweep, a
    restore's replay): put the e-mail and phone digests on the suppression list, destroy the
    keys and record the ids in the erasure register, delete the rows. Returns the ids erased
    now (not before).

    The register file gets the ids first (one fsync'ed append), then the keys go with the
    keyring's register entries, in their own store: from that instant every copy of the data,
    backups included, is unreadable. The rows go with the data store's copy of the entries. If
    the row deletion fails or the process dies in between, the register still names the
    people and the next start (``kluis.register.service.reconcile``) removes the rows. The
    digests are listed before the keys go, so an erased person is never off the list. Works in
    one transaction per store and one fsync, so the sweep erases thousands at the cost of a few
    statements. ``suppress`` is off only to
    undo a person half-created by a failed import, who never was a person to remember.
    """
    if actor.role not in ERASE_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may erase a person")
    wanted = list(dict.fromkeys(ids))
    with k.engine.connect() as conn:
        present = repository.existing(conn, wanted)
        rows = repository.index_digests_of(conn, list(present), list(_SUPPRESSIBLE))
    digests: dict[str, list[tuple[str, bytes]]] = {}
    for person_id, name, digest in rows if suppress else []:
        digests.setdefault(person_id, []).append((_SUPPRESSIBLE[name], digest))
    fresh = k.vault.shred_many(
        wanted, now, reason, suppress=(d for entries in digests.values() for d in entries)
    )
    entries = [register_entry.erasure(p, now, reason) for p in wanted]
    events: list[AuditEvent] = []
    for person_id in wanted:
        if person_id in fresh:
            events.append(PersonErasedEvent(person_id, reason))
        if person_id in digests and (person_id in fresh or person_id in present):
            kinds = tuple(sorted({kind for kind, _ in digests[person_id]}))
            events.append(SuppressionAdded(person_id, kinds, "erased"))
    with k.engine.begin() as conn:
        repository.delete_people(conn, list(present))
        register_repo.record_erasures(conn, entries)
        audit.record(conn, actor.ref, now, events)
    checkpoint(k)
    return [p for p in wanted if p in fresh]


def checkpoint(k: Kluis) -> None:
    """On SQLite, move the write-ahead log into the database files and truncate it, so the
    deleted rows and destroyed keys do not linger in the -wal files (``secure_delete``
    overwrites the freed pages as they are checkpointed). Best effort: a reader holding an old
    snapshot lets the next checkpoint finish the job."""
    for engine in (k.engine, k.vault.engine):
        if engine.dialect.name != "sqlite":
            continue
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()


@dataclass(frozen=True)
class Minimised:
    cleared: tuple[str, ...]
    removed_purposes: tuple[str, ...]
    kept_purposes: tuple[str, ...]


def keep_only(
    k: Kluis,
    actor: Actor,
    person_id: str,
    keep: Sequence[str],
    now: datetime,
    *,
    reason: str,
    conn: Connection,
    ledger: bool = False,
) -> Minimised:
    """Erase everything of a person that the purposes in ``keep`` do not need (Art. 17(3)(b)):
    the other purposes go, and so does every field none of the kept purposes may use; with
    ``ledger`` the consent ledger and its evidence go too. Runs in the caller's transaction,
    which also records the restriction that follows it. What goes is first written to the
    minimisation register in the keyring store, which a restore replays."""
    if actor.role not in ERASE_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may erase a person")
    if not keep:
        raise InvalidField("keep at least one purpose, or erase the person", field="keep")
    kept = [_purpose_for(conn, actor, key) for key in keep]
    row = repository.fetch(conn, [person_id]).get(person_id)
    if row is None:
        raise _missing(k, person_id)
    held = repository.purposes_of(conn, [person_id]).get(person_id, [])
    cleared = [
        f
        for f in PERSONAL_FIELDS
        if getattr(row, f.name) is not None and not any(p.may_use(f.category) for p in kept)
    ]
    removed = sorted(set(held) - set(keep))
    entry = k.vault.register_minimisation(
        person_id, [f.name for f in cleared], removed, ledger, now, reason
    )
    repository.minimise(conn, person_id, [f.name for f in cleared], removed, now)
    register_repo.record_minimisations(conn, [entry])
    if ledger:
        consent_repo.delete_ledger(conn, person_id)
    result = Minimised(
        tuple(f.name for f in cleared), tuple(removed), tuple(sorted(set(held) & set(keep)))
    )
    audit.record(
        conn,
        actor.ref,
        now,
        [
            PersonMinimised(
                person_id, result.cleared, result.removed_purposes, result.kept_purposes, reason
            )
        ],
    )
    return result
