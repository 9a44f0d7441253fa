"""Collecting new people (Art. 5(1)(b)-(c), 6): validated against the purposes they are collected
for, refused when their e-mail address is held already or on the suppression list for marketing,
then encrypted, indexed and audited, one transaction a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice

from sqlalchemy import Connection

from kluis import forked
from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.people_events import SuppressionRemoved
from kluis.contacts import index_keys, repository, rules, writer
from kluis.contacts.fields import BY_NAME
from kluis.contacts.owner_check import check_owners, default_owner
from kluis.contacts.people import PERSON_N, NewPerson, normalise_context, taken_by
from kluis.contacts.suppression import SUPPRESSIBLE, marketing_keys, suppressed_error
from kluis.errors import (
    Conflict,
    InvalidField,
    PurposeRefused,
)
from kluis.ids import new_person_ids
from kluis.locale import N_
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def _batched(items: Iterable[NewPerson], size: int) -> Iterator[tuple[int, list[NewPerson]]]:
    """Batches of ``size`` with the position (from 1) of each batch's first person."""
    iterator = iter(items)
    first = 1
    while batch := list(islice(iterator, size)):
        yield first, batch
        first += len(batch)


@dataclass
class _Prepared:
    item: NewPerson
    relationship: str
    language: str
    stored: dict[str, str]
    email: bytes | None = None
    """The e-mail address's digest (``people.email_digest``): the duplicate look-up."""
    contact: list[tuple[str, bytes]] = field(default_factory=list)
    """(kind, digest) of the e-mail address and phone number: the suppression look-up."""
    index: list[tuple[str, bytes]] = field(default_factory=list)
    packed: bytes | None = None
    person_id: str = ""
    wrapped: bytes = b""
    sealed: dict[str, bytes] = field(default_factory=dict)


def _prepare(
    item: NewPerson,
    purposes: dict[str, Purpose],
    actor: Actor,
    ctx: rules.NormaliseContext,
    uses: dict[tuple[tuple[str, ...], str], bool] | None = None,
) -> _Prepared:
    """``uses``: whether a set of purposes may use a field, remembered across a bulk create
    (the same few purposes for thousands of people)."""
    known = {} if uses is None else uses
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
        writer.check_collects(actor, purpose)
        chosen.append(purpose)
    stored: dict[str, str] = {}
    for name, value in item.fields.items():
        declared = BY_NAME.get(name)
        if declared is None:
            raise InvalidField(f"unknown field {name!r}", field=name)
        if value is None:
            continue
        memo = (tuple(item.purposes), name)
        allowed = known.get(memo)
        if allowed is None:
            allowed = known[memo] = any(p.may_use(declared.category) for p in chosen)
        if not allowed:
            keys = ", ".join(p.key for p in chosen)
            raise PurposeRefused(
                f"{name} ({declared.category}) is used by none of the purposes given ({keys}); "
                "collect it only for a purpose that needs it (Art. 5(1)(c))",
                field=name,
                msgid=N_(
                    "None of the chosen purposes uses this field; leave it out, or choose a "
                    "purpose that needs it."
                ),
            )
        stored[name] = rules.normalise(declared, value, ctx)
    return _Prepared(item, relationship, language, stored)


@dataclass(frozen=True)
class _Preparer:
    """The pure half of collecting a batch: validated and normalised, the look-ups' digests,
    the blind index, a time-ordered id and a fresh key (made and wrapped, not stored) with the
    fields sealed under it. Computation only, so it runs in this process or, with
    ``workers=1``, a forked one (``kluis.forked``, as the import's worker) while this one
    writes the batch before. The keys are stored only once the batch passed its checks."""

    k: Kluis
    purposes: dict[str, Purpose]
    actor: Actor
    ctx: rules.NormaliseContext
    numbered: bool
    """Whether errors name the person's position (every batch but one person alone)."""
    uses: dict[tuple[tuple[str, ...], str], bool] = field(default_factory=dict)

    def prepare(self, batch: tuple[int, list[NewPerson]]) -> list[_Prepared]:
        first, items = batch
        prepared: list[_Prepared] = []
        for position, item in enumerate(items, first):
            try:
                prepared.append(_prepare(item, self.purposes, self.actor, self.ctx, self.uses))
            except InvalidField as exc:
                if self.numbered or position > 1:
                    exc.within(PERSON_N, n=position)
                raise
        vault = self.k.vault
        made = vault.new_keys(new_person_ids(len(prepared)))
        for p, (cipher, wrapped) in zip(prepared, made, strict=True):
            entries = writer.index_entries(p.stored, vault.blind_index)
            # the look-ups' digests are blind-index entries already (``people.email_digest``,
            # ``suppression.suppressible``: same kind, same term): made once, not twice
            p.email = next((d for name, d in entries if name == "email"), None)
            p.contact = [(SUPPRESSIBLE[name], d) for name, d in entries if name in SUPPRESSIBLE]
            p.index = sorted(set(entries))
            p.packed = index_keys.pack(p.index)
            p.person_id, p.wrapped = cipher.person_id, wrapped
            p.sealed = cipher.seal_all(p.stored)
            # the writer needs the sealed values and digests only: no plaintext travels back
            p.item, p.stored = replace(p.item, fields={}), {}
        return prepared


AlsoWrite = Callable[[Connection, str], None]
"""More of a new person's data, written in the transaction that creates them (``create_person``'s
``also``): given the connection and the new person's id, after their row and audit events."""


def create_people(
    k: Kluis,
    actor: Actor,
    items: Iterable[NewPerson],
    now: datetime,
    *,
    batch_size: int = 1000,
    source: str = "api",
    allow_suppressed: bool = False,
    workers: int = 0,
    also: AlsoWrite | None = None,
) -> list[str]:
    """Collect many people: validated, encrypted, indexed and audited, one transaction a batch.

    A person whose e-mail address is already held is refused (409) naming who holds it, so the
    same person is never kept twice. A person whose e-mail address or phone number is on the
    suppression list (erased, or objected to direct marketing) is refused for a marketing
    purpose (409 ``suppressed``), unless ``allow_suppressed``: the one path for that is the
    person signing up again themselves with a double opt-in (their own new consent, Art. 7),
    which also takes their digests off the list.

    ``workers=1`` prepares the next batch in a forked process while this one writes, as the
    import does (``kluis.forked``): for a caller without threads of its own (a command, a
    benchmark), never the web server. Batches written before a refused one stay written.

    ``also`` writes more of each person (their custom values) in their batch's transaction, so
    a refusal there leaves no person behind and the audit trail has both or neither.
    """
    ctx = normalise_context(k, now)
    with k.engine.connect() as conn:
        purposes = {p.key: p for p in purposes_repo.all_purposes(conn)}
    marketing = marketing_keys(k, purposes)
    preparer = _Preparer(k, purposes, actor, ctx, numbered=batch_size > 1)
    chunks = _batched(items, batch_size)
    batches: Generator[list[_Prepared], None, None]
    if workers > 0:
        batches = forked.ahead(
            preparer.prepare, chunks, who="the bulk create's", name="kluis-create-prepare"
        )
    else:
        batches = (preparer.prepare(chunk) for chunk in chunks)
    try:
        return _write(k, actor, batches, now, source, marketing, allow_suppressed, also)
    finally:
        batches.close()  # a refused batch stops the worker now, not when the error is freed


def _write(
    k: Kluis,
    actor: Actor,
    batches: Iterable[list[_Prepared]],
    now: datetime,
    source: str,
    marketing: set[str],
    allow_suppressed: bool,
    also: AlsoWrite | None = None,
) -> list[str]:
    """Check, store the keys of and write each prepared batch, one transaction a batch."""
    created: list[str] = []
    first = 1
    for prepared in batches:
        ids = [p.person_id for p in prepared]
        with k.engine.begin() as conn:
            _check_batch(k, conn, actor, prepared, first)
            listed = _check_suppressed(k, prepared, first, marketing, allow_suppressed)
            k.vault.store_keys([(p.person_id, p.wrapped) for p in prepared], now)
            people = writer.NewPeople(conn, now, source)
            mine = default_owner(conn, actor.user_id)
            for p in prepared:
                people.add(
                    p.person_id,
                    p.relationship,
                    p.language,
                    tuple(dict.fromkeys(p.item.purposes)),
                    p.sealed,
                    p.index,
                    p.item.company_id,
                    packed=p.packed,
                    owner_id=p.item.owner_id if p.item.owner_id is not None else mine,
                )
            people.insert(conn)
            events = people.events + [
                SuppressionRemoved(ids[offset], tuple(sorted({kind for kind, _ in entries})))
                for offset, entries in listed.items()
            ]
            audit.record(conn, actor.ref, now, events)
            if also is not None:
                for person_id in ids:
                    also(conn, person_id)
        # Only once the people are stored: a failure in between leaves the address on the list
        # (a refusal later), never off the list without the sign-up that took it off.
        if listed:
            k.vault.unsuppress((d for entries in listed.values() for _, d in entries), now)
        created.extend(ids)
        first += len(prepared)
    return created


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
        if marketing.intersection(p.item.purposes) and p.contact:
            wanted[offset] = p.contact
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
            refused = suppressed_error(
                kind,
                reasons[digest],
                (key for key in prepared[offset].item.purposes if key in marketing),
                "collect it for another purpose, or let the person sign up again themselves "
                "with a double opt-in",
            )
            refused.within(PERSON_N, n=first + offset)
            raise refused
        listed[offset] = hits
    return listed


def _check_batch(
    k: Kluis, conn: Connection, actor: Actor, prepared: list[_Prepared], first: int
) -> None:
    """Refuse a batch that would keep an e-mail address twice or name an unknown company,
    before any key is stored for it. ``first`` is the position of the batch's first person."""
    emails: dict[bytes, int] = {}
    for offset, p in enumerate(prepared):
        if p.email is not None:
            digest = p.email
            if digest in emails:
                raise Conflict(
                    f"person {first + offset} has the same e-mail address as person "
                    f"{first + emails[digest]}",
                    field="email",
                    msgid=N_("Person %(n)s has the same e-mail address as person %(other)s."),
                    values={"n": first + offset, "other": first + emails[digest]},
                )
            emails[digest] = offset
    if emails:
        held = repository.owners_of(conn, "email", emails)
        if held:
            digest, owner = next(iter(held.items()))
            taken = taken_by(conn, actor, owner)
            refused = Conflict(
                f"a person with this e-mail address exists already {taken.text}",
                field="email",
                msgid=taken.msgid,
                values=taken.values,
            )
            refused.within(PERSON_N, n=first + emails[digest])
            raise refused
    unknown = repository.missing_companies(conn, [p.item.company_id for p in prepared])
    if unknown:
        raise InvalidField(f"there is no company {unknown[0]}", field="company_id")
    owners = {p.item.owner_id for p in prepared if p.item.owner_id is not None}
    if owners:
        check_owners(conn, owners)


def create_person(
    k: Kluis,
    actor: Actor,
    item: NewPerson,
    now: datetime,
    source: str = "api",
    *,
    allow_suppressed: bool = False,
    also: AlsoWrite | None = None,
) -> str:
    """One person, in one transaction with whatever ``also`` writes of them."""
    return create_people(
        k,
        actor,
        [item],
        now,
        batch_size=1,
        source=source,
        allow_suppressed=allow_suppressed,
        also=also,
    )[0]
