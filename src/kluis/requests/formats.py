"""The access package rendered for people and other systems: a flat CSV, a readable HTML page
in the person's language stating their rights (GDPR Art. 12(1), 15-22, 77), and the contact
details as a vCard 4.0 (RFC 6350). Each works on the JSON-ready package alone (schema
``kluis.access/2``, ``docs/export-format.md``), so a package read back from a file renders the
same.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from kluis import jsonout
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.contacts.vcard import person_vcard
from kluis.csvout import Writer
from kluis.errors import InvalidField
from kluis.locale.catalogues import ByLanguage, nested
from kluis.locale.formats import say_moment, say_retention

SCHEMA = "kluis.access/2"
"""The package's schema and its version; a change that breaks readers gets a new number
(``/2`` added ``activities``)."""
READABLE = ("kluis.access/1", "kluis.access/2")
"""The versions ``import-portable`` reads: a ``/1`` package has no activities."""

FORMATS = ("json", "csv", "html", "vcf")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "vcf": "text/vcard; charset=utf-8",
}


def _flat(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        if not value:
            yield path, ""
        for key, inner in value.items():
            yield from _flat(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        if not value:
            yield path, ""
        for index, inner in enumerate(value):
            yield from _flat(inner, f"{path}.{index}" if path else str(index))
    elif value is None:
        yield path, ""
    elif isinstance(value, bool):
        yield path, "true" if value else "false"
    else:
        yield path, str(value)


def _csv_items(package: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(section, item, value) for each part of the package; an item is named by its own id."""
    yield (
        "package",
        "",
        {k: package.get(k) for k in ("schema", "controller", "generated_at", "request_id")}
        | {"portable": package.get("portable")},
    )
    person = dict(package.get("person") or {})
    fields = person.pop("fields", [])
    yield "person", "", person
    for f in fields:
        yield "fields", f.get("name", ""), {"category": f.get("category"), "value": f.get("value")}
    for c in package.get("custom") or []:
        yield "custom", c.get("key", ""), {k: v for k, v in c.items() if k != "key"}
    for p in package.get("purposes") or []:
        yield "purposes", p.get("key", ""), {k: v for k, v in p.items() if k != "key"}
    for t in package.get("topics") or []:
        yield "topics", t.get("key", ""), {k: v for k, v in t.items() if k != "key"}
    consent_part = package.get("consent") or {}
    for e in consent_part.get("events") or []:
        yield "consent_events", str(e.get("id", "")), {k: v for k, v in e.items() if k != "id"}
    for n, f in enumerate(consent_part.get("flags") or [], start=1):
        yield "flag_events", str(n), f
    for e in package.get("evidence") or []:
        yield "evidence", str(e.get("id", "")), {k: v for k, v in e.items() if k != "id"}
    for p in package.get("permissions") or []:
        item = f"{p.get('channel')}/{p.get('topic')}"
        yield "permissions", item, {k: v for k, v in p.items() if k not in ("channel", "topic")}
    for m in package.get("messages") or []:
        yield "messages", str(m.get("id", "")), {k: v for k, v in m.items() if k != "id"}
    for n, c in enumerate(package.get("calls") or [], start=1):
        yield "calls", str(n), c
    for d in package.get("deals") or []:
        yield "deals", str(d.get("id", "")), {k: v for k, v in d.items() if k != "id"}
    for a in package.get("activities") or []:
        yield "activities", str(a.get("id", "")), {k: v for k, v in a.items() if k != "id"}
    for t in package.get("tasks") or []:
        yield "tasks", str(t.get("id", "")), {k: v for k, v in t.items() if k != "id"}
    for g in package.get("tags") or []:
        yield "tags", str(g.get("key", "")), {k: v for k, v in g.items() if k != "key"}
    for e in package.get("audit") or []:
        yield "audit", str(e.get("seq", "")), {k: v for k, v in e.items() if k != "seq"}
    for c in package.get("connected_systems") or []:
        yield "connected_systems", str(c.get("system", "")), {"external_id": c.get("external_id")}


def package_csv(package: Mapping[str, Any]) -> str:
    """The whole package as flat CSV rows ``section,item,field,value``; nested values have dotted
    field names (``retention.duration``, ``value.0`` for the first interest)."""
    buffer = io.StringIO()
    writer = Writer(buffer)
    writer.writerow(("section", "item", "field", "value"))
    for section, item, value in _csv_items(package):
        for field, text in _flat(value, ""):
            writer.writerow((section, item, field, text))
    return buffer.getvalue()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("kluis.requests", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.globals["retention"] = say_retention
    env.globals["channels"] = ByLanguage("common", prefix="channel_")
    return env


@pass_context
def _when(context: Context, value: str | None) -> str:
    """A moment of the package as the reader says it, in the organisation's time zone."""
    return say_moment(value, context["lang"]) if value else ""


def package_html(
    package: Mapping[str, Any], language: str, purpose_names: Mapping[str, str] | None = None
) -> str:
    """A readable page of the package in Dutch or English, stating the person's rights;
    ``purpose_names`` names the purposes the log shows that the person is not held for."""
    if language not in ("nl", "en"):
        raise InvalidField("language is nl or en", field="language")
    labels = {f.name: f.label_nl if language == "nl" else f.label_en for f in PERSONAL_FIELDS}
    return (
        _environment()
        .get_template("access.html")
        .render(
            p=package,
            lang=language,
            labels=labels,
            T=nested("export", language),
            purpose_names=dict(purpose_names or {}),
        )
    )


def package_vcard(package: Mapping[str, Any]) -> str:
    """The person's contact details as a vCard 4.0 (RFC 6350), written by the one vCard writer
    (``contacts.vcard``) that the bulk export uses too."""
    person = package["person"]
    company = person.get("company")
    updated = person.get("updated_at")
    return person_vcard(
        person["id"],
        {f["name"]: f.get("value") for f in person["fields"]},
        language=person.get("language") or None,
        organisation=company["name"] if company else None,
        updated_at=datetime.fromisoformat(updated) if updated else None,
    )


def render(package: Mapping[str, Any], format: str) -> tuple[bytes, str]:
    """The package in ``format`` (json, csv, html, vcf) and its media type."""
    if format == "json":
        body = jsonout.dumps(package).encode()
    elif format == "csv":
        body = package_csv(package).encode()
    elif format == "html":
        body = package_html(package, package["person"]["language"]).encode()
    elif format == "vcf":
        body = package_vcard(package).encode()
    else:
        raise InvalidField(f"format is one of {', '.join(FORMATS)}", field="format")
    return body, MEDIA_TYPES[format]
