"""Pure rules of import: headers in English and Dutch, delimiters, the consent-declaration rule,
reasons that never repeat the value."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from kluis.contacts.fields import BY_NAME, PERSONAL_FIELDS
from kluis.contacts.rules import NormaliseContext, readable_by
from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor
from kluis.transfer import job
from kluis.transfer.rules import columns, matching, notes, records, values
from kluis.transfer.rules.columns import ConsentDeclaration, ImportRefused
from kluis.transfer.rules.notes import Reject
from kluis.transfer.rules.values import Row

CTX = NormaliseContext("NL", date(2026, 3, 14))
DECLARED = ConsentDeclaration("newsletter", "email", "paper_form", 1)


def _validate(plan: columns.Plan, cells: list[str], consent: bool = False) -> Row | Reject | None:
    return values.validate_row(
        plan,
        2,
        cells,
        relationship="other",
        language="nl",
        ctx=CTX,
        declared_consent=consent,
    )


def test_synonyms_name_declared_fields_only() -> None:
    assert set(columns.SYNONYMS) <= {*BY_NAME, *columns.ATTRIBUTES}


@pytest.mark.parametrize("field", PERSONAL_FIELDS, ids=lambda f: f.name)
def test_every_field_is_recognised_by_name_and_both_labels(field: object) -> None:
    for word in (field.name, field.label_en, field.label_nl):  # type: ignore[attr-defined]
        assert columns.KNOWN_HEADERS[columns.header_key(word)] == field.name  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("headers", "targets"),
    [
        (["Voornaam", "Achternaam", "E-mail", "Telefoon", "Geboortedatum"], None),
        (["First name", "Last name", "Email address", "Phone", "Date of birth"], None),
        (["VOORNAAM ", "achter naam", "e-mailadres", "Mobiel", "geboortedatum"], None),
    ],
)
def test_headers_in_english_and_dutch(headers: list[str], targets: None) -> None:
    plan = columns.plan_columns(headers, {}, None)
    assert [c.target for c in plan.columns] == [
        "given_name",
        "family_name",
        "email",
        "phone",
        "birth_date",
    ]


def test_unknown_column_is_refused_naming_it_and_the_way_out() -> None:
    with pytest.raises(ImportRefused) as caught:
        columns.plan_columns(["Voornaam", "Klantnummer"], {}, None)
    assert "'Klantnummer'" in caught.value.detail
    assert "--map" in caught.value.detail
    plan = columns.plan_columns(
        ["Voornaam", "Klantnummer"], columns.parse_mapping(["Klantnummer=ignore"]), None
    )
    assert [c.target for c in plan.columns] == ["given_name"]


@pytest.mark.parametrize(
    "header", ["Opt-in", "Toestemming", "Nieuwsbrief", "Newsletter", "consent"]
)
def test_consent_column_without_declaration_is_refused(header: str) -> None:
    with pytest.raises(ImportRefused) as caught:
        columns.plan_columns(["E-mail", header], {}, None)
    assert caught.value.field == "consent"
    assert "Art. 7(1)" in caught.value.detail
    plan = columns.plan_columns(["E-mail", header], {}, DECLARED)
    assert plan.columns[1].target == "consent"


def test_consent_column_values() -> None:
    plan = columns.plan_columns(["E-mail", "Nieuwsbrief"], {}, DECLARED)
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
    assert records.sniff_delimiter(line) == expected


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
    plan = columns.plan_columns(headers, {}, None)
    cells = ["Jan", "", "", ""]
    cells[headers.index(column)] = value
    result = _validate(plan, cells)
    assert isinstance(result, Reject)
    assert result.column == column
    assert value not in result.reason
    assert "secret" not in result.reason
    assert "2099" not in result.reason


def test_dutch_dates_and_name_prefix() -> None:
    plan = columns.plan_columns(
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
    plan = columns.plan_columns(["Voornaam", "E-mail"], {}, None)
    assert _validate(plan, ["", " "]) is None
    too_long = _validate(plan, ["Jan", "jan@example.com", "extra"])
    assert isinstance(too_long, Reject)
    assert "3 cells" in too_long.reason


def test_minimisation_refuses_a_column_no_purpose_uses() -> None:
    plan = columns.plan_columns(["E-mail", "Geboortedatum"], {}, None)
    with pytest.raises(ImportRefused) as caught:
        columns.check_minimisation(plan, lambda f: f.name != "birth_date")
    assert "Art. 5(1)(c)" in caught.value.detail


def test_every_header_problem_is_reported_at_once() -> None:
    headers = ["Voornaam", "Klantnummer", "Nieuwsbrief", "Geboortedatum", "Schoenmaat"]
    with pytest.raises(ImportRefused) as caught:
        columns.plan_columns(headers, {}, None, may_use=lambda f: f.name != "birth_date")
    detail = caught.value.detail
    assert detail.startswith("3 problems with the header")
    assert "'Klantnummer', 'Schoenmaat'" in detail
    assert "'Nieuwsbrief' looks like consent" in detail
    assert "'Geboortedatum' holds birth_date" in detail
    assert "\n" not in detail
    assert caught.value.field == "map"


# Stalled jobs -------------------------------------------------------------------------------------

_STATUSES = ("queued", "running", "done", "failed")
_AGES = {
    "in the future": -timedelta(minutes=1),
    "just now": timedelta(0),
    "a microsecond before the limit": job.STALE_AFTER - timedelta(microseconds=1),
    "exactly at the limit": job.STALE_AFTER,
    "a microsecond past the limit": job.STALE_AFTER + timedelta(microseconds=1),
    "days past": timedelta(days=3),
}
_STALLED_AGES = {"a microsecond past the limit", "days past"}


@pytest.mark.parametrize("age", _AGES, ids=str)
@pytest.mark.parametrize("status", _STATUSES)
def test_only_a_running_job_without_progress_past_the_limit_is_stalled(
    status: str, age: str
) -> None:
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    state = job.job_state(status, now - _AGES[age], now)
    if status == "running" and age in _STALLED_AGES:
        assert state.status == "stalled"
        assert state.hint is not None
        assert "10 minutes" in state.hint
        assert "run the same import again" in state.hint
    else:
        assert state == job.JobState(status, None)


def test_the_limit_is_ten_minutes_and_can_be_given() -> None:
    assert timedelta(minutes=10) == job.STALE_AFTER
    now = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    last = now - timedelta(minutes=2)
    assert job.job_state("running", last, now).status == "running"
    short = job.job_state("running", last, now, stale_after=timedelta(minutes=1))
    assert short.status == "stalled"
    assert short.hint is not None
    assert short.hint.startswith("no progress for more than 1 minute:")
    assert job.job_state("running", last, now, stale_after=timedelta(minutes=2)).status == (
        "running"
    )


def test_time_zones_do_not_move_the_limit() -> None:
    """``updated_at`` comes back from the store in UTC; ``now`` may be in any zone."""
    amsterdam = timezone(timedelta(hours=1))
    now = datetime(2026, 3, 14, 10, 30, tzinfo=amsterdam)  # 09:30 UTC
    at_limit = datetime(2026, 3, 14, 9, 20, tzinfo=UTC)
    assert job.job_state("running", at_limit, now).status == "running"
    past = at_limit - timedelta(seconds=1)
    assert job.job_state("running", past, now).status == "stalled"


@settings(max_examples=examples(300), deadline=None)
@given(
    st.integers(0, 2_000_000),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=400),
)
def test_statistics_are_refreshed_rarely_and_never_far_behind(
    held_at_start: int, created_per_batch: list[int]
) -> None:
    """Simulating an import's batches: after every batch the statistics know at least half the
    people held, and they are refreshed about log2 times, not once per batch."""
    held_then, added_since, people, refreshes = held_at_start, 0, held_at_start, 0
    for created in created_per_batch:
        people += created
        added_since += created
        if job.statistics_due(added_since, held_then):
            held_then, added_since, refreshes = people, 0, refreshes + 1
        assert people <= 2 * held_then or people == 0
        assert people - held_then == added_since
    grown = max(people, 1) / max(held_at_start, 1)
    assert refreshes <= math.log2(grown) + 2 + (held_at_start == 0)


# Rows that match a person held -------------------------------------------------------------------

_E, _P, _E2, _P2 = b"e1", b"p1", b"e2", b"p2"
_OWNERS = {_E: "x", _P: "x"}
_OTHER = {_E: "x", _P2: "y"}
_BOTH = matching.Held(frozenset({"email", "phone"}))
_MAIL_ONLY = matching.Held(frozenset({"email"}))


@pytest.mark.parametrize(
    ("digests", "owners", "held", "duplicates", "expected"),
    [
        ({"email": _E2}, _OWNERS, {}, "skip", ("create", "", "")),
        ({"email": _E, "phone": _P2}, _OTHER, {}, "merge", ("reject", "ambiguous", "")),
        (
            {"email": _E2, "phone": _P},
            _OWNERS,
            {"x": _BOTH},
            "skip",
            ("reject", "ambiguous", "email"),
        ),
        (
            {"email": _E, "phone": _P2},
            _OWNERS,
            {"x": _BOTH},
            "merge",
            ("reject", "ambiguous", "phone"),
        ),
        (
            {"email": _E, "phone": _P2},
            _OWNERS,
            {"x": _MAIL_ONLY},
            "skip",
            ("skip", "duplicate", "email"),
        ),
        ({"phone": _P}, _OWNERS, {"x": _BOTH}, "skip", ("skip", "duplicate", "phone")),
        ({"email": _E}, _OWNERS, {}, "skip", ("skip", "gone", "")),
        ({"email": _E, "phone": _P2}, _OWNERS, {"x": _MAIL_ONLY}, "merge", ("merge", "", "email")),
        (
            {"email": _E},
            _OWNERS,
            {"x": matching.Held(frozenset({"email"}), readable=False, restricted=True)},
            "merge",
            ("reject", "held_for_other_purposes", ""),
        ),
        (
            {"email": _E},
            _OWNERS,
            {"x": matching.Held(frozenset({"email"}), readable=False)},
            "skip",
            ("skip", "duplicate", "email"),
        ),
        (
            {"email": _E},
            _OWNERS,
            {"x": matching.Held(frozenset({"email"}), restricted=True)},
            "merge",
            ("reject", "restricted", ""),
        ),
    ],
)
def test_what_becomes_of_a_row_that_matches(
    digests: dict[str, bytes],
    owners: dict[bytes, str],
    held: dict[str, matching.Held],
    duplicates: str,
    expected: tuple[str, str, str],
) -> None:
    decision = matching.on_match(digests, owners, held, matching.Duplicates(duplicates))
    assert (decision.action.value, decision.code, decision.field) == expected
    if decision.action in (matching.Action.SKIP, matching.Action.REJECT):
        note = matching.match_note(decision, digests, 7, {"email": "E-mail", "phone": "Telefoon"})
        assert isinstance(note, notes.Skip if decision.action is matching.Action.SKIP else Reject)
        assert (note.line, note.code) == (7, decision.code)
        assert "x" not in note.reason.split()  # never the matched person's id


def test_a_role_reads_a_person_held_for_one_of_its_purposes() -> None:
    def purpose(key: str, everyone: bool = False) -> Purpose:
        return Purpose(
            key=key,
            name_nl=key,
            name_en=key,
            description_nl="",
            description_en="",
            lawful_basis=LawfulBasis.CONTRACT,
            data_categories=("user",),
            retention="P1Y",
            retention_anchor=RetentionAnchor.COLLECTION,
            data_use="essential",
            covers_everyone=everyone,
        )

    marketing = [purpose("email_marketing")]
    assert not readable_by(marketing, ["customer_service", "age_verification"])
    assert readable_by(marketing, ["customer_service", "email_marketing"])
    assert not readable_by([], ["customer_service"])
    assert readable_by([purpose("privacy_requests", everyone=True)], [])
