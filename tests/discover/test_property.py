"""Property: a random person planted among decoys with similar names, addresses and numbers is
found on exactly the lines where they were planted, and a redacted copy keeps everyone else."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from discover_files import Someone, csv_bytes, xlsx_bytes
from kluis.discover import redact, rules, scan

LETTERS = "abcdefghijklmnoprstuvwz"
word = st.text(LETTERS, min_size=3, max_size=9).map(str.capitalize)
families = st.sampled_from(["", "van ", "de ", "van der "]).flatmap(
    lambda prefix: word.map(lambda w: prefix + w)
)
numbers = st.integers(10_000_000, 99_999_999)
NOTATIONS = ("06-{}", "+31 6 {}", "0031 6{}", "06 {}")


@st.composite
def scenes(draw: st.DrawFn) -> tuple[Someone, list[Someone], list[bool]]:
    given_name, family, number = draw(word), draw(families), draw(numbers)
    local = f"{given_name}.{family.replace(' ', '')}".lower()
    planted = Someone(
        given_name,
        family,
        draw(st.sampled_from([local, local.upper(), local.capitalize()])) + "@example.com",
        draw(st.sampled_from(NOTATIONS)).format(number),
    )
    other = number + 1 if number < 99_999_999 else number - 1
    decoys = [
        Someone(given_name, family + "s", f"{local}x@example.com", f"06-{other}"),
        Someone(given_name + "a", family, f"x{local}@example.com", f"+31 6 {number}1"),
        Someone(given_name, "Ter" + family.replace(" ", "").lower(), f"{local}@example.org", ""),
        Someone(
            draw(word.filter(lambda w: w != given_name)),
            family,
            f"{local}@example.com.nl",
            f"016-{number}",
        ),
    ]
    rows = draw(st.lists(st.integers(0, 3), min_size=1, max_size=12))
    marks = draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    people = [planted if mark else decoys[i] for i, mark in zip(rows, marks, strict=True)]
    return planted, people, [p is planted for p in people]


def _identifiers(p: Someone) -> rules.Identifiers:
    digits = "".join(c for c in p.phone if c.isdigit())
    return rules.Identifiers((p.email.lower(),), ("+316" + digits[-8:],), ((p.given, p.family),))


def _hits(name: str, content: bytes, m: rules.Matcher) -> list[rules.Hit]:
    return [h for s in scan.scan_stream(name, io.BytesIO(content), m) for h in s.hits]


@settings(max_examples=examples(200))
@given(scenes())
def test_the_planted_person_is_found_on_exactly_their_lines(
    scene: tuple[Someone, list[Someone], list[bool]],
) -> None:
    planted, people, is_planted = scene
    m = rules.matcher(_identifiers(planted))
    found = _hits("x.csv", csv_bytes(people), m)
    expected = {f"line {i + 2}" for i, mark in enumerate(is_planted) if mark}
    assert {h.place for h in found} == expected
    assert all(
        {h.kind for h in found if h.place == place} == {"email", "phone", "name"}
        for place in expected
    )
    sheet = _hits("x.xlsx", xlsx_bytes({"a": people}), m)
    assert {h.place.split(", cell ")[1][1:] for h in sheet} == {
        str(i + 2) for i, mark in enumerate(is_planted) if mark
    }


@settings(max_examples=examples(60))
@given(scene=scenes())
def test_a_redacted_copy_has_none_of_them_and_everyone_else(
    scene: tuple[Someone, list[Someone], list[bool]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    planted, people, is_planted = scene
    m = rules.matcher(_identifiers(planted))
    folder = tmp_path_factory.mktemp("r")
    source = folder / "old.csv"
    source.write_bytes(csv_bytes(people))
    made = redact.redact(source, m)
    assert made is not None
    assert made.removed == sum(is_planted)
    assert source.read_bytes() == csv_bytes(people)
    lines = csv_bytes(people).split(b"\r\n")
    kept = [
        line for i, line in enumerate(lines) if not (0 < i <= len(people) and is_planted[i - 1])
    ]
    assert Path(made.copy).read_bytes() == b"\r\n".join(kept)
    assert _hits("copy.csv", Path(made.copy).read_bytes(), m) == []


ACCENTED = str.maketrans("aeiouAEIOU", "áëïóüÀÉÎÕÛ")
pieces = st.sampled_from(
    [
        "{email}",
        "{EMAIL}",
        "{given} {family}",
        "{FAMILY}, {GIVEN}",
        "{accented}",
        "{given};{family}",
        "+31 6 {d4} {d4b}",
        "06-{d8}",
        "0031 6{d8}",
        "(06) {pairs}",
        "x",
        ";",
        "ä",
        " ",
        "€",
    ]
)


@settings(max_examples=examples(300))
@given(given_name=word, family=families, number=numbers, parts=st.lists(pieces, max_size=8))
def test_the_prefilter_never_drops_a_line_the_judge_would_find(
    given_name: str, family: str, number: int, parts: list[str]
) -> None:
    local = f"{given_name}.{family.replace(' ', '')}".lower()
    digits = str(number)
    values = {
        "email": f"{local}@example.com",
        "EMAIL": f"{local}@example.com".upper(),
        "given": given_name,
        "family": family,
        "GIVEN": given_name.upper(),
        "FAMILY": family.upper(),
        "accented": f"{given_name} {family}".translate(ACCENTED),
        "d4": digits[:4],
        "d4b": digits[4:],
        "d8": digits,
        "pairs": " ".join(digits[i : i + 2] for i in range(0, 8, 2)),
    }
    line = "".join(part.format(**values) for part in parts)
    m = rules.matcher(
        rules.Identifiers((f"{local}@example.com",), (f"+316{digits}",), ((given_name, family),))
    )
    for encoding in ("utf-8", "cp1252"):
        try:
            raw = line.encode(encoding)
        except UnicodeEncodeError:
            continue
        if m.judge([line]):
            assert m.candidate(raw, encoding), (line, encoding)
