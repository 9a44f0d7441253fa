"""Importing a person from a portable package made by another Kluis (GDPR Art. 20(2): the
person moves to another provider, in the brief's telecom-switch example).

Everything in the package is checked before anything is written: the schema string, the shape
(each refusal names the field as a dotted path such as ``consent.events.3.topic``), the evidence
content against its SHA-256, the notice wording against its SHA-256 and the topics against this
Kluis' catalogue. Then the person is created (source ``portable``) and their history replayed
through the consent services at its original times. A replay that fails erases the person again
through the one erasure path, so no half person is left behind.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.consent import catalogue, rules
from kluis.consent import service as consent
from kluis.consent.catalogue import ConsentRefused
from kluis.consent.rules import Action, Channel
from kluis.contacts import companies
from kluis.contacts import service as contacts
from kluis.contacts.fields import BY_NAME
from kluis.errors import InvalidField, KluisError, PermissionDenied
from kluis.purposes import service as purposes_service
from kluis.requests.formats import SCHEMA
from kluis.runtime import Kluis

_KINDS = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


def _at(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def _get(obj: Mapping[str, Any], key: str, path: str, kind: type, *, optional: bool = False) -> Any:
    """``obj[key]`` of type ``kind``; InvalidField naming ``path.key`` when missing or wrong."""
    name = _at(path, key)
    value = obj.get(key)
    if value is None:
        if optional:
            return None
        raise InvalidField(f"{name} is missing", field=name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InvalidField(f"{name} must be {_KINDS[kind]}", field=name)
    return value


def _objects(obj: Mapping[str, Any], key: str, path: str) -> list[tuple[str, dict[str, Any]]]:
    """The objects of the list ``obj[key]`` (absent: none), each with its path."""
    items = _get(obj, key, path, list, optional=True) or []
    found = []
    for index, item in enumerate(items):
        name = _at(_at(path, key), index)
        if not isinstance(item, dict):
            raise InvalidField(f"{name} must be an object", field=name)
        found.append((name, item))
    return found


def _time(obj: Mapping[str, Any], key: str, path: str) -> datetime:
    text = _get(obj, key, path, str)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        name = _at(path, key)
        raise InvalidField(f"{name} must be an ISO 8601 time with a zone", field=name)
    return at.astimezone(UTC)


@dataclass
class _Evidence:
    path: str
    content_type: str
    data: bytes
    filename: str | None
    created_at: datetime


@dataclass
class _Step:
    """One event of the history to replay: a consent event or an objection/restriction."""

    path: str
    at: datetime
    values: dict[str, Any]
    flag: bool = False


@dataclass
class _Plan:
    relationship: str
    language: str
    fields: dict[str, Any]
    field_paths: dict[str, str]
    company: dict[str, Any] | None
    purposes: list[str]
    evidence: dict[int, _Evidence] = field(default_factory=dict)
    steps: list[_Step] = field(default_factory=list)
    notice_covers: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)
    """Per wording (language, text): the (channel, topic) pairs the package's events cite it
    for, which the wording is added here as covering (so each event stays valid, Art. 7(1))."""


def _load(package: Mapping[str, Any] | bytes | str) -> Mapping[str, Any]:
    if isinstance(package, bytes | str):
        try:
            package = json.loads(package)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidField(f"the package is not JSON: {exc}", field="package") from None
    if not isinstance(package, Mapping):
        raise InvalidField("the package must be a JSON object", field="package")
    schema = package.get("schema")
    if schema != SCHEMA:
        raise InvalidField(
            f"schema is {schema!r}; this Kluis imports {SCHEMA!r} packages (made by "
            "`kluis contacts export-portable`)",
            field="schema",
        )
    return package


def _check_person(k: Kluis, data: Mapping[str, Any], wanted: Sequence[str] | None) -> _Plan:
    person = _get(data, "person", "", dict)
    fields: dict[str, Any] = {}
    paths: dict[str, str] = {}
    for path, item in _objects(person, "fields", "person"):
        name = _get(item, "name", path, str)
        if name not in BY_NAME:
            raise InvalidField(
                f"{path}.name: there is no personal field {name!r}", field=path + ".name"
            )
        value = item.get("value")
        if value is None:
            continue
        if not isinstance(value, str | list) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            raise InvalidField(
                f"{path}.value must be text or a list of texts", field=path + ".value"
            )
        fields[name], paths[name] = value, path + ".value"
    company = _get(person, "company", "person", dict, optional=True)
    if company is not None:
        _get(company, "name", "person.company", str)
    held = [_get(p, "key", path, str) for path, p in _objects(data, "purposes", "")]
    if wanted is None:
        known = {p.key for p in purposes_service.list_purposes(k.engine)}
        chosen = [key for key in held if key in known]
        if not chosen:
            raise InvalidField(
                f"none of the package's purposes ({', '.join(held) or 'none'}) exist in this "
                "Kluis; name the purposes to keep the person for",
                field="purposes",
            )
    else:
        chosen = list(wanted)
    return _Plan(
        relationship=_get(person, "relationship", "person", str),
        language=_get(person, "language", "person", str),
        fields=fields,
        field_paths=paths,
        company=company,
        purposes=chosen,
    )


def _check_evidence(k: Kluis, data: Mapping[str, Any], plan: _Plan) -> None:
    for path, item in _objects(data, "evidence", ""):
        evidence_id = _get(item, "id", path, int)
        encoded = item.get("content_base64")
        if not isinstance(encoded, str):
            raise InvalidField(
                f"{path}.content_base64 is missing: this is an access package, not a portable "
                "one; export it with `kluis contacts export-portable` (or ?portable=true)",
                field=path + ".content_base64",
            )
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidField(
                f"{path}.content_base64 is not base64", field=path + ".content_base64"
            ) from None
        if hashlib.sha256(content).hexdigest() != _get(item, "sha256", path, str).lower():
            raise InvalidField(
                f"{path}.sha256: the evidence content does not match its SHA-256; the package "
                "was altered or damaged",
                field=path + ".sha256",
            )
        size = _get(item, "size", path, int, optional=True)
        if size is not None and size != len(content):
            raise InvalidField(
                f"{path}.size: the evidence content is {len(content)} bytes, not {size}",
                field=path + ".size",
            )
        if evidence_id in plan.evidence:
            raise InvalidField(
                f"{path}.id: evidence {evidence_id} appears twice", field=path + ".id"
            )
        content_type = _get(item, "content_type", path, str)
        try:
            rules.check_evidence(content_type, content, k.settings.evidence_max_bytes)
        except ValueError as exc:
            name = "content_type" if content_type not in rules.EVIDENCE_TYPES else "content_base64"
            raise InvalidField(f"{path}.{name}: {exc}", field=f"{path}.{name}") from None
        plan.evidence[evidence_id] = _Evidence(
            path,
            content_type,
            content,
            _get(item, "filename", path, str, optional=True),
            _time(item, "created_at", path),
        )


def _check_event(path: str, values: Mapping[str, Any]) -> None:
    """What the ledger would refuse of an event, refused before anything is written: a grant
    that is not consent (Art. 7(1), Recital 32), a withdrawal by an unknown way."""
    method = values["method"]
    if values["action"] == Action.GRANTED:
        try:
            rules.check_grant(method, None if values["notice"] is None else 0)
        except rules.ConsentRefused as exc:
            name = f"{path}.{exc.field}"
            raise ConsentRefused(f"{name}: {exc}", field=name) from None
    elif (
        values["action"] == Action.WITHDRAWN
        and method is not None
        and method not in (*consent.WITHDRAWAL_METHODS, *(m.value for m in rules.Method))
    ):
        raise InvalidField(
            f"{path}.method is not a way of withdrawing; one of "
            + ", ".join(consent.WITHDRAWAL_METHODS),
            field=path + ".method",
        )


def _check_history(k: Kluis, data: Mapping[str, Any], plan: _Plan) -> None:
    part = _get(data, "consent", "", dict, optional=True) or {}
    topics = {t.key for t in catalogue.list_topics(k)}
    channels, actions = {c.value for c in Channel}, {a.value for a in Action}
    for path, item in _objects(part, "events", "consent"):
        values = {
            "channel": _get(item, "channel", path, str),
            "topic": _get(item, "topic", path, str),
            "action": _get(item, "action", path, str),
            "method": _get(item, "method", path, str, optional=True),
            "captured_by": _get(item, "captured_by", path, str, optional=True),
            "evidence_id": _get(item, "evidence_id", path, int, optional=True),
            "source_ip": _get(item, "source_ip", path, str, optional=True),
            "user_agent": _get(item, "user_agent", path, str, optional=True),
            "notice": None,
        }
        for name, allowed in (("channel", channels), ("action", actions), ("topic", topics)):
            if values[name] not in allowed:
                hint = "; add it with `kluis topics add` first" if name == "topic" else ""
                raise InvalidField(
                    f"{path}.{name} is not a {name} of this Kluis{hint}",
                    field=f"{path}.{name}",
                )
        if values["evidence_id"] is not None and values["evidence_id"] not in plan.evidence:
            raise InvalidField(
                f"{path}.evidence_id: evidence {values['evidence_id']} is not in the package",
                field=path + ".evidence_id",
            )
        notice = _get(item, "notice", path, dict, optional=True)
        if notice is not None:
            where = path + ".notice"
            language = _get(notice, "language", where, str)
            text = _get(notice, "text", where, str)
            digest = hashlib.sha256(f"{language}\n{text.strip()}".encode()).hexdigest()
            if digest != _get(notice, "sha256", where, str).lower():
                raise InvalidField(
                    f"{where}.sha256: the notice wording does not match its SHA-256; the package "
                    "was altered or damaged",
                    field=where + ".sha256",
                )
            if language not in ("nl", "en"):
                raise InvalidField(f"{where}.language is nl or en", field=where + ".language")
            declared = _get(notice, "covers", where, list, optional=True)
            pair = (values["channel"], values["topic"])
            if declared is not None and not any(
                isinstance(c, dict) and (c.get("channel"), c.get("topic")) == pair for c in declared
            ):
                raise InvalidField(
                    f"{where}.covers: the notice does not cover {pair[0]}/{pair[1]}, so it is no "
                    "proof of this consent (GDPR Art. 7(1))",
                    field=where + ".covers",
                )
            values["notice"] = (language, text)
            plan.notice_covers.setdefault((language, text), set()).add(pair)
        _check_event(path, values)
        plan.steps.append(_Step(path, _time(item, "captured_at", path), values))
    for path, item in _objects(part, "flags", "consent"):
        flag = _get(item, "flag", path, str)
        active = _get(item, "active", path, bool)
        method = _get(item, "method", path, str)
        if flag not in ("objection", "restriction"):
            raise InvalidField(f"{path}.flag is objection or restriction", field=path + ".flag")
        if method not in consent.FLAG_METHODS:
            raise InvalidField(
                f"{path}.method is not one of {', '.join(consent.FLAG_METHODS)}",
                field=path + ".method",
            )
        at = _time(item, "captured_at", path)
        plan.steps.append(
            _Step(path, at, {"flag": flag, "active": active, "method": method}, flag=True)
        )
    # One timeline, in time order; at the same moment consent events go before flags, as in
    # the ledger they came from.
    plan.steps.sort(key=lambda s: (s.at, s.flag))


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
    k: Kluis, actor: Actor, person_id: str, plan: _Plan, now: datetime, *, add_company: bool
) -> None:
    evidence_ids: dict[int, int] = {}
    for old_id, item in plan.evidence.items():
        with _located(item.path):
            evidence_ids[old_id] = consent.add_evidence(
                k,
                actor,
                person_id,
                k.settings.privacy_purpose,
                item.content_type,
                item.data,
                item.created_at,
                item.filename,
            )
    for step in plan.steps:
        values = step.values
        with _located(step.path):
            if step.flag:
                consent.set_flag(
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
            consent.record(
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
    # Last, so that a refused replay leaves no company behind either.
    if add_company and plan.company is not None:
        _add_company(k, actor, person_id, plan.company, now)


@contextmanager
def _located(path: str) -> Iterator[None]:
    """Names the package item a refusal during the replay is about (``consent.events.3``)."""
    try:
        yield
    except KluisError as exc:
        exc.field = _at(path, exc.field) if exc.field else path
        exc.detail = f"{path}: {exc.detail}"
        raise


def import_portable(
    k: Kluis,
    actor: Actor,
    package: Mapping[str, Any] | bytes | str,
    now: datetime,
    *,
    purposes: Sequence[str] | None = None,
) -> str:
    """Import a person from a portable package made by another Kluis (Art. 20(2)); returns the
    new id. Everything is checked first (schema, shape, evidence against its SHA-256, notices
    against theirs, topics); then the person is created with source ``portable`` for the
    package's purposes that exist here (or ``purposes``), and their evidence, consent history
    (at its original times) and objections and restrictions are replayed. If the replay fails
    the person is erased again, so no half person is left, and the refusal is raised."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may import a person")
    data = _load(package)
    plan = _check_person(k, data, purposes)
    _check_evidence(k, data, plan)
    _check_history(k, data, plan)
    company_id = _same_company(k, plan.company)
    item = contacts.NewPerson(
        relationship=plan.relationship,
        purposes=plan.purposes,
        fields=plan.fields,
        language=plan.language,
        company_id=company_id,
    )
    try:
        person_id = contacts.create_person(k, actor, item, now, source="portable")
    except KluisError as exc:
        if exc.field in plan.field_paths:
            exc.field = plan.field_paths[exc.field]
        elif exc.field in ("relationship", "language"):
            exc.field = f"person.{exc.field}"
        raise
    try:
        _replay(k, actor, person_id, plan, now, add_company=company_id is None)
    except Exception:
        contacts.erase_person(k, actor, person_id, now, reason="import_failed", suppress=False)
        raise
    return person_id
