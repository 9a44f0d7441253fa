"""People as a purpose may see them: the shapes, and reading one, many or a search.

Every read names a purpose and returns only the fields whose data category that purpose may use;
fields it may not use are never decrypted (Art. 5(1)(b)-(c), DESIGN.md invariant 3). Every read
is audited in the same transaction, naming the person by opaque id only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from kluis.actors import Actor, holds_purpose
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import PersonRead, PersonSearched
from kluis.contacts import reach_memo, repository, rules
from kluis.contacts.fields import NAME_FIELDS, PERSONAL_FIELDS
from kluis.errors import (
    InvalidField,
    NotFound,
    PersonErased,
    PurposeRefused,
    Restricted,
)
from kluis.locale import N_
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis
from kluis.vault.crypto import PersonCipher

FieldValue = str | list[str]


@dataclass(frozen=True)
class NewPerson:
    relationship: str
    purposes: Sequence[str]
    fields: Mapping[str, FieldValue | None]
    language: str = "nl"
    company_id: int | None = None
    owner_id: int | None = None
    """The staff user who looks after them; None: the user who collects them (``collect``)."""


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
    owner_id: int | None = None
    """The staff user who looks after the person (a staff ref, not the person's data)."""
    last_interaction_at: datetime | None = None


@dataclass(frozen=True)
class Page:
    items: list[PersonView]
    total: int
    limit: int
    offset: int


def normalise_context(k: Kluis, now: datetime) -> rules.NormaliseContext:
    return rules.NormaliseContext(region=k.settings.default_region, today=now.date())


def purpose_for(conn: Connection, actor: Actor, key: str, field: str = "purpose") -> Purpose:
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


def email_digest(k: Kluis, stored: str) -> bytes:
    return k.vault.blind_index("email", rules.email_index_term(stored))


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


PERSON_N = N_("person %(n)s: ")
"""Which person of a batch or a selection a refusal is about, said before it (``within``)."""

_TAKEN_NAMED = N_(
    "A person with this e-mail address exists already (%(person)s); update them instead."
)
_TAKEN_HIDDEN = N_(
    "A person with this e-mail address exists already, held for purposes your role does not "
    "hold; ask an admin or the privacy officer."
)


@dataclass(frozen=True)
class Taken:
    """How a refusal names the person who holds an e-mail address already: by id to a role that
    may read them, so it can update them instead; to any other role the id would be a way into
    a person outside its purposes (Art. 5(1)(b), 25(2)), so it is left out. ``msgid`` and
    ``values`` are the same refusal as a sentence for a page, which shows one person's form."""

    text: str
    msgid: str
    values: dict[str, str] | None


def taken_by(conn: Connection, actor: Actor, owner: str) -> Taken:
    if readable_by(conn, actor, [owner]):
        return Taken(f"({owner}); update them instead", _TAKEN_NAMED, {"person": owner})
    return Taken(
        "(held for purposes your role does not hold, so it is not named); ask an admin or the "
        "privacy officer",
        _TAKEN_HIDDEN,
        None,
    )


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
        owner_id=row.owner_id,
        last_interaction_at=row.last_interaction_at,
    )


def missing_error(k: Kluis, person_id: str) -> Exception:
    if k.vault.erased([person_id]):
        return PersonErased(
            f"person {person_id} was erased; nothing about them can be read",
            msgid=N_("Person %(person)s was erased; nothing about them can be read."),
            values={"person": person_id},
        )
    return NotFound(
        f"there is no person {person_id}",
        field="id",
        msgid=N_("There is no person %(person)s."),
        values={"person": person_id},
    )


def _visibility(
    k: Kluis, conn: Connection, purpose: Purpose, ids: Sequence[str]
) -> tuple[dict[str, Row[Any]], dict[str, list[str]], dict[str, PersonCipher], dict[str, str]]:
    """The rows, purposes and ciphers of the people in ``ids``, and those not visible under
    ``purpose`` with why (``views_of``); nothing is opened."""
    rows = repository.fetch(conn, ids)
    held = repository.purposes_of(conn, list(rows))
    ciphers = k.vault.ciphers(list(rows))
    restricted = (
        set() if rules.may_process_restricted(purpose) else repository.restricted(conn, list(rows))
    )
    hidden: dict[str, str] = {}
    for person_id in ids:
        if person_id not in rows or person_id not in ciphers:
            hidden[person_id] = "missing"
        elif not rules.visible_under(purpose, held.get(person_id, [])):
            hidden[person_id] = "purpose"
        elif person_id in restricted:
            hidden[person_id] = "restricted"
    return rows, held, ciphers, hidden


def views_of(
    k: Kluis, conn: Connection, purpose: Purpose, ids: Sequence[str]
) -> tuple[list[PersonView], dict[str, str]]:
    """Views of the people in ``ids`` who hold ``purpose`` (or all, for a purpose covering
    everyone) and whose processing is not restricted (unless the purpose may process restricted
    data, Art. 18(2)), in order; also the ids that were not visible, with why: ``missing``,
    ``purpose`` or ``restricted``."""
    rows, held, ciphers, hidden = _visibility(k, conn, purpose, ids)
    views = [_view(rows[i], purpose, held.get(i, []), ciphers[i]) for i in ids if i not in hidden]
    return views, hidden


def _restricted_error(person_id: str, purpose: Purpose) -> Restricted:
    return Restricted(
        f"processing of person {person_id} is restricted (Art. 18): their data is only stored, "
        f"and may not be used under purpose {purpose.key!r}; it can be read under "
        "privacy_requests or a purpose with a legal obligation, or once the restriction is lifted",
        field="purpose",
    )


def visible_one(
    k: Kluis, conn: Connection, purpose: Purpose, person_id: str, refusal: str
) -> PersonView:
    """The one person visible under ``purpose``, or the error that says why not."""
    views, hidden = views_of(k, conn, purpose, [person_id])
    _refuse(k, conn, purpose, person_id, hidden.get(person_id), refusal)
    return views[0]


def _refuse(
    k: Kluis, conn: Connection, purpose: Purpose, person_id: str, why: str | None, refusal: str
) -> None:
    """Raise the error that says why the person is not visible (``why`` from ``views_of``)."""
    if why is None:
        return
    if why == "restricted":
        raise _restricted_error(person_id, purpose)
    if why == "purpose":
        raise PurposeRefused(refusal, field="purpose")
    if repository.fetch(conn, [person_id]):
        # a row without a key: the erasure stopped between destroying the key and the rows
        raise PersonErased(f"person {person_id} was erased; nothing about them can be read")
    raise missing_error(k, person_id)


def reach(k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str) -> Purpose:
    """The purpose under which the actor processes this person, checked as ``read_person``
    checks it: the role holds the purpose, the person was collected for it (Art. 5(1)(b)) and
    is not restricted under it (Art. 18(2)); otherwise the error that says why. The same
    check without opening any of their fields (data minimisation, Art. 5(1)(c)). For reads
    of what is kept about a person beside their fields (consent ledger, permissions, messages,
    evidence), in the caller's transaction, which audits the read under the purpose returned.
    Inside ``reach_memo.remembering(conn)`` an answer already given on ``conn`` is reused."""
    key = (actor.ref, person_id, purpose_key)
    known = reach_memo.recall(conn, key)
    if known is not None:
        return known
    purpose = purpose_for(conn, actor, purpose_key)
    *_, hidden = _visibility(k, conn, purpose, [person_id])
    _refuse(
        k,
        conn,
        purpose,
        person_id,
        hidden.get(person_id),
        f"person {person_id} was not collected for purpose {purpose_key!r}; what is kept "
        "about them may be used only for the purposes it was collected for (Art. 5(1)(b))",
    )
    reach_memo.remember(conn, key, purpose)
    return purpose


def _read_events(views: Sequence[PersonView], via: str) -> list[AuditEvent]:
    return [PersonRead(v.id, v.purpose, tuple(sorted(v.fields)), via) for v in views]


def read_person(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> PersonView:
    with k.engine.begin() as conn:
        return read_person_in(k, conn, actor, person_id, purpose_key, now)


def read_person_in(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> PersonView:
    """``read_person`` in the caller's transaction, which records the read."""
    purpose = purpose_for(conn, actor, purpose_key)
    view = visible_one(
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
        purpose = purpose_for(conn, actor, purpose_key)
        row = repository.fetch(conn, [person_id]).get(person_id)
        if row is None:
            raise missing_error(k, person_id)
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
        purpose = purpose_for(conn, actor, purpose_key)
        views, _ = views_of(k, conn, purpose, ids)
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
        purpose = purpose_for(conn, actor, purpose_key)
        query = repository.search_query(
            purpose_key=None if purpose.covers_everyone else purpose.key,
            relationship=relationship,
            company_id=company_id,
            index_fields=fields,
            digests=digests,
            without_restricted=not rules.may_process_restricted(purpose),
        )
        ids, total = repository.page(conn, query, limit, offset)
        views, _ = views_of(k, conn, purpose, ids)
        events: list[AuditEvent] = [PersonSearched(purpose.key, by, total)]
        events.extend(_read_events(views, "search"))
        audit.record(conn, actor.ref, now, events)
    return Page(items=views, total=total, limit=limit, offset=offset)
