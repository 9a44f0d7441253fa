"""Companies: organisations people work for. Not personal data, stored plainly, still audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.people_events import CompanyCreated, CompanyUpdated
from kluis.contacts import business_fields
from kluis.contacts.business_fields import CustomValueOut
from kluis.contacts.list_rules import ANYONE, OwnerFilter
from kluis.contacts.owner_check import check_owners, default_owner
from kluis.contacts.rules import INVISIBLE, INVISIBLE_REFUSED
from kluis.contacts.tables import Company
from kluis.contacts.tag_tables import CompanyTag
from kluis.errors import InvalidField, NotFound
from kluis.runtime import Kluis

EDITABLE = ("name", "registration_number", "vat_number", "website", "city", "country")


@dataclass(frozen=True)
class CompanyView:
    id: int
    name: str
    registration_number: str | None
    vat_number: str | None
    website: str | None
    city: str | None
    country: str | None
    created_at: datetime
    updated_at: datetime
    owner_id: int | None = None
    custom: dict[str, CustomValueOut] = field(default_factory=dict)
    """Values of the companies' plain custom fields by key (``business_fields``)."""


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in EDITABLE:
            raise InvalidField(f"unknown company field {name!r}", field=name)
        if value is not None:
            if not isinstance(value, str):
                raise InvalidField(f"{name} must be text", field=name)
            value = " ".join(value.split()) or None
            if value is not None and INVISIBLE.search(value):
                raise InvalidField(
                    f"{name} contains invisible or direction-changing characters (zero-width "
                    "spaces, bidirectional controls); type it again without them",
                    field=name,
                    msgid=INVISIBLE_REFUSED,
                )
        if name == "name" and not value:
            raise InvalidField("a company needs a name", field="name")
        if name == "country" and value is not None:
            if len(value) != 2 or not value.isalpha():
                raise InvalidField(
                    "country is an ISO 3166 two-letter code such as NL or BE", field="country"
                )
            value = value.upper()
        out[name] = value
    return out


def _view(row: Any, custom: dict[str, CustomValueOut] | None = None) -> CompanyView:
    return CompanyView(
        id=row.id,
        name=row.name,
        registration_number=row.registration_number,
        vat_number=row.vat_number,
        website=row.website,
        city=row.city,
        country=row.country,
        created_at=row.created_at,
        updated_at=row.updated_at,
        owner_id=row.owner_id,
        custom=custom or {},
    )


def create_company(
    k: Kluis,
    actor: Actor,
    values: Mapping[str, Any],
    now: datetime,
    *,
    owner_id: int | None = None,
) -> CompanyView:
    """Add a company; its owner is ``owner_id``, else the staff user who adds it. ``custom``
    among ``values``: its plain custom fields by key."""
    custom = dict(values.get("custom") or {})
    cleaned = _clean({n: v for n, v in values.items() if n != "custom"})
    if "name" not in cleaned:
        raise InvalidField("a company needs a name", field="name")
    with k.engine.begin() as conn:
        if owner_id is not None:
            check_owners(conn, [owner_id])
        owner = owner_id if owner_id is not None else default_owner(conn, actor.user_id)
        company_id = conn.execute(
            insert(Company)
            .values(created_at=now, updated_at=now, owner_id=owner, **cleaned)
            .returning(Company.id)
        ).scalar_one()
        business_fields.put_values(conn, "company", company_id, custom)
        audit.record(conn, actor.ref, now, [CompanyCreated(company_id)])
    return get_company(k, company_id)


def get_company(k: Kluis, company_id: int) -> CompanyView:
    if not 0 < company_id < 2**31:
        raise NotFound(f"there is no company {company_id}", field="company_id")
    with k.engine.connect() as conn:
        row = conn.execute(select(Company).where(Company.id == company_id)).first()
        custom = business_fields.values_of(conn, "company", [company_id])
    if row is None:
        raise NotFound(f"there is no company {company_id}", field="company_id")
    return _view(row, custom.get(company_id))


def list_companies(
    k: Kluis,
    *,
    name: str | None = None,
    limit: int = 50,
    offset: int = 0,
    owner: OwnerFilter = ANYONE,
    tag_id: int | None = None,
) -> tuple[list[CompanyView], int]:
    """Companies in order of name (business data, stored plainly, so the store orders them),
    optionally those whose name contains ``name``, those of one owner or of nobody, and those
    carrying a tag."""
    query = select(Company)
    if tag_id is not None:
        tagged = select(CompanyTag.company_id).where(CompanyTag.tag_id == tag_id)
        query = query.where(Company.id.in_(tagged))
    if owner.user_id is not None:
        query = query.where(Company.owner_id == owner.user_id)
    elif owner.unowned:
        query = query.where(Company.owner_id.is_(None))
    if name:
        query = query.where(func.lower(Company.name).contains(name.lower(), autoescape=True))
    with k.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(Company.name, Company.id).limit(limit).offset(offset)
        ).all()
        custom = business_fields.values_of(conn, "company", [r.id for r in rows])
        return [_view(r, custom.get(r.id)) for r in rows], total


def update_company(
    k: Kluis, actor: Actor, company_id: int, values: Mapping[str, Any], now: datetime
) -> CompanyView:
    custom = dict(values.get("custom") or {})
    cleaned = _clean({n: v for n, v in values.items() if n != "custom"})
    get_company(k, company_id)
    if cleaned or custom:
        with k.engine.begin() as conn:
            conn.execute(
                update(Company).where(Company.id == company_id).values(updated_at=now, **cleaned)
            )
            names = business_fields.put_values(conn, "company", company_id, custom)
            changed = tuple(sorted([*cleaned, *names]))
            audit.record(conn, actor.ref, now, [CompanyUpdated(company_id, changed)])
    return get_company(k, company_id)
