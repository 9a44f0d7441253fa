"""Validation and normalisation of personal fields (kluis.contacts.rules): properties."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import examples
from kluis.contacts import rules
from kluis.contacts.fields import BY_NAME, PERSONAL_FIELDS, FieldKind, PersonalField
from kluis.errors import InvalidField
from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor
from kluis.vault.crypto import blind_index

TODAY = date(2026, 3, 14)
CTX = rules.NormaliseContext(region="NL", today=TODAY)
INDEX_KEY = bytes(range(32))

FIELDS_OF_KIND = {kind: [f for f in PERSONAL_FIELDS if f.kind is kind] for kind in FieldKind}
TEXTUAL = [f for f in PERSONAL_FIELDS if f.kind in (FieldKind.TEXT, FieldKind.MULTILINE)]
STRING_FIELDS = [f for f in PERSONAL_FIELDS if f.kind is not FieldKind.TAGS]
CONTROL_CHARS = ["\x00", "\x07", "\x1b", "\x7f", "\x9b"]

# Strategies ------------------------------------------------------------------------------------

local_parts = st.from_regex(r"[A-Za-z0-9]{1,12}([._+-][A-Za-z0-9]{1,8}){0,2}", fullmatch=True)
domains = st.sampled_from(["example.com", "Example.NL", "mail.example.org", "VOORBEELD.nl"])
emails = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)

national_numbers = st.from_regex(r"[1-9][0-9]{8}", fullmatch=True)
"""The nine digits after the trunk 0 of a Dutch number (area code and subscriber number)."""

valid_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)

latin_words = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzéèëêáàäâíïîóöôúüûçñ", min_size=1, max_size=12
)


def value_for(field: PersonalField) -> st.SearchStrategy[str | list[str]]:
    """Plausible (mostly valid) values for ``field``."""
    if field.kind is FieldKind.EMAIL:
        return emails
    if field.kind is FieldKind.PHONE:
        return national_numbers.map(lambda n: "0" + n)
    if field.kind is FieldKind.DATE:
        return valid_dates.map(date.isoformat)
    if field.kind is FieldKind.TAGS:
        return st.one_of(st.lists(st.text(max_size=20), max_size=6), st.text(max_size=60))
    return st.text(max_size=field.max_length + 5)


def try_normalise(field: PersonalField, value: str | list[str]) -> str | None:
    """The stored form, or None when refused; any refusal must be InvalidField naming the field."""
    refused: InvalidField | None = None
    try:
        stored = rules.normalise(field, value, CTX)
    except InvalidField as exc:
        refused = exc
    if refused is not None:
        assert refused.field == field.name, (refused.field, field.name, str(refused))
        assert field.name in str(refused)
        return None
    assert isinstance(stored, str)
    assert len(stored) <= field.max_length
    return stored


# Idempotence -----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", PERSONAL_FIELDS, ids=lambda f: f.name)
@settings(max_examples=examples(150))
@given(data=st.data())
def test_normalise_is_idempotent(field: PersonalField, data: st.DataObject) -> None:
    value = data.draw(value_for(field), label="value")
    stored = try_normalise(field, value)
    assume(stored is not None)
    assert stored is not None
    again = rules.normalise(field, rules.present(field, stored), CTX)
    assert again == stored
    if field.kind is not FieldKind.TAGS:
        assert rules.normalise(field, stored, CTX) == stored


@pytest.mark.parametrize("field", TEXTUAL, ids=lambda f: f.name)
@given(value=st.text(max_size=300))
def test_text_normalisation_trims_and_keeps_no_control_characters(
    field: PersonalField, value: str
) -> None:
    stored = try_normalise(field, value)
    if stored is None:
        return
    assert stored == stored.strip()
    assert stored
    assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in stored)
    if field.kind is FieldKind.TEXT:
        assert "\n" not in stored
        assert "  " not in stored


def test_text_collapses_inner_whitespace() -> None:
    assert rules.normalise(BY_NAME["given_name"], "  Anne \t Marie  ", CTX) == "Anne Marie"


def test_multiline_keeps_lines_and_trims_their_ends() -> None:
    stored = rules.normalise(BY_NAME["address"], "\n Dorpsstraat 1  \r\n1234 AB  Ergens \n\n", CTX)
    assert stored == "Dorpsstraat 1\n1234 AB  Ergens"


def test_tags_are_trimmed_and_deduplicated_in_order() -> None:
    field = BY_NAME["interests"]
    stored = rules.normalise(field, " wine, cheese ,, wine,  red   wine ", CTX)
    assert rules.present(field, stored) == ["wine", "cheese", "red wine"]
    assert rules.normalise(field, ["cheese", "cheese", " "], CTX) == json.dumps(["cheese"])


def test_tags_must_be_words() -> None:
    with pytest.raises(InvalidField, match="list of words") as caught:
        rules.normalise(BY_NAME["interests"], ["wine", 3], CTX)  # type: ignore[list-item]
    assert caught.value.field == "interests"


@pytest.mark.parametrize("field", STRING_FIELDS, ids=lambda f: f.name)
def test_string_fields_refuse_lists(field: PersonalField) -> None:
    with pytest.raises(InvalidField, match="must be text") as caught:
        rules.normalise(field, ["a"], CTX)
    assert caught.value.field == field.name


# Any junk: a normalised value or InvalidField naming the field, never another exception --------


@pytest.mark.parametrize("field", PERSONAL_FIELDS, ids=lambda f: f.name)
@settings(max_examples=examples(200))
@given(value=st.one_of(st.text(), st.lists(st.text(max_size=30), max_size=5)))
def test_junk_is_refused_with_invalid_field_naming_the_field(
    field: PersonalField, value: str | list[str]
) -> None:
    try_normalise(field, value)


@pytest.mark.parametrize("field", FIELDS_OF_KIND[FieldKind.EMAIL], ids=lambda f: f.name)
@settings(max_examples=examples(200))
@given(value=st.one_of(st.emails(), st.text(alphabet="ab@.-_+ 'é\"", max_size=30)))
def test_email_like_junk_normalises_or_names_the_field(field: PersonalField, value: str) -> None:
    stored = try_normalise(field, value)
    if stored is not None:
        assert rules.normalise(field, stored, CTX) == stored


@pytest.mark.parametrize("field", FIELDS_OF_KIND[FieldKind.PHONE], ids=lambda f: f.name)
@settings(max_examples=examples(200))
@given(value=st.text(alphabet="+0123456789 ()-./x#*", max_size=40))
def test_phone_like_junk_normalises_or_names_the_field(field: PersonalField, value: str) -> None:
    stored = try_normalise(field, value)
    if stored is not None:
        assert stored.startswith("+")
        assert stored[1:].isdigit()
        assert rules.normalise(field, stored, CTX) == stored


@pytest.mark.parametrize("field", FIELDS_OF_KIND[FieldKind.DATE], ids=lambda f: f.name)
@settings(max_examples=examples(200))
@given(value=st.text(alphabet="0123456789-WT: ", max_size=14))
def test_date_like_junk_normalises_or_names_the_field(field: PersonalField, value: str) -> None:
    stored = try_normalise(field, value)
    if stored is not None:
        parsed = date.fromisoformat(stored)
        assert date(1900, 1, 1) <= parsed <= TODAY
        assert stored == parsed.isoformat()


# E-mail ----------------------------------------------------------------------------------------


@given(address=emails, flips=st.lists(st.booleans(), min_size=60, max_size=60))
def test_email_index_term_ignores_case(address: str, flips: list[bool]) -> None:
    field = BY_NAME["email"]
    recased = "".join(
        c.upper() if flip else c.lower() for c, flip in zip(address, flips, strict=False)
    )
    one = rules.index_terms(field, rules.normalise(field, address, CTX))
    other = rules.index_terms(field, rules.normalise(field, recased, CTX))
    assert one == other
    assert blind_index(INDEX_KEY, "email", one[0]) == blind_index(INDEX_KEY, "email", other[0])


def test_email_keeps_the_local_part_and_lowers_the_domain() -> None:
    stored = rules.normalise(BY_NAME["email"], "  Fenna.Brouwersma@Example.COM ", CTX)
    assert stored == "Fenna.Brouwersma@example.com"
    assert rules.index_terms(BY_NAME["email"], stored) == ["fenna.brouwersma@example.com"]


@pytest.mark.parametrize(
    "value", ["fenna", "fenna@", "@example.com", "fenna@@example.com", "a b@x.nl"]
)
def test_invalid_email_is_refused(value: str) -> None:
    with pytest.raises(InvalidField, match="not a valid address") as caught:
        rules.normalise(BY_NAME["email"], value, CTX)
    assert caught.value.field == "email"


# Phone -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "020 123 4567",
        "+31 20 1234567",
        "0031201234567",
        "+31201234567",
        "020-1234567",
        "(020) 123 45 67",
        "+31 (0)20 123 45 67",
    ],
)
def test_dutch_formats_of_one_number_normalise_alike(written: str) -> None:
    field = BY_NAME["phone"]
    stored = rules.normalise(field, written, CTX)
    assert stored == "+31201234567"
    (term,) = rules.index_terms(field, stored)
    assert blind_index(INDEX_KEY, "phone", term) == blind_index(INDEX_KEY, "phone", "+31201234567")


@given(number=national_numbers, data=st.data())
def test_every_format_of_a_number_gives_the_same_e164_and_blind_index(
    number: str, data: st.DataObject
) -> None:
    field = BY_NAME["phone"]
    sep = data.draw(st.sampled_from(["", " ", "-", "."]), label="separator")
    cut = data.draw(st.integers(1, 8), label="cut")
    spaced = number[:cut] + sep + number[cut:]
    formats = ["0" + spaced, "+31" + spaced, "+31 " + spaced, "0031" + spaced, "+31 (0)" + spaced]
    stored = {rules.normalise(field, f, CTX) for f in formats}
    assert stored == {"+31" + number}
    indexes = {blind_index(INDEX_KEY, "phone", rules.index_terms(field, s)[0]) for s in stored}
    assert len(indexes) == 1


@settings(max_examples=examples(200))
@given(value=st.from_regex(r"(\+|00)?[0-9]{0,3}0{0,5}[0-9]{0,12}", fullmatch=True))
def test_digit_strings_with_leading_zeros_normalise_stably(value: str) -> None:
    field = BY_NAME["phone"]
    stored = try_normalise(field, value)
    if stored is not None:
        assert rules.normalise(field, stored, CTX) == stored


@pytest.mark.parametrize("value", ["0000000", "00000000", "+31 000000", "+31 00 12345"])
def test_numbers_of_zeros_are_refused(value: str) -> None:
    with pytest.raises(InvalidField, match="not a phone number") as caught:
        rules.normalise(BY_NAME["phone"], value, CTX)
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("written", "e164"),
    [("+39 06 1234 5678", "+390612345678"), ("+225 01 23 45 67 89", "+2250123456789")],
)
def test_real_numbers_with_a_leading_zero_are_kept(written: str, e164: str) -> None:
    field = BY_NAME["phone"]
    assert rules.normalise(field, written, CTX) == e164
    assert rules.normalise(field, e164, CTX) == e164


@given(number=national_numbers)
def test_international_forms_do_not_depend_on_the_region(number: str) -> None:
    field = BY_NAME["phone"]
    belgian = rules.NormaliseContext(region="BE", today=TODAY)
    assert rules.normalise(field, "+31" + number, belgian) == "+31" + number
    assert rules.normalise(field, "0031" + number, belgian) == "+31" + number


def test_national_form_uses_the_region() -> None:
    field = BY_NAME["phone"]
    belgian = rules.NormaliseContext(region="BE", today=TODAY)
    assert rules.normalise(field, "02 123 45 67", belgian) == "+3221234567"


@pytest.mark.parametrize("value", ["12", "phone me", "+31", "+31 20 1234567890123456"])
def test_impossible_phone_numbers_are_refused(value: str) -> None:
    with pytest.raises(InvalidField, match="not a phone number") as caught:
        rules.normalise(BY_NAME["phone"], value, CTX)
    assert caught.value.field == "phone"


# Dates -----------------------------------------------------------------------------------------


@given(day=valid_dates)
def test_valid_dates_round_trip(day: date) -> None:
    assert rules.normalise(BY_NAME["birth_date"], f" {day.isoformat()} ", CTX) == day.isoformat()


@given(days=st.integers(1, 10_000))
def test_future_dates_are_refused(days: int) -> None:
    future = (TODAY + timedelta(days=days)).isoformat()
    with pytest.raises(InvalidField, match="future") as caught:
        rules.normalise(BY_NAME["birth_date"], future, CTX)
    assert caught.value.field == "birth_date"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1899-12-31", "before 1900"),
        ("2024-02-30", "not a date"),
        ("21-07-1984", "not a date"),
        ("yesterday", "not a date"),
    ],
)
def test_bad_dates_are_refused(value: str, message: str) -> None:
    with pytest.raises(InvalidField, match=message) as caught:
        rules.normalise(BY_NAME["birth_date"], value, CTX)
    assert caught.value.field == "birth_date"


# Names -----------------------------------------------------------------------------------------


def test_name_tokens_fold_accents_and_case() -> None:
    assert rules.name_tokens("Élodie") == rules.name_tokens("ELODIE") == rules.name_tokens("elodie")
    assert rules.name_tokens("Élodie") == ["elodie"]


def test_name_tokens_split_on_punctuation_and_hyphens() -> None:
    assert rules.name_tokens("Van der Berg-Özdemir") == ["van", "der", "berg", "ozdemir"]
    assert rules.name_tokens("O'Brien") == ["o", "brien"]
    assert rules.name_tokens("Jean-Luc, Jean.Luc") == ["jean", "luc"]
    assert rules.name_tokens("under_score") == ["under", "score"]
    assert rules.name_tokens(" -- ") == []


@given(words=st.lists(latin_words, min_size=1, max_size=5), data=st.data())
def test_name_tokens_are_the_folded_words(words: list[str], data: st.DataObject) -> None:
    seps = data.draw(
        st.lists(st.sampled_from([" ", "-", "'", ", ", ".", "_", "/"]), min_size=4, max_size=4),
        label="separators",
    )
    text = words[0] + "".join(sep + word for sep, word in zip(seps, words[1:], strict=False))
    expected = list(dict.fromkeys(rules.fold(w) for w in words))
    assert rules.name_tokens(text) == expected
    assert rules.name_tokens(text.upper()) == expected
    assert rules.name_tokens(text.title()) == expected


@given(text=st.text(max_size=60))
def test_name_tokens_are_folded_distinct_and_free_of_punctuation(text: str) -> None:
    tokens = rules.name_tokens(text)
    assert len(tokens) == len(set(tokens))
    for token in tokens:
        assert token
        assert rules.fold(token) == token
        assert not any(unicodedata.combining(c) for c in token)
        assert all(c.isalnum() for c in token)


def test_name_index_terms_come_from_tokens() -> None:
    field = BY_NAME["family_name"]
    stored = rules.normalise(field, "  Van  der Berg-Özdemir ", CTX)
    assert stored == "Van der Berg-Özdemir"
    assert rules.index_terms(field, stored) == ["van", "der", "berg", "ozdemir"]


def test_unindexed_fields_give_no_index_terms() -> None:
    for field in PERSONAL_FIELDS:
        if field.index is None:
            assert rules.index_terms(field, "something") == []


# Length limits and control characters ----------------------------------------------------------


@pytest.mark.parametrize("field", TEXTUAL, ids=lambda f: f.name)
def test_text_fits_exactly_its_maximum_length(field: PersonalField) -> None:
    longest = "a" * field.max_length
    assert rules.normalise(field, longest, CTX) == longest
    with pytest.raises(InvalidField, match=f"at most {field.max_length}") as caught:
        rules.normalise(field, longest + "a", CTX)
    assert caught.value.field == field.name


@pytest.mark.parametrize("field", TEXTUAL, ids=lambda f: f.name)
def test_length_is_measured_after_trimming(field: PersonalField) -> None:
    padded = "  " + "a" * field.max_length + "  "
    assert rules.normalise(field, padded, CTX) == "a" * field.max_length


@pytest.mark.parametrize("field", FIELDS_OF_KIND[FieldKind.TAGS], ids=lambda f: f.name)
def test_tags_fit_their_maximum_length(field: PersonalField) -> None:
    room = field.max_length - len(json.dumps(["x"])) + 1
    assert len(rules.normalise(field, ["a" * room], CTX)) == field.max_length
    with pytest.raises(InvalidField, match=f"at most {field.max_length}") as caught:
        rules.normalise(field, ["a" * (room + 1)], CTX)
    assert caught.value.field == field.name


def test_an_overlong_email_is_refused() -> None:
    address = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".com"
    with pytest.raises(InvalidField) as caught:
        rules.normalise(BY_NAME["email"], address, CTX)
    assert caught.value.field == "email"


@pytest.mark.parametrize("field", TEXTUAL, ids=lambda f: f.name)
@pytest.mark.parametrize("char", CONTROL_CHARS, ids=repr)
def test_control_characters_are_refused_in_text(field: PersonalField, char: str) -> None:
    with pytest.raises(InvalidField, match="control characters") as caught:
        rules.normalise(field, f"Fen{char}na", CTX)
    assert caught.value.field == field.name


@pytest.mark.parametrize("field", PERSONAL_FIELDS, ids=lambda f: f.name)
@pytest.mark.parametrize("char", CONTROL_CHARS, ids=repr)
def test_control_characters_are_refused_in_every_field(field: PersonalField, char: str) -> None:
    valid = {
        FieldKind.EMAIL: "fenna{}@example.com",
        FieldKind.PHONE: "+31 20{} 123 4567",
        FieldKind.DATE: "1984-07{}-21",
    }.get(field.kind, "Fen{}na")
    with pytest.raises(InvalidField) as caught:
        rules.normalise(field, valid.format(char), CTX)
    assert caught.value.field == field.name


INVISIBLE_CHARS = [
    *(chr(c) for c in range(0x202A, 0x202F)),  # bidirectional embeddings and overrides
    *(chr(c) for c in range(0x2066, 0x206A)),  # bidirectional isolates
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u061c",  # Arabic letter mark
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner
    "\u2060",  # word joiner
    "\ufeff",  # zero-width no-break space (byte-order mark)
]
ONE_LINE = FIELDS_OF_KIND[FieldKind.TEXT]
FREE_TEXT = FIELDS_OF_KIND[FieldKind.MULTILINE]


@pytest.mark.parametrize("field", ONE_LINE, ids=lambda f: f.name)
@pytest.mark.parametrize("char", INVISIBLE_CHARS, ids=lambda c: f"U+{ord(c):04X}")
def test_names_refuse_invisible_and_direction_changing_characters(
    field: PersonalField, char: str
) -> None:
    with pytest.raises(InvalidField) as caught:
        rules.normalise(field, f"Fen{char}na", CTX)
    assert caught.value.field == field.name
    assert field.name in caught.value.detail
    assert "invisible" in caught.value.detail
    assert char not in caught.value.detail


@pytest.mark.parametrize("field", FREE_TEXT, ids=lambda f: f.name)
@pytest.mark.parametrize("char", INVISIBLE_CHARS, ids=lambda c: f"U+{ord(c):04X}")
def test_free_text_drops_invisible_and_direction_changing_characters(
    field: PersonalField, char: str
) -> None:
    assert rules.normalise(field, f"Dorps{char}straat 1\n{char}Ergens{char}", CTX) == (
        "Dorpsstraat 1\nErgens"
    )
    with pytest.raises(InvalidField) as caught:
        rules.normalise(field, f" {char}{char} ", CTX)
    assert caught.value.field == field.name


@pytest.mark.parametrize("char", INVISIBLE_CHARS, ids=lambda c: f"U+{ord(c):04X}")
def test_tags_drop_invisible_and_direction_changing_characters(char: str) -> None:
    field = BY_NAME["interests"]
    stored = rules.normalise(field, [f"wi{char}ne", "wine", char], CTX)
    assert rules.present(field, stored) == ["wine"]


@pytest.mark.parametrize("field", PERSONAL_FIELDS, ids=lambda f: f.name)
@given(text=st.text(max_size=40))
def test_nothing_stored_holds_an_invisible_or_direction_changing_character(
    field: PersonalField, text: str
) -> None:
    stored = try_normalise(field, text)
    if stored is not None:
        assert not any(c in stored for c in INVISIBLE_CHARS)


@pytest.mark.parametrize("char", INVISIBLE_CHARS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_search_with_invisible_characters_finds_the_name(char: str) -> None:
    assert rules.name_tokens(f"Fen{char}na Brouw{char}ersma") == ["fenna", "brouwersma"]


@pytest.mark.parametrize("field", STRING_FIELDS, ids=lambda f: f.name)
@pytest.mark.parametrize("blank", ["", "   ", "\n\n", " \t "])
def test_blank_values_are_refused(field: PersonalField, blank: str) -> None:
    with pytest.raises(InvalidField) as caught:
        rules.normalise(field, blank, CTX)
    assert caught.value.field == field.name


def _fragments(value: str) -> list[str]:
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", value) if len(w) >= 3]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_date", "2099-01-01"),
        ("birth_date", "1850-02-03"),
        ("birth_date", "Fenna-1984"),
        ("email", "fen<na@example.com"),
        ("email", "fenna@@example.com"),
        ("email", "fenna.brouwersma@example"),
        ("email", "fenna.brouwersma@localhost"),
        ("email", "fenna brouwersma@example.com"),
        ("email", "fenna@exa_mple.com"),
        ("email", "fenna@" + "x" * 70 + ".example.com"),
        ("phone", "Fenna 0000"),
        ("given_name", "Fenna\x00Brouwersma"),
    ],
)
def test_errors_do_not_repeat_the_refused_value(field: str, value: str) -> None:
    with pytest.raises(InvalidField) as caught:
        rules.normalise(BY_NAME[field], value, CTX)
    assert caught.value.field == field
    for fragment in _fragments(value):
        assert fragment not in caught.value.detail.lower(), caught.value.detail


def test_relationship_and_language_errors_do_not_repeat_the_value() -> None:
    for parse, field in (
        (rules.parse_relationship, "relationship"),
        (rules.parse_language, "language"),
    ):
        with pytest.raises(InvalidField) as caught:
            parse("Fenna Brouwersma")
        assert caught.value.field == field
        assert "fenna" not in caught.value.detail.lower()


# Relationship, language, query kind ------------------------------------------------------------


def test_relationship_and_language_name_their_field() -> None:
    assert rules.parse_relationship("customer") is rules.Relationship.CUSTOMER
    with pytest.raises(InvalidField, match="customer, prospect") as caught:
        rules.parse_relationship("friend")
    assert caught.value.field == "relationship"
    assert rules.parse_language("nl") == "nl"
    with pytest.raises(InvalidField, match="nl, en") as caught:
        rules.parse_language("de")
    assert caught.value.field == "language"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("fenna@example.com", "email"),
        ("  Fenna@Example.com ", "email"),
        ("@fenna", "email"),
        ("+31 20 123 4567", "phone"),
        ("020-1234567", "phone"),
        ("(020) 123 45 67", "phone"),
        ("0031201234567", "phone"),
        ("06 12345678", "phone"),
        ("Fenna", "name"),
        ("Van der Berg", "name"),
        ("12345", "name"),
        ("Route 66", "name"),
        ("", "name"),
        ("Fenna 0612345678", "name"),
    ],
)
def test_query_kind_classifies_search_text(text: str, kind: str) -> None:
    assert rules.query_kind(text) == kind


@given(before=st.text(max_size=20), after=st.text(max_size=20))
def test_any_text_with_an_at_sign_is_an_email_query(before: str, after: str) -> None:
    assert rules.query_kind(before + "@" + after) == "email"


@given(number=national_numbers, prefix=st.sampled_from(["0", "+31", "+31 ", "0031", "+31 (0)"]))
def test_written_phone_numbers_are_phone_queries(number: str, prefix: str) -> None:
    assert rules.query_kind(prefix + number[:2] + " " + number[2:]) == "phone"


@given(words=st.lists(latin_words, min_size=1, max_size=4))
def test_names_are_name_queries(words: list[str]) -> None:
    assert rules.query_kind(" ".join(words)) == "name"


def _purpose(key: str, basis: str = "contract", *, everyone: bool = False) -> Purpose:
    return Purpose(
        key=key,
        name_en=key,
        name_nl=key,
        description_en="",
        description_nl="",
        lawful_basis=LawfulBasis(basis),
        data_categories=("user",),
        data_use="essential",
        retention="P1Y",
        retention_anchor=RetentionAnchor.COLLECTION,
        covers_everyone=everyone,
    )


SERVICE = _purpose("service")
INVOICES = _purpose("invoices", "legal_obligation")
REQUESTS = _purpose("requests", "legal_obligation", everyone=True)


@pytest.mark.parametrize(
    ("held", "collected", "restricted", "readable"),
    [
        ((), ("service",), False, False),
        ((SERVICE,), (), False, False),
        ((SERVICE,), ("service",), False, True),
        ((SERVICE,), ("invoices", "other"), False, False),
        ((SERVICE, INVOICES), ("invoices",), False, True),
        ((SERVICE,), ("service",), True, False),
        ((SERVICE, INVOICES), ("service", "invoices"), True, True),
        ((SERVICE, INVOICES), ("service",), True, False),
        ((REQUESTS,), (), False, True),
        ((REQUESTS,), ("other",), True, True),
    ],
)
def test_a_person_is_readable_under_a_held_purpose_they_were_collected_for(
    held: tuple[Purpose, ...], collected: tuple[str, ...], restricted: bool, readable: bool
) -> None:
    assert rules.may_read(held, collected, restricted) is readable


MARKETING = _purpose("marketing", "consent")


@pytest.mark.parametrize(
    ("purpose", "marketing", "objected", "consent", "refused"),
    [
        (SERVICE, False, False, None, None),
        (SERVICE, False, True, None, None),
        (MARKETING, True, False, None, "rests on consent"),
        (MARKETING, True, False, 7, None),
        (MARKETING, True, True, 7, "Art. 21(3)"),
        (MARKETING, False, True, 7, None),
        (_purpose("interest", "legitimate_interest"), True, True, None, "Art. 21(3)"),
        (_purpose("interest", "legitimate_interest"), True, False, None, None),
    ],
)
def test_a_purpose_is_added_on_a_basis_of_its_own(
    purpose: Purpose, marketing: bool, objected: bool, consent: int | None, refused: str | None
) -> None:
    why = rules.why_not_add(
        purpose, marketing=marketing, objected=objected, consent_event_id=consent
    )
    if refused is None:
        assert why is None
    else:
        assert why is not None
        assert refused in why
        assert purpose.key in why
