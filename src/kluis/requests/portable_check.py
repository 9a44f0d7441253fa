"""Reading a portable package (GDPR Art. 20(2)) and checking everything in it before anything
is written: the schema string, the shape (each refusal names the field as a dotted path such as
``consent.events.3.topic``), the evidence content against its SHA-256, the notice wording against
its SHA-256, the topics against this Kluis' catalogue, and what the consent ledger would refuse
of each event. The result is the plan ``portable`` carries out."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kluis.consent import catalogue, grant_rules, ledger, rules
from kluis.consent.catalogue import ConsentRefused
from kluis.consent.rules import Action, Channel
from kluis.contacts import flags
from kluis.contacts.fields import BY_NAME
from kluis.errors import InvalidField
from kluis.purposes import service as purposes_service
from kluis.requests import portable_activities, portable_custom
from kluis.requests.formats import READABLE
from kluis.runtime import Kluis

_KINDS = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


def at_path(path: str, key: str | int) -> str:
    """The dotted path of ``key`` under ``path`` (``consent.events.3``)."""
    return f"{path}.{key}" if path else str(key)


def _get(obj: Mapping[str, Any], key: str, path: str, kind: type, *, optional: bool = False) -> Any:
    """``obj[key]`` of type ``kind``; InvalidField naming ``path.key`` when missing or wrong."""
    name = at_path(path, key)
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
        name = at_path(at_path(path, key), index)
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
        name = at_path(path, key)
        raise InvalidField(f"{name} must be an ISO 8601 time with a zone", field=name)
    return at.astimezone(UTC)


@dataclass
class Evidence:
    path: str
    content_type: str
    data: bytes
    filename: str | None
    created_at: datetime


@dataclass
class Step:
    """One event of the history to replay: a consent event or an objection/restriction."""

    path: str
    at: datetime
    values: dict[str, Any]
    flag: bool = False


@dataclass
class Plan:
    relationship: str
    language: str
    fields: dict[str, Any]
    field_paths: dict[str, str]
    company: dict[str, Any] | None
    purposes: list[str]
    evidence: dict[int, Evidence] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    notice_covers: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)
    """Per wording (language, text): the (channel, topic) pairs the package's events cite it
    for, which the wording is added here as covering (so each event stays valid, Art. 7(1))."""
    activities: list[portable_activities.Item] = field(default_factory=list)
    """The activities to log again (``kluis.access/2``), under purposes the person is kept for."""
    custom: portable_custom.CustomPlan = field(default_factory=portable_custom.CustomPlan)
    """The custom values to store, and those left out (``portable_custom``)."""


def _load(package: Mapping[str, Any] | bytes | str) -> Mapping[str, Any]:
    if isinstance(package, bytes | str):
        try:
            package = json.loads(package)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidField(f"the package is not JSON: {exc}", field="package") from None
    if not isinstance(package, Mapping):
        raise InvalidField("the package must be a JSON object", field="package")
    schema = package.get("schema")
    if schema not in READABLE:
        raise InvalidField(
            f"schema is {schema!r}; this Kluis imports {' and '.join(READABLE)} packages (made by "
            "`kluis contacts export-portable`)",
            field="schema",
        )
    return package


def _check_person(k: Kluis, data: Mapping[str, Any], wanted: Sequence[str] | None) -> Plan:
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
    return Plan(
        relationship=_get(person, "relationship", "person", str),
        language=_get(person, "language", "person", str),
        fields=fields,
        field_paths=paths,
        company=company,
        purposes=chosen,
    )


def _check_evidence(k: Kluis, data: Mapping[str, Any], plan: Plan) -> None:
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
            grant_rules.check_evidence(content_type, content, k.settings.evidence_max_bytes)
        except ValueError as exc:
            name = (
                "content_type"
                if content_type not in grant_rules.EVIDENCE_TYPES
                else "content_base64"
            )
            raise InvalidField(f"{path}.{name}: {exc}", field=f"{path}.{name}") from None
        plan.evidence[evidence_id] = Evidence(
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
            grant_rules.check_grant(method, None if values["notice"] is None else 0)
        except grant_rules.ConsentRefused as exc:
            name = f"{path}.{exc.field}"
            raise ConsentRefused(f"{name}: {exc}", field=name) from None
    elif (
        values["action"] == Action.WITHDRAWN
        and method is not None
        and method not in (*ledger.WITHDRAWAL_METHODS, *(m.value for m in rules.Method))
    ):
        raise InvalidField(
            f"{path}.method is not a way of withdrawing; one of "
            + ", ".join(ledger.WITHDRAWAL_METHODS),
            field=path + ".method",
        )


def _check_history(k: Kluis, data: Mapping[str, Any], plan: Plan) -> None:
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
            "id": _get(item, "id", path, int, optional=True),
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
        plan.steps.append(Step(path, _time(item, "captured_at", path), values))
    for path, item in _objects(part, "flags", "consent"):
        flag = _get(item, "flag", path, str)
        active = _get(item, "active", path, bool)
        method = _get(item, "method", path, str)
        if flag not in ("objection", "restriction"):
            raise InvalidField(f"{path}.flag is objection or restriction", field=path + ".flag")
        if method not in flags.FLAG_METHODS:
            raise InvalidField(
                f"{path}.method is not one of {', '.join(flags.FLAG_METHODS)}",
                field=path + ".method",
            )
        at = _time(item, "captured_at", path)
        plan.steps.append(
            Step(path, at, {"flag": flag, "active": active, "method": method}, flag=True)
        )
    # One timeline, in time order; at the same moment consent events go before flags, as in
    # the ledger they came from.
    plan.steps.sort(key=lambda s: (s.at, s.flag))


def read(
    k: Kluis, package: Mapping[str, Any] | bytes | str, purposes: Sequence[str] | None
) -> Plan:
    """Check everything in the package before anything is written; what to create and replay.
    ``purposes`` are the purposes to keep the person for (default: the package's that exist
    here)."""
    data = _load(package)
    plan = _check_person(k, data, purposes)
    _check_evidence(k, data, plan)
    _check_history(k, data, plan)
    plan.activities = portable_activities.check(data, plan.purposes, set(plan.evidence))
    plan.custom = portable_custom.plan(k, data, plan.purposes)
    return plan
