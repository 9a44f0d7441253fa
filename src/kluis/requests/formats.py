"""The access package rendered for people and other systems: a flat CSV, a readable HTML page
in the person's language stating their rights (GDPR Art. 12(1), 15-22, 77), and the contact
details as a vCard 4.0 (RFC 6350). Each works on the JSON-ready package alone (schema
``kluis.access/1``, ``docs/export-format.md``), so a package read back from a file renders the
same.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.errors import InvalidField

SCHEMA = "kluis.access/1"
"""The package's schema and its version; a change that breaks readers gets a new number."""

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


_FORMULA_START = ("=", "@", "\t", "\r")


def _cell(value: str) -> str:
    """A value a spreadsheet will not run as a formula (CSV injection): text starting with
    ``=``, ``@``, or ``+``/``-`` followed by anything but a number gets a leading apostrophe.
    Phone numbers in E.164 (``+31…``) stay as they are."""
    risky = value.startswith(_FORMULA_START) or (
        value[:1] in ("+", "-") and not value[1:].replace(" ", "").replace(".", "").isdigit()
    )
    return "'" + value if risky and len(value) > 1 else value


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
    for e in package.get("audit") or []:
        yield "audit", str(e.get("seq", "")), {k: v for k, v in e.items() if k != "seq"}


def package_csv(package: Mapping[str, Any]) -> str:
    """The whole package as flat CSV rows ``section,item,field,value``; nested values have dotted
    field names (``retention.duration``, ``value.0`` for the first interest)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("section", "item", "field", "value"))
    for section, item, value in _csv_items(package):
        for field, text in _flat(value, ""):
            writer.writerow((section, _cell(item), field, _cell(text)))
    return buffer.getvalue()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    from kluis.web import i18n

    env = Environment(
        loader=PackageLoader("kluis.requests", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda v: "" if not v else _when(v)
    env.globals["retention"] = i18n.retention
    env.globals["channels"] = i18n.CHANNELS
    return env


def _when(value: str) -> str:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return value
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def package_html(package: Mapping[str, Any], language: str) -> str:
    """A readable page of the package in Dutch or English, stating the person's rights."""
    if language not in ("nl", "en"):
        raise InvalidField("language is nl or en", field="language")
    labels = {f.name: f.label_nl if language == "nl" else f.label_en for f in PERSONAL_FIELDS}
    return (
        _environment().get_template("access.html").render(p=package, lang=language, labels=labels)
    )


_VCARD_BY_CATEGORY = {
    "user.contact.email": "email",
    "user.contact.phone_number": "tel",
    "user.demographic.date_of_birth": "bday",
    "user.contact.address": "adr",
    "user.job_title": "title",
    "user.demographic.profile": "categories",
    "user.content.private": "note",
}
"""vCard properties (RFC 6350) of the personal fields, by data category; names go into N and FN,
and a field with none of these categories becomes a NOTE of its own, so nothing is left out."""


def package_vcard(package: Mapping[str, Any]) -> str:
    """The person's contact details as a vCard 4.0 (RFC 6350)."""
    import vobject

    person = package["person"]
    values = {
        f["name"]: f.get("value") for f in person["fields"] if f.get("value") not in (None, "")
    }
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("kind").value = "individual"
    card.add("uid").value = f"urn:uuid:{person['id']}"
    given = str(values.get("given_name", ""))
    family = str(values.get("family_name", ""))
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    card.add("fn").value = " ".join(p for p in (given, family) if p) or person["id"]
    if person.get("language"):
        card.add("lang").value = person["language"]
    company = person.get("company")
    if company:
        card.add("org").value = [company["name"]]
    for declared in PERSONAL_FIELDS:
        value = values.get(declared.name)
        if value is None or declared.name in ("given_name", "family_name"):
            continue
        prop = _VCARD_BY_CATEGORY.get(declared.category)
        if prop == "tel":
            line = card.add("tel")
            line.value = f"tel:{value}"
            line.params["VALUE"] = ["uri"]
        elif prop == "bday":
            card.add("bday").value = str(value).replace("-", "")
        elif prop == "adr":
            card.add("adr").value = vobject.vcard.Address(street=str(value))
        elif prop == "categories":
            card.add("categories").value = list(value) if isinstance(value, list) else [value]
        elif prop is not None:
            card.add(prop).value = str(value)
        else:
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            card.add("note").value = f"{declared.label_en}: {shown}"
    if person.get("updated_at"):
        updated = datetime.fromisoformat(person["updated_at"]).astimezone(UTC)
        card.add("rev").value = updated.strftime("%Y%m%dT%H%M%SZ")
    text: str = card.serialize()
    return text


def render(package: Mapping[str, Any], format: str) -> tuple[bytes, str]:
    """The package in ``format`` (json, csv, html, vcf) and its media type."""
    if format == "json":
        body = json.dumps(package, ensure_ascii=False, indent=2).encode()
    elif format == "csv":
        body = package_csv(package).encode()
    elif format == "html":
        body = package_html(package, package["person"]["language"]).encode()
    elif format == "vcf":
        body = package_vcard(package).encode()
    else:
        raise InvalidField(f"format is one of {', '.join(FORMATS)}", field="format")
    return body, MEDIA_TYPES[format]
