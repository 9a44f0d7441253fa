"""The test worker's own start set aside from Python's cyclic collector.

Each worker ran 110 to 150 full collections over the suite, ~11 % of its CPU, most of it walking
the same ~300,000 objects of its start again: the modules, FastAPI's endpoint analyses that
``conftest`` keeps, the collected tests. Frozen (``gc.freeze``) once they exist, a full
collection walks only what the tests made since (docs/performance.md, "The test suite").

Whether somebody else froze or unfroze is learnt from ``gc.freeze`` and ``gc.unfreeze``
themselves, wrapped here, not from ``gc.get_freeze_count()``: that walks the whole frozen list,
~400,000 objects scattered in memory, and asked after every test it took over a quarter of a
worker's CPU (py-spy, session 14).

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

_real_freeze = gc.freeze
_real_unfreeze = gc.unfreeze

_started = [0]
_frozen_at = [0]
_frozen = [False]
"""Whether the worker's own start is frozen now."""
_foreign = [False]
"""Whether anybody else froze since (an app's start-up): then the freeze holds their objects."""


def _freeze_by_others() -> None:
    _foreign[0] = True
    _real_freeze()


def _unfreeze_by_others() -> None:
    _frozen[0] = False
    _foreign[0] = False
    _real_unfreeze()


gc.freeze = _freeze_by_others
gc.unfreeze = _unfreeze_by_others


def freeze() -> None:
    """Collect, then set aside everything alive."""
    gc.collect()
    _real_freeze()
    _frozen[0] = True
    _frozen_at[0] = _started[0]


def before_test() -> None:
    """Freeze again when it was undone at least :data:`_AGAIN_AFTER` tests after the last, or
    at one of the :data:`_FREEZE_AT` tests; done before the test's fixtures are made, the last
    test's objects gone."""
    _started[0] += 1
    undone = not _frozen[0] and _started[0] - _frozen_at[0] >= _AGAIN_AFTER
    if undone or _started[0] in _FREEZE_AT:
        freeze()


def after_test() -> None:
    """An app's start-up sets aside everything alive (``gc.freeze``, kluis.app): in a test worker
    that is the test's own app and Kluis too, which frozen would never be collected, so a freeze
    by anybody but this module is undone (all of it: it cannot be undone in part)."""
    if _foreign[0]:
        _real_unfreeze()
        _frozen[0] = False
        _foreign[0] = False
