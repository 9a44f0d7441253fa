"""The record of processing activities (Art. 30(1)), generated from the live purposes catalogue.

Never hand-kept: each purpose is one processing activity, and every item (a) to (g) of
Art. 30(1) is filled from the catalogue, the organisation settings, the personal-field
declaration and what Kluis actually does to protect the data (the settings in force decide some
of it: where the keyring lives, where the master key comes from, SQLite or PostgreSQL). The
counts of people per purpose and per lawful basis come from two grouped queries; no person is
read.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.compliance import i18n, repository
from kluis.compliance.render import environment
from kluis.connected import service as connected
from kluis.contacts import custom_fields
from kluis.contacts.custom_rules import CustomField
from kluis.contacts.fields import PERSONAL_FIELDS, PersonalField
from kluis.csvout import Writer
from kluis.errors import InvalidField, PermissionDenied
from kluis.locale.catalogues import messages
from kluis.locale.formats import say_date
from kluis.purposes import service as purposes
from kluis.purposes.rules import Purpose, category_covered, data_category_names
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault import tables as vault_tables

FORMATS = ("md", "html", "csv", "json")
ITEMS = ("a", "b", "c_subjects", "c_data", "d", "e", "f", "g")
"""The Art. 30(1) items every activity carries, in order; (c) has two parts."""


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    lines: list[str]


@dataclass(frozen=True)
class Activity:
    purpose: str
    name: str
    description: str
    lawful_basis: str
    lawful_basis_text: str
    legitimate_interest: str | None
    people: int
    covers_everyone: bool
    data_subjects: list[dict[str, str]]
    data_categories: list[dict[str, Any]]
    recipients: list[str]
    transfers: list[dict[str, str]]
    retention: dict[str, str]
    items: list[Item]


@dataclass(frozen=True)
class Record:
    language: str
    generated_at: datetime
    controller: dict[str, str | None]
    security_measures: list[str]
    activities: list[Activity]
    people_by_basis: dict[str, int]
    people_total: int
    labels: Mapping[str, str] = field(default_factory=dict)


def may_read(actor: Actor) -> None:
    """The record is the controller's document for the supervisory authority (Art. 30(4))."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied(
            "only an admin or the privacy officer may read the record of processing"
        )


def security_measures(settings: Settings, language: str) -> list[str]:
    """Art. 30(1)(g) and 32: what Kluis does, in words, with the settings in force."""
    t = i18n.strings(language)
    keyring_url = settings.resolved_keyring_url
    dialect = keyring_url.split(":", 1)[0].split("+", 1)[0]
    where = (
        t["m_keyring_sqlite"]
        if dialect == "sqlite"
        else t["m_keyring_database"].format(
            dialect="PostgreSQL" if "postgres" in dialect else dialect
        )
    )
    data_sqlite = settings.resolved_database_url.startswith("sqlite")
    measures = [
        t["m_encryption"],
        t["m_keyring"].format(where=where),
        t["m_master_key_env"] if settings.master_key is not None else t["m_master_key_file"],
        t["m_erasure"],
        t["m_secure_delete_sqlite"] if data_sqlite else t["m_secure_delete_postgresql"],
        t["m_purpose_reads"],
        t["m_audit"],
        t["m_blind_index"],
        t["m_credentials"],
    ]
    if hasattr(vault_tables, "SuppressionEntry"):
        measures.append(t["m_suppression"])
    return measures


def keyring_window_days(settings: Settings) -> int | None:
    """How long keyring snapshots are kept (``KLUIS_KEYRING_BACKUP_DAYS``)."""
    value = getattr(settings, "keyring_backup_days", None)
    return value if isinstance(value, int) else None


def controller(settings: Settings) -> dict[str, str | None]:
    return {
        "name": settings.organisation_name,
        "address": settings.organisation_address or None,
        "contact": settings.organisation_contact,
        "representative": settings.representative,
        "dpo_name": settings.dpo_name,
        "dpo_contact": settings.dpo_contact,
        "supervisory_authority": settings.supervisory_authority,
    }


def controller_lines(c: dict[str, str | None], t: Mapping[str, str]) -> list[str]:
    head = ", ".join(v for v in (c["name"], c["address"], c["contact"]) if v)
    dpo = ", ".join(v for v in (c["dpo_name"], c["dpo_contact"]) if v) or t["no_dpo"]
    return [
        f"{t['controller']}: {head}",
        f"{t['representative']}: {c['representative'] or t['no_representative']}",
        f"{t['dpo']}: {dpo}",
    ]


def _with_custom(extra: Sequence[CustomField]) -> list[PersonalField | CustomField]:
    """The built-in personal fields and the declared custom ones: what the purposes may use."""
    return [*PERSONAL_FIELDS, *extra]


def _fields_under(category: str, language: str, extra: Sequence[CustomField] = ()) -> list[str]:
    return [
        f.label_en if language == "en" else f.label_nl
        for f in _with_custom(extra)
        if category_covered((category,), f.category)
    ]


def subject_names(keys: tuple[str, ...], language: str) -> list[dict[str, str]]:
    # lazy: fideslang's taxonomy takes ~0.12 s to import; only the record of processing needs it
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    names = {s.fides_key: s.name or s.fides_key for s in DEFAULT_TAXONOMY.data_subject}
    dutch = i18n.SUBJECTS["nl"]
    return [
        {
            "key": k,
            "name": dutch.get(k, names.get(k, k)) if language == "nl" else names.get(k, k),
        }
        for k in keys
    ]


def category_entries(
    keys: tuple[str, ...], language: str, extra: Sequence[CustomField] = ()
) -> list[dict[str, Any]]:
    return [
        {"key": k, "name": category_name(k, language), "fields": _fields_under(k, language, extra)}
        for k in keys
    ]


def category_name(key: str, language: str) -> str:
    """A fideslang data category in ``language``: the catalogue's words for the categories of
    Kluis's fields, fideslang's own English name for the others."""
    said = messages("common", language).get(f"category_{key}")
    if said is not None and language != "en":
        return said
    return data_category_names().get(key, key)


def basis_text(basis: str, language: str) -> str:
    return i18n.strings(language).get(f"basis_{basis}", basis)


def activity(
    purpose: Purpose,
    language: str,
    c: dict[str, str | None],
    people: int,
    total: int,
    window_days: int | None,
    extra: Sequence[CustomField] = (),
) -> Activity:
    """One processing activity (Art. 30(1)); ``extra`` are the declared custom fields."""
    t = i18n.strings(language)
    name = purpose.name_en if language == "en" else purpose.name_nl
    description = purpose.description_en if language == "en" else purpose.description_nl
    subjects = subject_names(purpose.data_subjects, language)
    categories = category_entries(purpose.data_categories, language, extra)
    retention_text = i18n.keep_for(purpose.retention, purpose.retention_anchor.value, language)
    readable = [
        f.label_en if language == "en" else f.label_nl
        for f in _with_custom(extra)
        if purpose.may_use(f.category)
    ]
    roles = sorted({*(r.value for r in ALL_PURPOSES_ROLES), *purpose.roles})
    access = (
        t["purpose_access_everyone"]
        if purpose.covers_everyone
        else t["purpose_access"].format(
            roles=", ".join(t.get(f"role_{r}", r) for r in roles),
            fields=", ".join(readable) or t["no_fields"],
        )
    )
    b_lines = [
        f"{name}: {description}",
        f"{t['lawful_basis']}: {basis_text(purpose.lawful_basis.value, language)}",
    ]
    interest = purpose.interest_in(language)
    if interest:
        b_lines.append(f"{t['legitimate_interest']}: {interest}")
    b_lines.append(f"{t['data_use']}: {purpose.data_use}")
    f_lines = [retention_text, t["erasure_how"], t["backups"]]
    if window_days is not None:
        f_lines.append(t["keyring_window"].format(days=window_days))
    items = [
        Item("a", t["item_a"], controller_lines(c, t)),
        Item("b", t["item_b"], b_lines),
        Item("c_subjects", t["item_c_subjects"], [f"{s['name']} ({s['key']})" for s in subjects]),
        Item(
            "c_data",
            t["item_c_data"],
            [
                f"{e['key']} ({e['name']})"
                + (f"; {t['fields'].format(fields=', '.join(e['fields']))}" if e["fields"] else "")
                for e in categories
            ],
        ),
        Item("d", t["item_d"], list(purpose.recipients) or [t["no_recipients"]]),
        Item(
            "e",
            t["item_e"],
            [
                t["transfer"].format(country=x.country, safeguard=x.safeguard)
                for x in purpose.transfers
            ]
            or [t["no_transfers"]],
        ),
        Item("f", t["item_f"], f_lines),
        Item("g", t["item_g"], [access, t["see_general"]]),
    ]
    return Activity(
        purpose=purpose.key,
        name=name,
        description=description,
        lawful_basis=purpose.lawful_basis.value,
        lawful_basis_text=basis_text(purpose.lawful_basis.value, language),
        legitimate_interest=interest,
        people=total if purpose.covers_everyone else people,
        covers_everyone=purpose.covers_everyone,
        data_subjects=subjects,
        data_categories=categories,
        recipients=list(purpose.recipients),
        transfers=[{"country": x.country, "safeguard": x.safeguard} for x in purpose.transfers],
        retention={
            "duration": purpose.retention,
            "anchor": purpose.retention_anchor.value,
            "text": retention_text,
        },
        items=items,
    )


def build(k: Kluis, language: str, now: datetime) -> Record:
    """The record in ``language`` as it stands at ``now``."""
    i18n.check_language(language)
    catalogue = connected.with_systems(k, purposes.list_purposes(k.engine))
    with k.engine.connect() as conn:
        per_purpose = repository.people_per_purpose(conn)
        per_basis = repository.people_per_basis(conn)
        total = repository.people_total(conn)
    c = controller(k.settings)
    window = keyring_window_days(k.settings)
    extra = custom_fields.fields(k)
    return Record(
        language=language,
        generated_at=now,
        controller=c,
        security_measures=security_measures(k.settings, language),
        activities=[
            activity(p, language, c, per_purpose.get(p.key, 0), total, window, extra)
            for p in catalogue
        ],
        people_by_basis=per_basis,
        people_total=total,
        labels=i18n.strings(language),
    )


# Renderers --------------------------------------------------------------------------------------


def as_json(record: Record) -> dict[str, Any]:
    data = asdict(record)
    data.pop("labels")
    data["generated_at"] = record.generated_at.isoformat()
    for act in data["activities"]:
        act["art30"] = {i["key"]: {"label": i["label"], "text": i["lines"]} for i in act["items"]}
        del act["items"]
    return data


def as_csv(record: Record) -> str:
    """One row per processing activity, one column per Art. 30(1) item (spreadsheet-friendly)."""
    t = record.labels
    buffer = io.StringIO()
    writer = Writer(buffer)
    writer.writerow(
        [
            "purpose",
            t["column_purpose"],
            *(t[f"item_{key}"] for key in ITEMS),
            t["column_basis"],
            t["column_people"],
        ]
    )
    general = " | ".join(record.security_measures)
    for act in record.activities:
        cells = []
        for item in act.items:
            lines = item.lines if item.key != "g" else [item.lines[0], general]
            cells.append(" | ".join(lines))
        writer.writerow([act.purpose, act.name, *cells, act.lawful_basis_text, act.people])
    return buffer.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(record: Record) -> str:
    t = record.labels
    c = record.controller
    when = say_date(record.generated_at, record.language)
    out = [f"# {t['ropa_title']}", ""]
    out += [t["ropa_intro"].format(controller=c["name"], date=when), ""]
    out += [f"## {t['item_a']}", ""]
    out += [f"- {line}" for line in controller_lines(c, t)]
    out += [f"- {t['authority']}: {c['supervisory_authority']}", ""]
    out += [f"## {t['item_g']}: {t['general_measures']}", ""]
    out += [f"- {m}" for m in record.security_measures] + [""]
    for act in record.activities:
        out += [f"## {act.name} (`{act.purpose}`)", ""]
        out += [f"| {t['column_item']} | {t['column_content']} |", "|---|---|"]
        for item in act.items:
            out.append(f"| {item.label} | {_md_cell('; '.join(item.lines))} |")
        count = (
            t["people_everyone"].format(count=act.people)
            if act.covers_everyone
            else str(act.people)
        )
        out += [f"| {t['people_count']} | {count} |", ""]
    out += [f"## {t['counts_title']}", ""]
    out += [f"| {t['column_purpose']} | {t['column_basis']} | {t['column_people']} |"]
    out += ["|---|---|---|"]
    for act in record.activities:
        out.append(f"| {act.name} (`{act.purpose}`) | {act.lawful_basis_text} | {act.people} |")
    out += ["", f"### {t['counts_basis']}", ""]
    for basis, held in sorted(record.people_by_basis.items()):
        out.append(f"- {basis_text(basis, record.language)}: {held}")
    out += ["", t["counts_total"].format(count=record.people_total), ""]
    out += [t["generated"].format(date=when), ""]
    return "\n".join(out)


def as_html(record: Record) -> str:
    return (
        environment()
        .get_template("ropa.html")
        .render(
            r=record,
            t=record.labels,
            title=record.labels["ropa_title"],
            lang=record.language,
            when=say_date(record.generated_at, record.language),
            controller_lines=controller_lines(record.controller, record.labels),
            basis_text=basis_text,
        )
    )


def render(record: Record, fmt: str) -> tuple[str, str]:
    """The record as text in ``fmt`` and its media type."""
    if fmt == "json":
        return json.dumps(as_json(record), ensure_ascii=False, indent=2), "application/json"
    if fmt == "csv":
        return as_csv(record), "text/csv; charset=utf-8"
    if fmt == "md":
        return as_markdown(record), "text/markdown; charset=utf-8"
    if fmt == "html":
        return as_html(record), "text/html; charset=utf-8"
    raise InvalidField(f"format must be one of {', '.join(FORMATS)}", field="format")
