"""Pure rules of the contacts slice: validation and normalisation of personal fields.

A value is normalised once, on the way in, so that what is stored, what is indexed and what is
compared are the same: e-mail as email-validator normalises it (the index folds case too), phone
numbers in E.164 (ITU-T E.164, via phonenumbers), names folded to accent-free lower-case tokens.
Errors name the field and say how to fix the value, and never repeat it: they travel into
logs, import reports and screenshots, where a person's value must not (Art. 5(1)(f)).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from kluis.contacts.fields import FieldKind, PersonalField
from kluis.errors import InvalidField
from kluis.locale import N_
from kluis.purposes.rules import LawfulBasis, Purpose

INVISIBLE_REFUSED = N_(
    "This contains invisible or direction-changing characters (zero-width spaces, bidirectional "
    "controls), which could make it read differently or hide it from search; type it again "
    "without them."
)
"""The page's words for a refusal of invisible characters (in a person's or a company's field)."""


class Relationship(StrEnum):
    """Customers are treated differently from prospects and other contacts (brief 1, 5)."""

    CUSTOMER = "customer"
    PROSPECT = "prospect"
    OTHER = "other"


LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class NormaliseContext:
    region: str
    today: date


def parse_relationship(value: str) -> Relationship:
    try:
        return Relationship(value)
    except ValueError:
        choices = ", ".join(r.value for r in Relationship)
        raise InvalidField(f"relationship is not one of {choices}", field="relationship") from None


def parse_language(value: str) -> str:
    if value not in LANGUAGES:
        raise InvalidField(
            f"language is not supported; use one of {', '.join(LANGUAGES)}",
            field="language",
            msgid=N_("This language is not supported; choose Dutch or English."),
        )
    return value


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``Élodie`` and ``elodie`` fold alike."""
    if text.isascii():
        # NFKD leaves ASCII as it is and ASCII has no combining marks; casefold is lower here
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Unicode category Cc (control characters) except tab and the line feed of multi-line fields."""

INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
"""Characters that change how text reads without being seen: the bidirectional controls of
Unicode UAX #9 (embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069, the marks
U+200E, U+200F, U+061C) and zero-width characters (U+200B-U+200D, U+2060-U+2064, U+FEFF). An
override makes ``Fenna`` display as another name ("Trojan Source", CVE-2021-42574) and a
zero-width space splits a name into search tokens nobody types, so the person hides from search
(Art. 15 and 17 need them found). Names refuse them; free text drops them."""

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def name_tokens(text: str) -> list[str]:
    """Distinct search tokens of a name: ``Van der Berg-Özdemir`` gives van, der, berg, ozdemir."""
    seen: dict[str, None] = {}
    for token in _TOKEN.findall(fold(INVISIBLE.sub("", text))):
        seen.setdefault(token, None)
    return list(seen)


_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*")


@functools.lru_cache(maxsize=4096)
def _email_domain(domain: str) -> str:
    """The normalised domain, as email-validator gives it (raises when it is not valid)."""
    return validate_email(f"x@{domain}", check_deliverability=False).domain


def normalise_email(value: str) -> str:
    """The address as email-validator normalises it. A plain ASCII local part (letters, digits,
    ``_%+-`` and single dots) is kept as it is by email-validator, so for those only the domain
    is validated, once per distinct domain (bulk imports hold few domains); anything else goes
    through the full validator. tests/contacts/test_email_fast_path.py checks both agree."""
    text = value.strip()
    local, at, domain = text.rpartition("@")
    if at and len(local) <= 64 and _PLAIN_LOCAL.fullmatch(local):
        try:
            normalised = f"{local}@{_email_domain(domain)}"
        except EmailNotValidError:
            normalised = ""
        if normalised and len(normalised) <= 254:
            return normalised
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        # email-validator's explanation quotes parts of the address; the error must not
        raise InvalidField(
            "email is not a valid address: an address is a name, one @ and a domain with a "
            "dot, without spaces",
            field="email",
            msgid=N_(
                "This is not an e-mail address: an address is a name, one @ and a domain with a "
                "dot, without spaces."
            ),
        ) from None


def email_index_term(normalised: str) -> str:
    return normalised.casefold()


_PLUS_FORM = re.compile(r"\+ ?[0-9](?:[ \-.()]{0,2}[0-9])+")
"""``+31 6 12345678``, ``+44-20-7946-0958``, ``+1 (415) 555.0100``: a plus sign and ASCII
digits, at most two spaces, hyphens, dots or brackets between them. For this shape phonenumbers'
result depends on the digits alone, which lets ``_plus_form`` skip its general parser."""
_NON_DIGIT = re.compile(r"[^0-9]")


@dataclass(frozen=True)
class _CallingCode:
    """What ``phonenumbers.parse`` consults of one country calling code's metadata."""

    code: str
    national_prefix: re.Pattern[str] | None
    possible_lengths: frozenset[int]


@functools.cache
def _calling_code(code: int) -> _CallingCode | None:
    region = phonenumbers.region_code_for_country_code(code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing
    # is_possible_number depends only on the length of the national number: ask it once for
    # every length a number can have
    possible = frozenset(
        length
        for length in range(1, 18)
        if phonenumbers.is_possible_number(
            phonenumbers.PhoneNumber(country_code=code, national_number=int("1" * length))
        )
    )
    return _CallingCode(str(code), re.compile(prefix) if prefix else None, possible)


_COUNTRY_CODES = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def _plus_form(value: str) -> str | None:
    """The E.164 form of an international number in the common plain shape (``_PLUS_FORM``),
    exactly as ``phonenumbers.parse`` and ``is_possible_number`` give it; None when the value
    is of another shape or anything unusual applies (a national prefix after the country code,
    a leading zero, a length that is not possible), which the general path decides.
    tests/contacts/test_phone_fast_path.py checks both agree."""
    if _PLUS_FORM.fullmatch(value) is None:
        return None
    digits = _NON_DIGIT.sub("", value)
    if len(digits) <= 3 or digits[0] == "0":
        return None
    # the shortest leading run of one to three digits that is a calling code, as phonenumbers
    # takes it
    for size in (1, 2, 3):
        if int(digits[:size]) in _COUNTRY_CODES:
            break
    else:
        return None
    code = _calling_code(int(digits[:size]))
    national = digits[size:]
    if (
        code is None
        or not 2 <= len(national) <= 17
        or national[0] == "0"
        or (code.national_prefix is not None and code.national_prefix.match(national))
        or len(national) not in code.possible_lengths
    ):
        return None
    return f"+{code.code}{national}"


def normalise_phone(value: str, region: str) -> str:
    fast = _plus_form(value.strip())
    if fast is not None:
        return fast
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    # A national number that starts with 0 is only kept when it is a real number of its country
    # (+39 06 ...): otherwise its E.164 form does not read back the same ("0000000" gave
    # +31000000, which normalises to +3100000), so stored values and look-ups would disagree.
    if (
        number is None
        or not phonenumbers.is_possible_number(number)
        or (number.italian_leading_zero and not phonenumbers.is_valid_number(number))
    ):
        raise InvalidField(
            N_("phone is not a phone number; write it with its country code, e.g. +31 20 123 4567"),
            field="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_date(field: str, value: str, today: date) -> str:
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidField(f"{field} is not a date; write it as YYYY-MM-DD", field=field) from None
    if parsed > today:
        raise InvalidField(f"{field} lies in the future", field=field)
    if parsed.year < 1900:
        raise InvalidField(f"{field} is before 1900", field=field)
    return parsed.isoformat()


def normalise_tags(field: str, value: str | list[str]) -> str:
    items = value.split(",") if isinstance(value, str) else value
    if not all(isinstance(item, str) for item in items):
        raise InvalidField(f"{field} must be a list of words", field=field)
    cleaned: dict[str, None] = {}
    for item in items:
        tag = " ".join(INVISIBLE.sub("", item).split())
        if _CONTROL.search(tag):
            raise InvalidField(f"{field} contains control characters", field=field)
        if tag:
            cleaned.setdefault(tag, None)
    return json.dumps(list(cleaned), ensure_ascii=False)


def normalise(field: PersonalField, value: str | list[str], ctx: NormaliseContext) -> str:
    """The stored form of ``value`` for ``field``; raises InvalidField naming the field."""
    if field.kind is FieldKind.TAGS:
        stored = normalise_tags(field.name, value)
    else:
        if not isinstance(value, str):
            raise InvalidField(f"{field.name} must be text", field=field.name)
        if field.kind is FieldKind.EMAIL:
            stored = normalise_email(value)
        elif field.kind is FieldKind.PHONE:
            stored = normalise_phone(value, ctx.region)
        elif field.kind is FieldKind.DATE:
            stored = normalise_date(field.name, value, ctx.today)
        elif field.kind is FieldKind.MULTILINE:
            text = INVISIBLE.sub("", value)
            stored = "\n".join(line.rstrip() for line in text.strip().splitlines())
        else:
            stored = " ".join(value.split())
            if INVISIBLE.search(stored):
                raise InvalidField(
                    f"{field.name} contains invisible or direction-changing characters "
                    "(zero-width spaces, bidirectional controls), which could make it read "
                    "differently or hide it from search; type it again without them",
                    field=field.name,
                    msgid=INVISIBLE_REFUSED,
                )
        if not stored:
            raise InvalidField(
                f"{field.name} is empty; leave it out or send null to clear it",
                field=field.name,
                msgid=N_("This is empty; leave it out to clear it."),
            )
        if _CONTROL.search(stored):
            raise InvalidField(
                f"{field.name} contains control characters",
                field=field.name,
                msgid=N_("This contains control characters; type it again without them."),
            )
    if len(stored) > field.max_length:
        raise InvalidField(
            f"{field.name} is {len(stored)} characters long; at most {field.max_length} fit",
            field=field.name,
            msgid=N_("This is %(length)s characters long; at most %(most)s fit."),
            values={"length": str(len(stored)), "most": str(field.max_length)},
        )
    return stored


def present(field: PersonalField, stored: str) -> str | list[str]:
    """The API form of a stored value."""
    if field.kind is FieldKind.TAGS:
        loaded: list[str] = json.loads(stored)
        return loaded
    return stored


def index_terms(field: PersonalField, stored: str) -> list[str]:
    """The normalised terms a field contributes to its blind index."""
    if field.index == "email":
        return [email_index_term(stored)]
    if field.index == "phone":
        return [stored]
    if field.index == "name":
        return name_tokens(stored)
    return []


_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{6,}$")


def query_kind(text: str) -> str:
    """What a free-text search is for: an e-mail address, a phone number, or name tokens."""
    stripped = text.strip()
    if "@" in stripped:
        return "email"
    if _PHONE_LIKE.match(stripped) and sum(c.isdigit() for c in stripped) >= 6:
        return "phone"
    return "name"


def visible_under(purpose: Purpose, held: Collection[str]) -> bool:
    """Whether a person collected for the purposes ``held`` may be read under ``purpose``: data
    is used only for the purposes it was collected for (Art. 5(1)(b)), except by a purpose that
    covers everyone (handling their own privacy request)."""
    return purpose.covers_everyone or purpose.key in held


def readable_by(purposes: Iterable[Purpose], held: Collection[str]) -> bool:
    """Whether a person collected for ``held`` can be read under at least one of ``purposes``
    (those a role holds): what that role may already see of them."""
    return any(visible_under(p, held) for p in purposes)


def may_process_restricted(purpose: Purpose) -> bool:
    """Whether ``purpose`` may read or change a person whose processing is restricted.

    Art. 18(2): apart from storage, restricted data may be processed only with the person's
    consent, for legal claims, to protect another's rights or for an important public interest.
    Kluis allows the two purposes that fit: handling the person's own privacy request (a purpose
    that covers everyone) and a legal obligation (keeping invoices, say); anything else waits
    until the restriction is lifted.
    """
    return purpose.covers_everyone or purpose.lawful_basis is LawfulBasis.LEGAL_OBLIGATION


def may_read(held: Iterable[Purpose], person_purposes: Iterable[str], restricted: bool) -> bool:
    """Whether someone holding the purposes ``held`` may read a person held for
    ``person_purposes`` under at least one of them: a purpose the person was collected for, or one
    that covers everyone (Art. 5(1)(b)); while the person is restricted (Art. 18(2)) only under a
    purpose that may process restricted data. What a refusal may say about a person, such as
    who holds an e-mail address already, follows this."""
    collected = set(person_purposes)
    return any(
        visible_under(p, collected) and (not restricted or may_process_restricted(p)) for p in held
    )


def why_not_add(
    purpose: Purpose, *, marketing: bool, objected: bool, consent_event_id: int | None
) -> str | None:
    """Why ``purpose`` may not be added to a person held already, or None when it may.

    Adding a purpose to data collected for others is further processing (Art. 6(4)): it needs a
    lawful basis of its own. A purpose on consent (Art. 6(1)(a)) needs the person's live consent,
    ``consent_event_id`` (the grant or re-confirmation it rests on; Kluis records consent per
    channel and topic, and every consent purpose rests on any live one, as a receipt lists
    them). A person who objected to direct marketing is not added to it again, whatever they
    consented to (Art. 21(3)). Which role may add it, and to whom, is the caller's check.
    """
    if marketing and objected:
        return (
            f"the person objected to direct marketing, so their data may no longer be processed "
            f"for {purpose.key!r} (Art. 21(3)); only an admin or the privacy officer can lift an "
            "objection the person withdraws"
        )
    if purpose.lawful_basis is LawfulBasis.CONSENT and consent_event_id is None:
        return (
            f"purpose {purpose.key!r} rests on consent (Art. 6(1)(a)) and the person has no live "
            "consent: record the consent they gave first (POST /api/v1/contacts/{id}/consents, "
            "with the wording they saw), then add the purpose"
        )
    return None


def is_marketing(purpose: Purpose, marketing_purpose: str) -> bool:
    """Whether ``purpose`` is direct marketing: the configured marketing purpose
    (``KLUIS_MARKETING_PURPOSE``) or any purpose whose fideslang data use is ``marketing``
    or below it. The suppression list keeps people off these (Art. 17, Art. 21(3))."""
    return (
        purpose.key == marketing_purpose
        or purpose.data_use == "marketing"
        or purpose.data_use.startswith("marketing.")
    )
