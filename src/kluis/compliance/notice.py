"""The privacy notice (Art. 13), generated from the same purposes catalogue as the record of
processing, so it cannot say something the system does not do.

Art. 13(1): controller and contact, DPO, purposes and lawful bases, the legitimate interests
pursued, recipients, transfers with safeguards. Art. 13(2): retention, the rights of Art. 15-22
and how to use them, the right to withdraw consent, the right to complain, whether providing the
data is a legal or contractual requirement, and automated decision-making (Kluis does none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kluis.compliance import i18n
from kluis.compliance.render import environment
from kluis.compliance.ropa import basis_text, category_name
from kluis.connected import service as connected
from kluis.contacts import custom_fields
from kluis.contacts.custom_rules import CustomField
from kluis.contacts.fields import PERSONAL_FIELDS, PersonalField
from kluis.errors import InvalidField
from kluis.locale.catalogues import messages
from kluis.locale.formats import say_date, say_retention
from kluis.purposes import service as purposes
from kluis.purposes.rules import LawfulBasis, Purpose, category_covered
from kluis.runtime import Kluis
from kluis.settings import Settings

FORMATS = ("md", "html")
RIGHTS = (
    "right_access",
    "right_rectification",
    "right_erasure",
    "right_restriction",
    "right_portability",
    "right_objection",
    "right_automated",
)


@dataclass(frozen=True)
class PurposeSection:
    key: str
    name: str
    description: str
    lines: list[str]
    """Basis, interest, data, recipients, transfers, retention and requirement, as sentences."""


@dataclass(frozen=True)
class Notice:
    language: str
    generated_at: datetime
    title: str
    intro: str
    who: list[str]
    purposes: list[PurposeSection]
    rights: list[str]
    exercise: str
    withdraw: str | None
    complain: str
    security: str
    version: str
    headings: dict[str, str]


def _with_custom(extra: Sequence[CustomField]) -> list[PersonalField | CustomField]:
    """The built-in personal fields and the declared custom ones: what the purposes may use."""
    return [*PERSONAL_FIELDS, *extra]


def _data_said(purpose: Purpose, language: str, extra: Sequence[CustomField] = ()) -> str:
    """The data a purpose uses, in the words of the fields a person knows; fideslang's name for a
    category no field of Kluis falls under."""
    said: list[str] = []
    for category in purpose.data_categories:
        fields = [
            f.label_en if language == "en" else f.label_nl
            for f in _with_custom(extra)
            if category_covered((category,), f.category)
        ]
        for label in fields or [category_name(category, language)]:
            if label not in said:
                said.append(label)
    return ", ".join(said)


def _section(purpose: Purpose, language: str, extra: Sequence[CustomField] = ()) -> PurposeSection:
    t = i18n.strings(language)
    lines = [t["notice_basis"].format(basis=basis_text(purpose.lawful_basis.value, language))]
    interest = purpose.interest_in(language)
    if purpose.lawful_basis is LawfulBasis.LEGITIMATE_INTEREST and interest:
        lines.append(t["notice_interest"].format(interest=interest))
    lines.append(t["notice_data"].format(categories=_data_said(purpose, language, extra)))
    lines.append(
        t["notice_recipients"].format(recipients=", ".join(purpose.recipients))
        if purpose.recipients
        else t["notice_no_recipients"]
    )
    if purpose.transfers:
        lines.append(
            t["notice_transfers"].format(
                transfers="; ".join(
                    t["transfer"].format(country=x.country, safeguard=x.safeguard)
                    for x in purpose.transfers
                )
            )
        )
    lines.append(
        t["notice_retention"].format(
            retention=say_retention(purpose.retention, purpose.retention_anchor.value, language)
        )
    )
    requirement = t.get(f"notice_requirement_{purpose.lawful_basis.value}", "")
    if requirement:
        lines.append(requirement)
    return PurposeSection(
        key=purpose.key,
        name=purpose.name_en if language == "en" else purpose.name_nl,
        description=purpose.description_en if language == "en" else purpose.description_nl,
        lines=lines,
    )


def _who(settings: Settings, t: Mapping[str, str]) -> list[str]:
    who = [t["who_contact"].format(contact=settings.organisation_contact)]
    if settings.organisation_address:
        who.append(t["who_address"].format(address=settings.organisation_address))
    if settings.representative:
        who.append(t["who_representative"].format(representative=settings.representative))
    dpo = ", ".join(v for v in (settings.dpo_name, settings.dpo_contact) if v)
    if dpo:
        who.append(t["who_dpo"].format(dpo=dpo))
    return who


def privacy_url(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + "/privacy"


def build(k: Kluis, language: str, now: datetime) -> Notice:
    i18n.check_language(language)
    t = i18n.strings(language)
    s = k.settings
    catalogue = connected.with_systems(k, purposes.list_purposes(k.engine))
    on_consent = any(p.lawful_basis is LawfulBasis.CONSENT for p in catalogue)
    return Notice(
        language=language,
        generated_at=now,
        title=t["notice_title"],
        intro=t["notice_intro"].format(controller=s.organisation_name),
        who=_who(s, t),
        purposes=[_section(p, language, custom_fields.fields(k)) for p in catalogue],
        rights=[t[r] for r in RIGHTS],
        exercise=t["exercise"].format(privacy_url=privacy_url(s), contact=s.organisation_contact),
        withdraw=t["withdraw"].format(contact=s.organisation_contact) if on_consent else None,
        complain=t["complain"].format(
            authority=s.supervisory_authority, contact=s.organisation_contact
        ),
        security=t["security"],
        version=t["notice_generated"].format(date=say_date(now, language)),
        headings={
            key: t[key]
            for key in (
                "who_heading",
                "purposes_heading",
                "rights_heading",
                "withdraw_heading",
                "complain_heading",
                "security_heading",
            )
        },
    )


def as_markdown(notice: Notice, organisation: str) -> str:
    h = notice.headings
    out = [f"# {notice.title}: {organisation}", "", notice.intro, ""]
    out += [f"## {h['who_heading']}", "", organisation, ""] + [f"- {w}" for w in notice.who]
    out += ["", f"## {h['purposes_heading']}", ""]
    for section in notice.purposes:
        out += [f"### {section.name}", "", section.description, ""]
        out += [f"- {line}" for line in section.lines] + [""]
    out += [f"## {h['rights_heading']}", ""] + [f"- {r}" for r in notice.rights]
    out += ["", notice.exercise, ""]
    if notice.withdraw:
        out += [f"## {h['withdraw_heading']}", "", notice.withdraw, ""]
    out += [f"## {h['complain_heading']}", "", notice.complain, ""]
    out += [f"## {h['security_heading']}", "", notice.security, "", notice.version, ""]
    return "\n".join(out)


def as_html(notice: Notice, organisation: str, *, page: bool = False) -> str:
    """A standalone document, or (``page``) the public page in the look of the other pages."""
    template = "notice_page.html" if page else "notice_document.html"
    return (
        environment()
        .get_template(template)
        .render(
            n=notice,
            lang=notice.language,
            title=notice.title,
            organisation=organisation,
            t=messages("public", notice.language),  # the public pages' frame
            other="en" if notice.language == "nl" else "nl",
            other_name=i18n.strings(notice.language)["language_other"],
        )
    )


def render(k: Kluis, notice: Notice, fmt: str) -> tuple[str, str]:
    if fmt == "md":
        return as_markdown(notice, k.settings.organisation_name), "text/markdown; charset=utf-8"
    if fmt == "html":
        return as_html(notice, k.settings.organisation_name), "text/html; charset=utf-8"
    raise InvalidField(f"format must be one of {', '.join(FORMATS)}", field="format")
