"""The dry run's set of seen digests on disk: it answers like a Python set, keeps its file private,
removes it on exit (errors included), and does not collect the digests in Python memory."""

from __future__ import annotations

import hashlib
import hmac
import stat
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from kluis.transfer.seen import SeenDigests


def _digest(n: int) -> bytes:
    """Shaped like a blind index: a keyed HMAC-SHA256 of an invented address."""
    return hmac.new(b"test key", f"person{n}@example.com".encode(), hashlib.sha256).digest()


def test_adds_and_finds(tmp_path: Path) -> None:
    with SeenDigests(tmp_path) as seen:
        assert len(seen) == 0
        assert not seen.any_seen([_digest(1)])
        assert not seen.any_seen([])
        assert seen.seen_of([]) == set()
        seen.add([_digest(1), _digest(2), _digest(1)])
        seen.add([])
        assert len(seen) == 2
        assert seen.any_seen([_digest(3), _digest(2)])
        assert not seen.any_seen([_digest(3), _digest(4)])
        assert seen.seen_of([_digest(n) for n in range(5)]) == {_digest(1), _digest(2)}
        assert _digest(1) in seen
        assert _digest(3) not in seen
        assert "not bytes" not in seen


def test_the_directory_is_private_while_open_and_gone_after(tmp_path: Path) -> None:
    with SeenDigests(tmp_path) as seen:
        directory = seen.directory
        assert directory is not None
        assert directory.parent == tmp_path
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        (database,) = directory.iterdir()
        assert stat.S_IMODE(database.stat().st_mode) & 0o077 == 0
        seen.add([_digest(1)])
    assert not directory.exists()
    assert seen.directory is None
    assert list(tmp_path.iterdir()) == []


def _failing_dry_run(parent: Path) -> None:
    with SeenDigests(parent) as seen:
        seen.add([_digest(1)])
        raise KeyError("a failing dry run")


def test_the_directory_is_gone_after_an_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="failing dry run"):
        _failing_dry_run(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_closed_set_is_refused_not_silently_empty(tmp_path: Path) -> None:
    seen = SeenDigests(tmp_path)
    with pytest.raises(RuntimeError, match="with block"):
        seen.add([_digest(1)])
    with seen, pytest.raises(RuntimeError, match="reentrant"):
        seen.__enter__()
    with pytest.raises(RuntimeError, match="with block"):
        seen.any_seen([_digest(1)])
    seen.close()  # closing twice is harmless


def test_an_add_that_fails_midway_leaves_the_set_usable(tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield _digest(2)
        raise ValueError("the file ended badly")

    with SeenDigests(tmp_path) as seen:
        seen.add([_digest(1)])
        with pytest.raises(ValueError, match="ended badly"):
            seen.add(broken())
        assert seen.seen_of([_digest(1), _digest(2)]) == {_digest(1)}
        seen.add([_digest(3)])  # the set is still usable
        assert len(seen) == 2


def test_digests_are_read_in_chunks_and_not_collected_in_memory(tmp_path: Path) -> None:
    """A generator of 100,000 digests is streamed: Python's peak stays a few chunks' worth
    (SQLite's own page cache is bounded separately by ``CACHE_KIB``)."""
    count = 100_000
    with SeenDigests(tmp_path) as seen:
        tracemalloc.start()
        try:
            seen.add(_digest(n) for n in range(count))
            found = seen.any_seen(_digest(n) for n in range(count, 2 * count))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert not found
        assert len(seen) == count
        assert seen.any_seen(_digest(n) for n in range(count - 1, count + 1))
    # a set of these digests alone would take more than 10 MB
    assert peak < 2_000_000, peak


_digests = st.binary(min_size=0, max_size=40)


@settings(max_examples=examples(60), deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.lists(_digests, max_size=30), st.lists(_digests, max_size=30)), max_size=8
    ),
    chunk=st.integers(min_value=1, max_value=7),
)
def test_answers_like_a_python_set(
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[list[bytes], list[bytes]]],
    chunk: int,
) -> None:
    """Each step adds a batch, then asks about other digests, the batch, and both; small chunks
    make answers cross chunk boundaries."""
    model: set[bytes] = set()
    with SeenDigests(tmp_path_factory.mktemp("seen"), chunk=chunk) as seen:
        for batch, ask in steps:
            for question in (ask, [*ask, *batch]):
                assert seen.seen_of(question) == model.intersection(question)
                assert seen.any_seen(question) == bool(model.intersection(question))
            seen.add(batch)
            model.update(batch)
            for question in (ask, batch, [*ask, *batch]):
                assert seen.seen_of(question) == model.intersection(question)
                assert seen.any_seen(question) == bool(model.intersection(question))
            assert len(seen) == len(model)


def test_remembers_which_fields_an_owner_has(tmp_path: Path) -> None:
    """A dry run's merge fills in fields; a later row must meet the person with them."""
    with SeenDigests(tmp_path, chunk=2) as seen:
        seen.add([_digest(1)], "line:2", ["email"])
        seen.add([_digest(2)], "line:2", ["phone", "email"])
        seen.add([], "person-x", ["phone"])
        assert seen.fields_of(["line:2", "person-x", "line:9"]) == {
            "line:2": frozenset({"email", "phone"}),
            "person-x": frozenset({"phone"}),
        }
        assert seen.fields_of([]) == {}
        assert seen.owners_of([_digest(2)]) == {_digest(2): "line:2"}
