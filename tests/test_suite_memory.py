"""The suite keeps no test's app: once a test is over, nothing of the worker still holds its app,
and with it the test's Kluis, engines and routes. The caches ``conftest`` keeps or clears
(FastAPI's endpoint analysis, its classification of callables) once held every app the worker
had made: the workers grew to 1.8 to 1.9 GB, and every full collection walked all of it."""

from __future__ import annotations

import gc
import weakref

import pytest

import conftest
import worker_heap
from api_helpers import TestClient, anonymous_client
from kluis.app import create_app
from kluis.runtime import Kluis


def test_an_app_is_freed_once_its_test_is_over(
    kluis: Kluis, request: pytest.FixtureRequest
) -> None:
    client = anonymous_client(kluis)
    # the API docs pages (fastapi-offline) are endpoints made inside each app, holding it
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 200
    assert client.get("/api/v1/contacts").status_code == 401
    app = weakref.ref(client.app)
    del client
    conftest.pytest_runtest_teardown(request.node)
    gc.collect()
    assert app() is None, [type(found).__name__ for found in gc.get_referrers(app())]


def test_what_an_apps_start_up_froze_is_collectable_again_after_the_test(
    kluis: Kluis, request: pytest.FixtureRequest
) -> None:
    """The app's start-up sets aside everything alive (``gc.freeze``, kluis.app): in a test
    worker that is the test's own app and Kluis too, which frozen would never be collected."""
    before = gc.get_freeze_count()
    with TestClient(create_app(kluis)):
        assert gc.get_freeze_count() > before
    conftest.pytest_runtest_teardown(request.node)
    assert gc.get_freeze_count() == 0


def test_the_workers_own_start_stays_set_aside_after_a_test(
    kluis: Kluis, request: pytest.FixtureRequest
) -> None:
    """The worker's modules and collected tests are frozen (tests/worker_heap.py): a test that
    froze nothing more leaves them frozen, so the next full collection does not walk them
    again."""
    worker_heap.freeze()  # as before the test, when an app's start-up undid it a while ago
    frozen = gc.get_freeze_count()
    assert frozen > 100_000
    conftest.pytest_runtest_teardown(request.node)
    assert 0 < gc.get_freeze_count() <= frozen
