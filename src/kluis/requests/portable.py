"""Importing a person from a portable package made by another Kluis (GDPR Art. 20(2): the
person moves to another provider, in the brief's telecom-switch example).

Everything in the package is checked before anything is written (``portable_check``). Then
the person is created (source ``portable``) and their activities (``portable_activities``) and
history replayed through the activities and consent services at their original times. A replay
that fails erases the person again through the one erasure path, so no half person is left
behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.consent import catalogue
from kluis.consent import evidence as consent_evidence
from kluis.consent import ledger as consent
from kluis.contacts import collect, companies, erasure, flags, people
from kluis.contacts import rectify as contacts
from kluis.errors import KluisError, PermissionDenied
from kluis.requests import portable_activities, portable_check, portable_custom
from kluis.requests.portable_check import Plan
from kluis.runtime import Kluis


def _same_company(k: Kluis, company: Mapping[str, Any] | None) -> int | None:
    """The id of the company here with the package's company name, if there is one."""
    if company is None:
        return None
    name = " ".join(str(company["name"]).split())
    found, _ = companies.list_companies(k, name=name, limit=500)
    return next((c.id for c in found if c.name.casefold() == name.casefold()), None)


def _add_company(
    k: Kluis, actor: Actor, person_id: str, company: Mapping[str, Any], now: datetime
) -> None:
    """Add the person's company (not personal data) and link them to it."""
    values = {key: company.get(key) for key in ("name", "city", "country")}
    with _located("person.company"):
        company_id = companies.create_company(k, actor, values, now).id
    contacts.update_person(
        k, actor, person_id, k.settings.privacy_purpose, {"company_id": company_id}, now
    )


def _replay(
    k: Kluis, actor: Actor, person_id: str, plan: Plan, now: datetime, *, add_company: bool
) -> None:
    evidence_ids: dict[int, int] = {}
    for old_id, item in plan.evidence.items():
        with _located(item.path):
            evidence_ids[old_id] = consent_evidence.add_evidence(
                k,
                actor,
                person_id,
                k.settings.privacy_purpose,
                item.content_type,
                item.data,
                item.created_at,
                item.filename,
            )
    waiting = portable_activities.replay(k, actor, person_id, plan.activities, evidence_ids, now)
    with _located("custom"):
        portable_custom.replay(k, actor, person_id, plan.custom, now)
    event_ids: dict[int, int] = {}
    for step in plan.steps:
        values = step.values
        with _located(step.path):
            if step.flag:
                flags.set_flag(
                    k, actor, person_id, values["flag"], values["active"], values["method"], step.at
                )
                continue
            notice_id = None
            if values["notice"] is not None:
                language, text = values["notice"]
                notice_id = catalogue.add_notice(
                    k, actor, language, text, now, covers=plan.notice_covers[(language, text)]
                ).id
            grant = consent.Grant(
                method=values["method"],
                notice_id=notice_id,
                evidence_id=None
                if values["evidence_id"] is None
                else evidence_ids[values["evidence_id"]],
                source_ip=values["source_ip"],
                user_agent=values["user_agent"],
            )
            captured_by = values["captured_by"]
            if captured_by not in (None, "person"):
                captured_by = f"portable:{captured_by}"[:120]
            new_id = consent.record(
                k,
                actor,
                person_id,
                values["channel"],
                values["topic"],
                values["action"],
                step.at,
                grant,
                captured_by=captured_by,
            )
            if values["id"] is not None:
                event_ids[values["id"]] = new_id
    portable_activities.link(k, actor, person_id, waiting, event_ids, now)
    # Last, so that a refused replay leaves no company behind either.
    if add_company and plan.company is not None:
        _add_company(k, actor, person_id, plan.company, now)


@contextmanager
def _located(path: str) -> Iterator[None]:
    """Names the package item a refusal during the replay is about (``consent.events.3``)."""
    try:
        yield
    except KluisError as exc:
        exc.field = portable_check.at_path(path, exc.field) if exc.field else path
        exc.detail = f"{path}: {exc.detail}"
        raise


@dataclass(frozen=True)
class Imported:
    """A person imported from a portable package, and the custom values left out."""

    person_id: str
    skipped: tuple[portable_custom.Skipped, ...]


def import_portable(
    k: Kluis,
    actor: Actor,
    package: Mapping[str, Any] | bytes | str,
    now: datetime,
    *,
    purposes: Sequence[str] | None = None,
) -> str:
    """``import_person``'s new id."""
    return import_person(k, actor, package, now, purposes=purposes).person_id


def import_person(
    k: Kluis,
    actor: Actor,
    package: Mapping[str, Any] | bytes | str,
    now: datetime,
    *,
    purposes: Sequence[str] | None = None,
) -> Imported:
    """Import a person from a portable package made by another Kluis (Art. 20(2)); returns the
    new id. Everything is checked first (schema, shape, evidence against its SHA-256, notices
    against theirs, topics); then the person is created with source ``portable`` for the
    package's purposes that exist here (or ``purposes``), and their evidence, consent history
    (at its original times), objections and restrictions, and the custom values a field here
    takes (``portable_custom``; the others are reported in ``skipped``) are replayed. If the
    replay fails the person is erased again, so no half person is left, and the refusal is
    raised."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may import a person")
    plan = portable_check.read(k, package, purposes)
    company_id = _same_company(k, plan.company)
    item = people.NewPerson(
        relationship=plan.relationship,
        purposes=plan.purposes,
        fields=plan.fields,
        language=plan.language,
        company_id=company_id,
    )
    try:
        person_id = collect.create_person(k, actor, item, now, source="portable")
    except KluisError as exc:
        if exc.field in plan.field_paths:
            exc.field = plan.field_paths[exc.field]
        elif exc.field in ("relationship", "language"):
            exc.field = f"person.{exc.field}"
        raise
    try:
        _replay(k, actor, person_id, plan, now, add_company=company_id is None)
    except Exception:
        erasure.erase_person(k, actor, person_id, now, reason="import_failed", suppress=False)
        raise
    return Imported(person_id, tuple(plan.custom.skipped))
