"""The test worker's own start set aside from Python's cyclic collector.

Each worker ran 110 to 150 full collections over the suite, ~11 % of its CPU, most of it walking
the same ~300,000 objects of its start again: the modules, FastAPI's endpoint analyses that
``conftest`` keeps, the collected tests. Frozen (``gc.freeze``) once they exist, a full
collection walks only what the tests made since (docs/performance.md, "The test suite").

The state lives here, not in ``conftest``: with ``--import-mode=importlib`` a test that imports
``conftest`` gets a second copy of it, and both must see one record of what was frozen."""

from __future__ import annotations

import gc

_FREEZE_AT = frozenset({1, 3, 10, 30, 100, 300, 1000})
"""Tests before which the worker freezes again although nothing undid it: what the first tests
of a worker import and cache (slices, Jinja templates, Babel catalogues) joins the frozen start."""

_AGAIN_AFTER = 20
"""Tests that run, at least, between a freeze that was undone and the next: freezing again
costs a full collection of everything (~0.15 s), and ~1,900 tests start an app, which undoes
it (:func:`after_test`). Freezing again before each of them made the suite a third slower."""

_started = [0]
_frozen = [0]
"""How many objects the worker set aside; -1 when that was undone and is to be done again."""
_frozen_at = [0]


def freeze() -> None:
    """Collect, then set aside everything alive."""
    gc.collect()
    gc.freeze()
    _frozen[0] = gc.get_freeze_count()
    _frozen_at[0] = _started[0]


def before_test() -> None:
    """Freeze again when it was undone at least :data:`_AGAIN_AFTER` tests after the last, or
    at one of the :data:`_FREEZE_AT` tests; done before the test's fixtures are made, the last
    test's objects gone."""
    _started[0] += 1
    undone = _frozen[0] < 0 and _started[0] - _frozen_at[0] >= _AGAIN_AFTER
    if undone or _started[0] in _FREEZE_AT:
        freeze()


def after_test() -> None:
    """An app's start-up sets aside everything alive (``gc.freeze``, kluis.app): in a test worker
    that is the test's own app and Kluis too, which frozen would never be collected, so a freeze
    larger than the worker's own is undone. Frozen objects freed by their last reference leave
    the count, so a smaller one is the worker's own, kept."""
    frozen = gc.get_freeze_count()
    if frozen == 0 or frozen > _frozen[0]:
        gc.unfreeze()
        _frozen[0] = -1
    else:
        _frozen[0] = frozen
