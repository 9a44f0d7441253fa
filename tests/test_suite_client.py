"""The suite's test clients run their app in the test's own thread (``_in_this_thread`` in
tests/conftest.py, docs/design.md "A test client's request runs in the test's own thread"):
what a test sees is what Starlette's transport gave it, and nothing of a request outlives it."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/loop", response_class=PlainTextResponse)
    async def on_the_loop() -> str:
        return str(threading.get_ident())

    @app.get("/sync", response_class=PlainTextResponse)
    def in_a_worker_thread() -> str:
        return str(threading.get_ident())

    @app.post("/echo", response_class=PlainTextResponse)
    async def echo(body: dict[str, str]) -> str:
        return body["text"]

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug in the app")

    return app


def test_a_request_runs_on_a_loop_of_the_tests_thread_and_a_sync_route_in_a_worker() -> None:
    client = TestClient(_app())
    assert client.get("/loop").text == str(threading.get_ident())
    assert client.get("/sync").text != str(threading.get_ident())
    assert client.post("/echo", json={"text": "héllo"}).text == "héllo"


def test_a_request_from_another_thread_runs_on_a_loop_of_that_thread() -> None:
    client = TestClient(_app())
    answers: list[tuple[str, str]] = []

    def ask() -> None:
        answers.append((client.get("/loop").text, str(threading.get_ident())))

    asking = threading.Thread(target=ask)
    asking.start()
    asking.join()
    [(served_on, asked_from)] = answers
    assert served_on == asked_from


def test_an_exception_of_the_app_reaches_the_test_or_is_a_500_when_asked() -> None:
    with pytest.raises(RuntimeError, match="a bug in the app"):
        TestClient(_app()).get("/broken")
    answered = TestClient(_app(), raise_server_exceptions=False).get("/broken")
    assert answered.status_code == 500


def test_a_client_entered_with_with_keeps_starlettes_own_loop() -> None:
    with TestClient(_app()) as client:
        assert client.get("/loop").text != str(threading.get_ident())


def test_nothing_holds_the_app_after_its_requests() -> None:
    app = _app()
    client = TestClient(app)
    assert client.get("/sync").status_code == 200
    assert client.get("/loop").status_code == 200
    gone = weakref.ref(app)
    del app, client
    gc.collect()
    assert gone() is None
