"""The people list: filtered by owner, relationship, a further purpose, company and "no
interaction for N days", ordered by collection, last interaction or name, a page at a time.

Like every read it names the working purpose: only people collected for it (and not
restricted, unless it may process restricted data, Art. 18(2)) are listed, only its fields
are decrypted, and each person on the page is a ``person.read``. Filters carry no personal
value (owner, relationship, purpose, company, days), so they may stand in an address; a name
search stays a POST (``people.search_people``).

Ordering by name decrypts the name fields of every person the filters leave, at most
``list_rules.NAME_SORT_LIMIT``, and shows only the page; the decryption is audited as one
``person.list_sorted`` event (purpose and count) beside the page's reads. A purpose that may not
use names cannot order by them: the order would tell what it may not see (Art. 5(1)(c)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Select

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.audit.owner_events import PeopleSortedByName
from kluis.audit.people_events import PersonRead, PersonSearched
from kluis.contacts import list_queries, repository, rules, tags
from kluis.contacts.fields import BY_NAME, NAME_FIELDS
from kluis.contacts.list_rules import (
    ANYONE,
    DEFAULT_ORDER,
    NAME_SORT_LIMIT,
    TOO_MANY_TO_SORT,
    Order,
    OwnerFilter,
    Sort,
    inactive_since,
    name_key,
)
from kluis.contacts.people import Page, purpose_for, views_of
from kluis.errors import InvalidField, NotFound, PurposeRefused
from kluis.locale import N_
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis

NAMES_UNUSED = N_(
    "The purpose you work under does not use names, so the list cannot be sorted by them."
)


@dataclass(frozen=True)
class ListFilters:
    """What narrows and orders the list; none of it is a personal value."""

    owner: OwnerFilter = ANYONE
    relationship: str | None = None
    also_purpose: str | None = None
    company_id: int | None = None
    inactive_days: int | None = None
    order: Order = DEFAULT_ORDER
    tag: str | None = None


def _check(filters: ListFilters, limit: int, offset: int) -> None:
    if not 1 <= limit <= 500:
        raise InvalidField("limit must be between 1 and 500", field="limit")
    if offset < 0:
        raise InvalidField("offset cannot be negative", field="offset")
    if filters.relationship is not None:
        rules.parse_relationship(filters.relationship)


def list_people(
    k: Kluis,
    actor: Actor,
    purpose_key: str,
    now: datetime,
    filters: ListFilters = ListFilters(),
    *,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """One page of the people visible under ``purpose_key`` that ``filters`` leave."""
    _check(filters, limit, offset)
    inactive_before = inactive_since(filters.inactive_days, now)
    with k.engine.begin() as conn:
        purpose = purpose_for(conn, actor, purpose_key)
        if (
            filters.also_purpose is not None
            and purposes_repo.get(conn, filters.also_purpose) is None
        ):
            raise NotFound(f"there is no purpose {filters.also_purpose!r}", field="also_purpose")
        base = repository.search_query(
            purpose_key=None if purpose.covers_everyone else purpose.key,
            relationship=filters.relationship,
            company_id=filters.company_id,
            without_restricted=not rules.may_process_restricted(purpose),
        )
        query = list_queries.list_query(
            base,
            owner=filters.owner,
            also_purpose=filters.also_purpose,
            inactive_before=inactive_before,
            tag_id=None if filters.tag is None else tags.tag_by_key(conn, filters.tag).id,
        )
        total = list_queries.count(conn, query)
        events: list[AuditEvent] = [PersonSearched(purpose.key, "list", total)]
        if filters.order.by is Sort.NAME:
            ids = _by_name(k, conn, purpose, query, total, filters.order, limit, offset)
            events.append(PeopleSortedByName(purpose.key, total))
        else:
            ids = list_queries.ordered_page(conn, query, filters.order, limit, offset)
        views, _ = views_of(k, conn, purpose, ids)
        events.extend(PersonRead(v.id, v.purpose, tuple(sorted(v.fields)), "search") for v in views)
        audit.record(conn, actor.ref, now, events)
    return Page(items=views, total=total, limit=limit, offset=offset)


def _by_name(
    k: Kluis,
    conn: Connection,
    purpose: Purpose,
    query: Select[tuple[str]],
    total: int,
    order: Order,
    limit: int,
    offset: int,
) -> list[str]:
    """A page of ids in order of name: the names of everyone the filters leave are decrypted
    (name fields only) and sorted here; the store never holds an order of names."""
    if not all(purpose.may_use(BY_NAME[name].category) for name in NAME_FIELDS):
        raise PurposeRefused(
            f"purpose {purpose.key!r} does not use names, so the list cannot be ordered by them",
            field="sort",
            msgid=NAMES_UNUSED,
        )
    if total > NAME_SORT_LIMIT:
        raise InvalidField(
            f"{total} people are too many to order by name (at most {NAME_SORT_LIMIT}); narrow "
            "the list with a filter (owner, company, relationship, purpose) first",
            field="sort",
            msgid=TOO_MANY_TO_SORT,
            values={"limit": NAME_SORT_LIMIT},
        )
    sealed = list_queries.sealed_names(conn, query)
    ciphers = k.vault.ciphers([person_id for person_id, _ in sealed])
    keys: list[tuple[str, str, str]] = []
    for person_id, blobs in sealed:
        cipher = ciphers.get(person_id)
        if cipher is None:
            continue
        given, family = (
            cipher.open(name, blob) if blob is not None else None
            for name, blob in zip(NAME_FIELDS, blobs, strict=True)
        )
        keys.append(name_key(given, family, person_id))
    keys.sort(reverse=order.descending)
    return [key[2] for key in keys[offset : offset + limit]]
