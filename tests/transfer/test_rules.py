"""Pure rules of import: headers in English and Dutch, delimiters, the consent-declaration rule,
reasons that never repeat the value."""

from __future__ import annotations

from datetime import date

import pytest

from kluis.contacts.fields import BY_NAME, PERSONAL_FIELDS
from kluis.contacts.rules import NormaliseContext
from kluis.transfer import rules
from kluis.transfer.rules import ConsentDeclaration, ImportRefused, Reject, Row

CTX = NormaliseContext("NL", date(2026, 3, 14))
DECLARED = ConsentDeclaration("newsletter", "email", "paper_form", 1)


def _digest(kind: str, term: str) -> bytes:
    return f"{kind}:{term}".encode()


def _validate(plan: rules.Plan, cells: list[str], consent: bool = False) -> Row | Reject | None:
    return rules.validate_row(
        plan,
        2,
        cells,
        relationship="other",
        language="nl",
        ctx=CTX,
        declared_consent=consent,
        blind_index=_digest,
    )


def test_synonyms_name_declared_fields_only() -> None:
    assert set(rules.SYNONYMS) <= {*BY_NAME, *rules.ATTRIBUTES}


@pytest.mark.parametrize("field", PERSONAL_FIELDS, ids=lambda f: f.name)
def test_every_field_is_recognised_by_name_and_both_labels(field: object) -> None:
    for word in (field.name, field.label_en, field.label_nl):  # type: ignore[attr-defined]
        assert rules.KNOWN_HEADERS[rules.header_key(word)] == field.name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "targets"),
    [
        (["Voornaam", "Achternaam", "E-mail", "Telefoon", "Geboortedatum"], None),
        (["First name", "Last name", "Email address", "Phone", "Date of birth"], None),
        (["VOORNAAM ", "achter naam", "e-mailadres", "Mobiel", "geboortedatum"], None),
    ],
)
def test_headers_in_english_and_dutch(headers: list[str], targets: None) -> None:
    plan = rules.plan_columns(headers, {}, None)
    assert [c.target for c in plan.columns] == [
        "given_name",
        "family_name",
        "email",
        "phone",
        "birth_date",
    ]


def test_unknown_column_is_refused_naming_it_and_the_way_out() -> None:
    with pytest.raises(ImportRefused) as caught:
        rules.plan_columns(["Voornaam", "Klantnummer"], {}, None)
    assert "'Klantnummer'" in caught.value.detail
    assert "--map" in caught.value.detail
    plan = rules.plan_columns(
        ["Voornaam", "Klantnummer"], rules.parse_mapping(["Klantnummer=ignore"]), None
    )
    assert [c.target for c in plan.columns] == ["given_name"]


@pytest.mark.parametrize(
    "header", ["Opt-in", "Toestemming", "Nieuwsbrief", "Newsletter", "consent"]
)
def test_consent_column_without_declaration_is_refused(header: str) -> None:
    with pytest.raises(ImportRefused) as caught:
        rules.plan_columns(["E-mail", header], {}, None)
    assert caught.value.field == "consent"
    assert "Art. 7(1)" in caught.value.detail
    plan = rules.plan_columns(["E-mail", header], {}, DECLARED)
    assert plan.columns[1].target == "consent"


def test_consent_column_values() -> None:
    plan = rules.plan_columns(["E-mail", "Nieuwsbrief"], {}, DECLARED)
    yes = _validate(plan, ["a@example.com", "ja"], consent=True)
    no = _validate(plan, ["a@example.com", "nee"], consent=True)
    odd = _validate(plan, ["a@example.com", "misschien"], consent=True)
    assert isinstance(yes, Row)
    assert yes.consent
    assert isinstance(no, Row)
    assert not no.consent
    assert isinstance(odd, Reject)
    assert odd.column == "Nieuwsbrief"


@pytest.mark.parametrize(
    ("line", "expected"),
    [("a;b;c", ";"), ("a,b,c", ","), ("a\tb", "\t"), ("single", ","), ('"x,y";b;c', ";")],
)
def test_delimiter(line: str, expected: str) -> None:
    assert rules.sniff_delimiter(line) == expected


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("E-mail", "jan.secret@@example"),
        ("Telefoon", "12ab-secret"),
        ("Geboortedatum", "2099-01-01"),
        ("Voornaam", "x" * 150),
    ],
)
def test_reasons_never_echo_the_value(column: str, value: str) -> None:
    headers = ["Voornaam", "E-mail", "Telefoon", "Geboortedatum"]
    plan = rules.plan_columns(headers, {}, None)
    cells = ["Jan", "", "", ""]
    cells[headers.index(column)] = value
    result = _validate(plan, cells)
    assert isinstance(result, Reject)
    assert result.column == column
    assert value not in result.reason
    assert "secret" not in result.reason
    assert "2099" not in result.reason


def test_dutch_dates_and_name_prefix() -> None:
    plan = rules.plan_columns(
        ["Voornaam", "Tussenvoegsel", "Achternaam", "Geboortedatum"], {}, None
    )
    row = _validate(plan, ["Jan", "van der", "Berg", "17-5-1980"])
    assert isinstance(row, Row)
    assert row.stored == {
        "given_name": "Jan",
        "family_name": "van der Berg",
        "birth_date": "1980-05-17",
    }


def test_blank_and_overlong_rows() -> None:
    plan = rules.plan_columns(["Voornaam", "E-mail"], {}, None)
    assert _validate(plan, ["", " "]) is None
    too_long = _validate(plan, ["Jan", "jan@example.com", "extra"])
    assert isinstance(too_long, Reject)
    assert "3 cells" in too_long.reason


def test_minimisation_refuses_a_column_no_purpose_uses() -> None:
    plan = rules.plan_columns(["E-mail", "Geboortedatum"], {}, None)
    with pytest.raises(ImportRefused) as caught:
        rules.check_minimisation(plan, lambda f: f.name != "birth_date")
    assert "Art. 5(1)(c)" in caught.value.detail
