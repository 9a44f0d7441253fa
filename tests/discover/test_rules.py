"""The pure matching rules: normalisation, phone notations, name orders, boundaries."""

from __future__ import annotations

import pytest

from kluis.discover import rules

M = rules.matcher(
    rules.Identifiers(
        emails=("Ada.Lovelace@Example.com",),
        phones=("+442079460123",),
        names=(("Ada", "Lovelace"),),
    )
)


def test_fold_drops_case_accents_and_spacing() -> None:
    assert rules.fold("  ÅDA \t LÖVELACE ") == "ada lovelace"
    assert rules.fold("Straße") == "strasse"


def test_phone_forms_use_the_countrys_prefixes() -> None:
    assert set(rules.phone_forms("+31612345678")) == {
        "31612345678",
        "0031612345678",
        "0612345678",
        "310612345678",
    }
    assert "011" + "12025550143" in rules.phone_forms("+12025550143")
    assert rules.phone_forms("not a number") == ()


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("ada.lovelace@example.com", ["email"]),
        ("<ADA.LOVELACE@EXAMPLE.COM>", ["email"]),
        ("xada.lovelace@example.com", []),
        ("ada.lovelace@example.com.au", []),
        ("mail ada.lovelace@example.com.", ["email"]),
        ("020 7946 0123", ["phone"]),
        ("+44 20 7946 0123", ["phone"]),
        ("0044 (0)20 7946 0123", ["phone"]),
        ("020 7946 01234", []),
        ("Ada Lovelace", ["name"]),
        ("Lovelace, Ada", ["name"]),
        ("ADA   LOVELACE", ["name"]),
        ("Ada Lovelace-Byron", []),
        ("Adam Lovelace", []),
        ("Lovelace Ada", []),
    ],
)
def test_judge(text: str, kinds: list[str]) -> None:
    assert [kind for kind, _ in M.judge([text])] == kinds
    if kinds:
        assert M.candidate(text.encode())


def test_a_name_over_two_cells_is_found_in_the_first() -> None:
    assert M.judge(["7", "Ada", "Lovelace", "x"]) == [("name", 1)]


def test_the_prefilter_sees_an_accented_spelling() -> None:
    assert M.candidate("Adá Lovëlace".encode())
    assert M.candidate("Adá Lovëlace".encode("cp1252"), "cp1252")
    assert not M.candidate(b"someone else entirely 020 7946 9999")


def test_unusable_identifiers_match_nothing() -> None:
    m = rules.matcher(rules.Identifiers(emails=("no-at-sign",), phones=("12",), names=(("", "X"),)))
    assert m.empty
    assert not rules.Identifiers()


def test_a_name_the_prefilter_cannot_fold_is_judged_everywhere() -> None:
    m = rules.matcher(rules.Identifiers(names=(("Ὀδυσσεύς", "Λαέρτιος"),)))
    assert m.judge_everything
    assert m.judge(["ὈΔΥΣΣΕΎΣ ΛΑΈΡΤΙΟΣ"]) == [("name", 0)]
