"""The cycle collector run less often while a bulk path runs (``kluis.collector``): the
threshold comes back when the last of overlapping holders ends, in whatever order they end, and
a freeze is made (and undone) only by a holder that found nothing frozen, so the web server's
frozen start-up (kluis.app) stays frozen through an upload's import or a sweep."""

from __future__ import annotations

import gc

from kluis.collector import THRESHOLD, fewer_collections


def test_the_threshold_comes_back_when_the_last_of_overlapping_holders_ends() -> None:
    before = gc.get_threshold()
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    assert gc.get_threshold()[0] == THRESHOLD
    second.__enter__()
    first.__exit__(None, None, None)  # the first to start ends first: the second still runs
    assert gc.get_threshold()[0] == THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


def test_what_somebody_else_froze_stays_frozen() -> None:
    gc.freeze()  # as the web server's start-up does
    frozen = gc.get_freeze_count()
    with fewer_collections():
        assert gc.get_freeze_count() == frozen  # nothing more frozen on top
    assert gc.get_freeze_count() == frozen > 0


def test_a_holder_that_found_nothing_frozen_freezes_and_unfreezes() -> None:
    gc.unfreeze()
    with fewer_collections():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
