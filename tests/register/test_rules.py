"""The union of the register's copies never shrinks, whatever each copy holds (Art. 17)."""

from __future__ import annotations

from datetime import timedelta
from itertools import permutations
from pathlib import Path

from conftest import NOW
from kluis.register import rules
from kluis.vault.register import (
    Contents,
    RegisterFile,
    decode,
    encode,
    erasure,
    lift,
    minimisation,
    suppression,
)

A, B, C = "person-a", "person-b", "person-c"
KEY = bytes(range(32))


def test_the_union_holds_every_entry_of_every_copy_with_the_earliest_time() -> None:
    early, late = erasure(A, NOW, "request"), erasure(A, NOW + timedelta(days=1), "retention")
    other = erasure(B, NOW, "request")
    for copies in permutations([[late], [early, other], []]):
        union = rules.union_erasures(*copies)
        assert union == {A: early, B: other}


def test_what_a_copy_lacks_is_exactly_the_rest_of_the_union_oldest_first() -> None:
    first, second = erasure(A, NOW, "r"), erasure(B, NOW + timedelta(seconds=1), "r")
    union = rules.union_erasures([second, first])
    assert rules.erasures_missing(union, []) == [first, second]
    assert rules.erasures_missing(union, [second]) == [first]
    assert rules.erasures_missing(union, [first, second]) == []


def test_a_minimisation_is_the_same_entry_in_every_copy_however_its_names_are_ordered() -> None:
    one = minimisation(A, ["phone", "birth_date"], ["offers", "email_marketing"], True, NOW, "r")
    same = minimisation(A, ["birth_date", "phone"], ["email_marketing", "offers"], True, NOW, "r")
    later = minimisation(A, ["birth_date"], [], False, NOW + timedelta(days=1), "r")
    assert one.entry == same.entry
    assert one.entry != later.entry
    union = rules.union_minimisations([one], [same, later], [])
    assert set(union) == {one.entry, later.entry}
    assert rules.minimisations_missing(union, [later]) == [one]


def test_a_minimisation_of_an_erased_person_is_not_applied() -> None:
    cut_a = minimisation(A, ["birth_date"], [], False, NOW, "r")
    cut_c = minimisation(C, ["birth_date"], [], False, NOW, "r")
    assert rules.still_to_apply([cut_a, cut_c], {A, B}) == [cut_c]


def test_a_line_of_the_file_reads_back_only_under_its_key() -> None:
    for item in (
        erasure(A, NOW, "request"),
        minimisation(B, ["birth_date"], ["email_marketing"], True, NOW, "retention"),
    ):
        line = encode(KEY, item)
        assert line.endswith(b"\n")
        assert line.count(b"\n") == 1
        assert decode(KEY, line) == item
        assert decode(bytes(32), line) is None
        assert decode(KEY, line[:-8] + b"\n") is None
        assert decode(KEY, line.replace(b"person-", b"persoN-")) is None


def test_a_missing_file_reads_as_empty(tmp_path: Path) -> None:
    assert RegisterFile(tmp_path / "none.log", KEY).read() == Contents([], [], 0)


def test_the_suppression_log_folds_additions_and_lifts_in_order() -> None:
    d1, d2, d3 = b"\x01" * 16, b"\x02" * 16, b"\x03" * 16
    t = [NOW + timedelta(minutes=m) for m in range(6)]
    events = [
        suppression("email", d1, "erased", t[0]),
        suppression("email", d2, "objected", t[0]),
        lift(d2, t[1]),
        suppression("phone", d3, "objected", t[1]),
        lift(d3, t[2]),
        suppression("phone", d3, "erased", t[3]),
        suppression("email", d1, "objected", t[4]),
    ]
    restored = [suppression("email", d2, "objected", t[0])]
    plan = rules.merge_suppressions(events, restored)
    assert plan.to_keyring == [
        suppression("email", d1, "erased", t[0]),
        suppression("phone", d3, "erased", t[3]),
    ]
    assert plan.to_drop == [d2]
    assert plan.to_file == []


def test_keyring_entries_the_file_never_saw_go_to_the_file_unless_lifted_since() -> None:
    old, again = b"\x04" * 16, b"\x05" * 16
    listed = [
        suppression("email", old, "erased", NOW),
        suppression("email", again, "objected", NOW + timedelta(days=2)),
    ]
    plan = rules.merge_suppressions([lift(again, NOW + timedelta(days=1))], listed)
    assert plan.to_file == listed
    assert plan.to_keyring == []
    assert plan.to_drop == []
    line = encode(KEY, lift(again, NOW))
    assert decode(KEY, line) == lift(again, NOW)
