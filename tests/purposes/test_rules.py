"""Pure rules about purposes (kluis.purposes.rules) and the default catalogue."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kluis.actors import Role
from kluis.contacts.fields import BY_NAME, PERSONAL_FIELDS
from kluis.purposes.rules import (
    Duration,
    LawfulBasis,
    Purpose,
    RetentionAnchor,
    Transfer,
    category_covered,
    parse_duration,
    validation_errors,
)
from kluis.purposes.service import default_catalogue

BIRTH_DATE = BY_NAME["birth_date"].category

segments = st.from_regex(r"[a-z][a-z_]{0,9}", fullmatch=True)
paths = st.lists(segments, min_size=1, max_size=4).map(".".join)


def a_purpose(**changes: object) -> Purpose:
    base = Purpose(
        key="repairs",
        name_en="Repairs",
        name_nl="Reparaties",
        description_en="Repairing what customers bring in.",
        description_nl="Repareren wat klanten brengen.",
        lawful_basis=LawfulBasis.CONTRACT,
        data_categories=("user.name", "user.contact.phone_number"),
        data_use="essential.service",
        retention="P1Y",
        retention_anchor=RetentionAnchor.END_OF_CONTRACT,
        data_subjects=("customer",),
        roles=("service",),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def fields_of(errors: list[tuple[str, str]]) -> list[str]:
    return [field for field, _ in errors]


# category_covered -----------------------------------------------------------------------------


def test_a_parent_category_covers_its_children() -> None:
    assert category_covered(("user.contact",), "user.contact.email")
    assert category_covered(("user",), "user.demographic.date_of_birth")
    assert category_covered(["user.contact"], "user.contact")


def test_a_category_does_not_cover_siblings_parents_or_lookalikes() -> None:
    assert not category_covered(("user.contact.email",), "user.contact.phone_number")
    assert not category_covered(("user.contact.email",), "user.contact")
    assert not category_covered(("user.contact",), "user.contactx")
    assert not category_covered(("user.contact",), "user.contactx.email")
    assert not category_covered(("user.con",), "user.contact.email")
    assert not category_covered((), "user")


@given(parent=paths, tail=paths)
def test_every_path_below_a_granted_category_is_covered(parent: str, tail: str) -> None:
    assert category_covered((parent,), parent)
    assert category_covered((parent,), f"{parent}.{tail}")


@given(parent=paths, suffix=segments)
def test_a_longer_segment_is_not_covered(parent: str, suffix: str) -> None:
    assert not category_covered((parent,), parent + suffix)
    assert not category_covered((f"{parent}.{suffix}",), parent)


@given(granted=st.lists(paths, max_size=4), category=paths)
def test_covered_means_equal_to_or_below_one_grant(granted: list[str], category: str) -> None:
    parts = category.split(".")
    ancestors = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    assert category_covered(granted, category) == bool(ancestors & set(granted))


def test_purpose_may_use_follows_its_categories() -> None:
    purpose = a_purpose(data_categories=("user.contact",))
    assert purpose.may_use("user.contact.email")
    assert not purpose.may_use(BIRTH_DATE)


# Durations ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P7Y", Duration(years=7)),
        ("P24M", Duration(months=24)),
        ("P6W", Duration(days=42)),
        ("P30D", Duration(days=30)),
        ("P1Y2M3D", Duration(years=1, months=2, days=3)),
        ("P1Y1W1D", Duration(years=1, days=8)),
        (" P2Y ", Duration(years=2)),
        ("P0D", Duration()),
    ],
)
def test_parse_duration(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", " ", "P", "7Y", "PT5M", "P1H", "P1.5Y", "P-1Y", "P1D2Y", "p7y", "P7Y\n1D", "1Y"]
)
def test_bad_durations_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ISO-8601 duration such as P7Y") as caught:
        parse_duration(text)
    assert repr(text) not in str(caught.value)


@given(y=st.integers(0, 50), m=st.integers(0, 50), w=st.integers(0, 50), d=st.integers(0, 400))
def test_written_durations_parse_back(y: int, m: int, w: int, d: int) -> None:
    text = "P" + "".join(f"{n}{u}" for n, u in ((y, "Y"), (m, "M"), (w, "W"), (d, "D")) if n)
    if text == "P":
        text = "P0D"
    assert parse_duration(text) == Duration(years=y, months=m, days=7 * w + d)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (date(2024, 1, 31), "P1M", date(2024, 2, 29)),
        (date(2023, 1, 31), "P1M", date(2023, 2, 28)),
        (date(2024, 2, 29), "P1Y", date(2025, 2, 28)),
        (date(2024, 2, 29), "P4Y", date(2028, 2, 29)),
        (date(2024, 3, 31), "P1M", date(2024, 4, 30)),
        (date(2024, 1, 31), "P1M1D", date(2024, 3, 1)),
        (date(2024, 11, 15), "P2M", date(2025, 1, 15)),
        (date(2024, 12, 31), "P12M", date(2025, 12, 31)),
        (date(2020, 5, 4), "P7Y", date(2027, 5, 4)),
        (date(2026, 3, 14), "P6W", date(2026, 4, 25)),
        (date(2026, 3, 14), "P30D", date(2026, 4, 13)),
    ],
)
def test_duration_after(start: date, duration: str, expected: date) -> None:
    assert parse_duration(duration).after(start) == expected


@given(start=st.dates(max_value=date(9000, 1, 1)), days=st.integers(0, 3000))
def test_a_days_only_duration_is_plain_day_arithmetic(start: date, days: int) -> None:
    assert Duration(days=days).after(start) == start + timedelta(days=days)


@given(start=st.dates(max_value=date(9000, 1, 1)), months=st.integers(0, 240))
def test_months_land_in_the_right_month_on_the_same_or_last_day(start: date, months: int) -> None:
    end = Duration(months=months).after(start)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)
    assert Duration(years=months // 12, months=months % 12).after(start) == end


@given(start=st.dates(max_value=date(9000, 1, 1)))
def test_an_empty_duration_is_the_start(start: date) -> None:
    assert Duration().after(start) == start


# validation_errors ----------------------------------------------------------------------------


def test_a_good_purpose_has_no_errors() -> None:
    assert validation_errors(a_purpose()) == []


@pytest.mark.parametrize(
    ("changes", "field", "needle"),
    [
        ({"data_categories": ("user.nonsense",)}, "data_categories", "'user.nonsense'"),
        ({"data_categories": ()}, "data_categories", "at least one"),
        ({"data_use": "world_domination"}, "data_use", "'world_domination'"),
        ({"data_subjects": ("customer", "alien")}, "data_subjects", "'alien'"),
        (
            {"lawful_basis": LawfulBasis.LEGITIMATE_INTEREST},
            "legitimate_interest",
            "Art. 13(1)(d)",
        ),
        (
            {"lawful_basis": LawfulBasis.LEGITIMATE_INTEREST, "legitimate_interest": "   "},
            "legitimate_interest",
            "state the interest",
        ),
        ({"key": "Repairs"}, "key", "lower-case"),
        ({"key": "r"}, "key", "lower-case"),
        ({"key": "1repairs"}, "key", "starting with a letter"),
        ({"key": "repairs-and-more"}, "key", "underscores"),
        ({"key": "r" * 61}, "key", "2-60"),
        ({"roles": ("service", "janitor")}, "roles", "'janitor'"),
        ({"retention": "7 years"}, "retention", "ISO-8601"),
        ({"name_en": "  "}, "name_en", "English and in Dutch"),
        ({"name_nl": ""}, "name_nl", "English and in Dutch"),
        ({"transfers": (Transfer("US", " "),)}, "transfers", "safeguard"),
    ],
)
def test_validation_errors_name_the_field(
    changes: dict[str, object], field: str, needle: str
) -> None:
    errors = validation_errors(a_purpose(**changes))
    assert fields_of(errors) == [field]
    assert needle in errors[0][1]


def test_legitimate_interest_with_its_interest_is_fine() -> None:
    purpose = a_purpose(
        lawful_basis=LawfulBasis.LEGITIMATE_INTEREST, legitimate_interest="Keeping customers."
    )
    assert validation_errors(purpose) == []


def test_every_problem_is_reported_at_once() -> None:
    errors = validation_errors(
        a_purpose(key="X", data_use="nope", roles=("nobody",), retention="forever")
    )
    assert sorted(fields_of(errors)) == ["data_use", "key", "retention", "roles"]


@pytest.mark.parametrize("key", ["ab", "a1", "email_marketing", "a" * 60])
def test_good_keys_pass(key: str) -> None:
    assert validation_errors(a_purpose(key=key)) == []


def test_every_role_is_a_known_role() -> None:
    assert validation_errors(a_purpose(roles=tuple(r.value for r in Role))) == []


def test_every_personal_field_has_a_fideslang_category() -> None:
    for field in PERSONAL_FIELDS:
        assert validation_errors(a_purpose(data_categories=(field.category,))) == [], field.name


# The default catalogue ------------------------------------------------------------------------


def catalogue() -> dict[str, Purpose]:
    return {p.key: p for p in default_catalogue()}


def test_the_default_catalogue_validates() -> None:
    purposes = default_catalogue()
    assert purposes
    assert len({p.key for p in purposes}) == len(purposes)
    for purpose in purposes:
        assert validation_errors(purpose) == [], purpose.key


def test_the_default_catalogue_has_the_expected_purposes() -> None:
    found = catalogue()
    assert {
        "customer_service",
        "sales_follow_up",
        "email_marketing",
        "invoicing",
        "age_verification",
        "privacy_requests",
    } <= set(found)
    assert found["sales_follow_up"].lawful_basis is LawfulBasis.LEGITIMATE_INTEREST
    assert found["sales_follow_up"].legitimate_interest
    assert found["email_marketing"].lawful_basis is LawfulBasis.CONSENT
    assert found["invoicing"].lawful_basis is LawfulBasis.LEGAL_OBLIGATION
    assert found["invoicing"].retention == "P7Y"
    assert parse_duration(found["invoicing"].retention) == Duration(years=7)
    assert found["age_verification"].may_use(BIRTH_DATE)
    assert found["age_verification"].data_categories == (BIRTH_DATE,)
    assert found["privacy_requests"].covers_everyone


def test_only_age_verification_and_privacy_requests_may_use_the_birth_date() -> None:
    users = {p.key for p in default_catalogue() if p.may_use(BIRTH_DATE)}
    assert users == {"age_verification", "privacy_requests"}


def test_marketing_sees_no_birth_date_and_no_phone() -> None:
    marketing = catalogue()["email_marketing"]
    visible = {f.name for f in PERSONAL_FIELDS if marketing.may_use(f.category)}
    assert "birth_date" not in visible
    assert "phone" not in visible
    assert "email" in visible


def test_privacy_requests_see_every_personal_field() -> None:
    requests = catalogue()["privacy_requests"]
    assert all(requests.may_use(f.category) for f in PERSONAL_FIELDS)
