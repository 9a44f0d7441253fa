"""Tags: labels a business puts on people and companies (issue 19).

The admin declares tags (``may_manage``); staff put them on people (one, or a selection from the
list, one transaction) and on companies. Putting a tag on a person or taking it off is
processing of that person, so it needs a purpose the role holds and the person was collected
for, like any read (Art. 5(1)(b)); each change is one typed audit event naming the tag by its
key, never a personal value (Art. 5(2)). A person's tags hang on them ON DELETE CASCADE, so an
erasure takes them (Art. 17).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute

from kluis.actors import MANAGE_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.audit.tag_events import (
    CompanyTagged,
    CompanyUntagged,
    PersonTagged,
    PersonTagsRead,
    PersonUntagged,
    TagChanged,
    TagCreated,
    TagRemoved,
)
from kluis.contacts import owners
from kluis.contacts.tables import Company
from kluis.contacts.tag_rules import (
    TAG_UNKNOWN,
    TagView,
    parse_colour,
    parse_key,
    parse_label,
)
from kluis.contacts.tag_tables import CompanyTag, PersonTag, Tag
from kluis.errors import Conflict, NotFound, PermissionDenied
from kluis.runtime import Kluis

_Id = TypeVar("_Id", str, int)
_COLUMNS = (Tag.id, Tag.key, Tag.label_nl, Tag.label_en, Tag.personal, Tag.colour)


def _view(row: Any) -> TagView:
    return TagView(row[0], row[1], row[2], row[3], bool(row[4]), row[5])


def may_manage(actor: Actor) -> None:
    if actor.role not in MANAGE_ROLES:
        raise PermissionDenied("only an admin may declare, change or remove tags")


def list_tags(engine: Engine) -> list[TagView]:
    with engine.connect() as conn:
        return [_view(r) for r in conn.execute(select(*_COLUMNS).order_by(Tag.key))]


def tag_by_key(conn: Connection, key: str) -> TagView:
    row = conn.execute(select(*_COLUMNS).where(Tag.key == key.strip().lower())).first()
    if row is None:
        raise NotFound(
            f"there is no tag {key!r}", field="tag", msgid=TAG_UNKNOWN, values={"tag": key}
        )
    return _view(row)


def tag_id(k: Kluis, key: str | None) -> int | None:
    """The id of the tag a list is filtered by (none: no filter); an unknown key is a 404."""
    if not key:
        return None
    with k.engine.connect() as conn:
        return tag_by_key(conn, key).id


def create_tag(
    k: Kluis,
    actor: Actor,
    key: str,
    label_nl: str,
    label_en: str,
    now: datetime,
    *,
    personal: bool = False,
    colour: str | None = None,
) -> TagView:
    """Declare a tag; ``personal`` makes every link of a person to it personal data."""
    may_manage(actor)
    clean_key = parse_key(key)
    values: dict[str, object] = {
        "key": clean_key,
        "label_nl": parse_label(label_nl, "label_nl"),
        "label_en": parse_label(label_en, "label_en"),
        "personal": personal,
        "colour": parse_colour(colour),
        "created_at": now,
    }
    with k.engine.begin() as conn:
        if conn.execute(select(Tag.id).where(Tag.key == clean_key)).first() is not None:
            raise Conflict(f"there is a tag {clean_key!r} already", field="key")
        conn.execute(insert(Tag).values(**values))
        audit.record(conn, actor.ref, now, [TagCreated(clean_key, personal)])
        return tag_by_key(conn, clean_key)


def change_tag(
    k: Kluis,
    actor: Actor,
    key: str,
    label_nl: str,
    label_en: str,
    now: datetime,
    *,
    personal: bool,
    colour: str | None = None,
) -> TagView:
    may_manage(actor)
    values = {
        "label_nl": parse_label(label_nl, "label_nl"),
        "label_en": parse_label(label_en, "label_en"),
        "personal": personal,
        "colour": parse_colour(colour),
    }
    with k.engine.begin() as conn:
        tag = tag_by_key(conn, key)
        conn.execute(update(Tag).where(Tag.id == tag.id).values(**values))
        audit.record(conn, actor.ref, now, [TagChanged(tag.key, personal)])
        return tag_by_key(conn, key)


def remove_tag(k: Kluis, actor: Actor, key: str, now: datetime) -> None:
    """Remove a tag and every link to it (the links go ON DELETE CASCADE, counted first)."""
    may_manage(actor)
    with k.engine.begin() as conn:
        tag = tag_by_key(conn, key)
        on_people = _count(conn, PersonTag, tag.id)
        on_companies = _count(conn, CompanyTag, tag.id)
        conn.execute(delete(PersonTag).where(PersonTag.tag_id == tag.id))
        conn.execute(delete(CompanyTag).where(CompanyTag.tag_id == tag.id))
        conn.execute(delete(Tag).where(Tag.id == tag.id))
        audit.record(conn, actor.ref, now, [TagRemoved(tag.key, on_people, on_companies)])


def _count(conn: Connection, table: type[PersonTag] | type[CompanyTag], tag_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(table).where(table.tag_id == tag_id)
        ).scalar_one()
    )


def tag_people(
    k: Kluis,
    actor: Actor,
    ids: Sequence[str],
    key: str,
    purpose_key: str,
    now: datetime,
    *,
    remove: bool = False,
    via: str = "api",
) -> int:
    """Put the tag ``key`` on every person in ``ids`` (or take it off, ``remove``); returns how
    many changed. Every person must be visible under ``purpose_key``: one transaction, all or
    none, one event per person changed."""
    chosen = owners.selection(ids)
    with k.engine.begin() as conn:
        purpose = owners.visible_selection(k, conn, actor, chosen, purpose_key)
        tag = tag_by_key(conn, key)
        held = {
            str(r[0])
            for r in conn.execute(
                select(PersonTag.person_id).where(
                    PersonTag.tag_id == tag.id, PersonTag.person_id.in_(chosen)
                )
            )
        }
        changed = [i for i in chosen if (i in held) == remove]
        events: list[AuditEvent]
        if remove:
            if changed:
                conn.execute(
                    delete(PersonTag).where(
                        PersonTag.tag_id == tag.id, PersonTag.person_id.in_(changed)
                    )
                )
            events = [PersonUntagged(i, purpose.key, tag.key, via) for i in changed]
        else:
            if changed:
                conn.execute(
                    insert(PersonTag),
                    [{"person_id": i, "tag_id": tag.id, "tagged_at": now} for i in changed],
                )
            events = [PersonTagged(i, purpose.key, tag.key, via) for i in changed]
        audit.record(conn, actor.ref, now, events)
    return len(changed)


def tag_company(
    k: Kluis, actor: Actor, company_id: int, key: str, now: datetime, *, remove: bool = False
) -> bool:
    """Put a tag on a company (or take it off); True when something changed."""
    with k.engine.begin() as conn:
        if (
            not 0 < company_id < 2**31
            or conn.execute(select(Company.id).where(Company.id == company_id)).first() is None
        ):
            raise NotFound(f"there is no company {company_id}", field="company_id")
        tag = tag_by_key(conn, key)
        where = (CompanyTag.company_id == company_id, CompanyTag.tag_id == tag.id)
        has = conn.execute(select(CompanyTag.tag_id).where(*where)).first() is not None
        if has != remove:
            return False
        if remove:
            conn.execute(delete(CompanyTag).where(*where))
            event: AuditEvent = CompanyUntagged(company_id, tag.key)
        else:
            conn.execute(
                insert(CompanyTag).values(company_id=company_id, tag_id=tag.id, tagged_at=now)
            )
            event = CompanyTagged(company_id, tag.key)
        audit.record(conn, actor.ref, now, [event])
    return True


def _tags_by(
    conn: Connection, holder: InstrumentedAttribute[_Id], ids: Sequence[_Id]
) -> dict[_Id, list[TagView]]:
    """The tags on each of ``ids``, by key; ``holder`` is the link table's column naming them
    (``PersonTag.person_id`` or ``CompanyTag.company_id``)."""
    found: dict[_Id, list[TagView]] = {i: [] for i in ids}
    if not ids:
        return found
    link = holder.class_
    rows = conn.execute(
        select(holder, *_COLUMNS)
        .join(Tag, Tag.id == link.tag_id)
        .where(holder.in_(list(ids)))
        .order_by(Tag.key)
    )
    for row in rows:
        found[row[0]].append(_view(row[1:]))
    return found


def tags_of_people(conn: Connection, ids: Sequence[str]) -> dict[str, list[TagView]]:
    """The tags of each person in ``ids`` (personal ones included: the caller reads the people
    under a purpose, ``tag_rules.visible``)."""
    return _tags_by(conn, PersonTag.person_id, ids)


def read_person_tags(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime, *, via: str = "api"
) -> list[TagView]:
    """A person's tags, personal ones included, read under ``purpose_key`` and audited."""
    with k.engine.begin() as conn:
        return read_person_tags_in(k, conn, actor, person_id, purpose_key, now, via=via)


def read_person_tags_in(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    now: datetime,
    *,
    via: str = "api",
) -> list[TagView]:
    """``read_person_tags`` in the caller's transaction, which records the read."""
    purpose = owners.visible_selection(k, conn, actor, [person_id], purpose_key)
    held = tags_of_people(conn, [person_id])[person_id]
    personal = sum(1 for t in held if t.personal)
    audit.record(
        conn, actor.ref, now, [PersonTagsRead(person_id, purpose.key, len(held), personal, via)]
    )
    return held


def tags_for_list(
    k: Kluis, actor: Actor, views: Sequence[Any], purpose_key: str, now: datetime
) -> dict[str, list[TagView]]:
    """The tags of the people a list shows, read under the purpose the list was read under
    (so personal tags included, Art. 5(1)(b)); each person with a tag gets ``person.tags_read``
    (``via`` = ``list``)."""
    ids = [str(v.id) for v in views]
    with k.engine.begin() as conn:
        held = tags_of_people(conn, ids)
        events: list[AuditEvent] = [
            PersonTagsRead(i, purpose_key, len(t), sum(1 for x in t if x.personal), "list")
            for i, t in held.items()
            if t
        ]
        audit.record(conn, actor.ref, now, events)
    return held


def tags_of_companies(conn: Connection, ids: Sequence[int]) -> dict[int, list[TagView]]:
    """The tags of each company in ``ids`` (business data: no purpose, no audit)."""
    return _tags_by(conn, CompanyTag.company_id, ids)


def tag_entries(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[dict[str, Any]]:
    """A person's tags for their access package (Art. 15): every tag on them, personal or a
    business label, since either is information held about them; ``personal`` says which."""
    with k.engine.begin() as conn:
        return tag_entries_in(k, conn, actor, person_id, purpose_key, now)


def tag_entries_in(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[dict[str, Any]]:
    """``tag_entries`` in the caller's transaction, which records the read."""
    held = read_person_tags_in(k, conn, actor, person_id, purpose_key, now, via="export")
    tagged_at = dict(
        conn.execute(
            select(Tag.key, PersonTag.tagged_at)
            .join(PersonTag, PersonTag.tag_id == Tag.id)
            .where(PersonTag.person_id == person_id)
        ).all()
    )
    return [
        {
            "key": t.key,
            "name_en": t.label_en,
            "name_nl": t.label_nl,
            "personal": t.personal,
            "tagged_at": tagged_at[t.key].isoformat(),
        }
        for t in held
    ]


def tags_of_company(conn: Connection, company_id: int) -> list[TagView]:
    rows = conn.execute(
        select(*_COLUMNS)
        .join(CompanyTag, CompanyTag.tag_id == Tag.id)
        .where(CompanyTag.company_id == company_id)
        .order_by(Tag.key)
    )
    return [_view(r) for r in rows]


def tagged_people(tag_id: int) -> Any:
    """The ids of the people carrying a tag, as a subquery the list and campaigns narrow by."""
    return select(PersonTag.person_id).where(PersonTag.tag_id == tag_id)


def tagged_companies(tag_id: int) -> Any:
    return select(CompanyTag.company_id).where(CompanyTag.tag_id == tag_id)
