"""The FastAPI application: the slices' routers (``kluis.slices``) under ``/api/v1`` and their
pages, and domain errors as problem+json.

The API documentation pages load their scripts from Kluis itself (fastapi-offline), not from a
CDN: a staff member opening ``/docs`` tells no third party that they did, and the page works on a
closed network.

Errors follow RFC 9457: ``type`` is a stable URN per kind of problem, ``detail`` says what was
wrong and what to do, and ``field`` names the offending input where there is one. The errors
Starlette and FastAPI raise themselves (no such route, a method the route lacks, a body that
cannot be read) get a type of their own too, never ``about:blank``.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles

from kluis import __version__
from kluis.api import PROBLEM, PROBLEMS, openapi_document
from kluis.errors import KluisError
from kluis.jobs import Registry
from kluis.jobs.embedded import EmbeddedWorker
from kluis.opening import open_kluis
from kluis.proxy import install as install_proxy
from kluis.purposes.shell import layout as staff_layout
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.slices import SLICES, jobs, load


def problem(
    status: int,
    type_uri: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": type_uri, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


async def _kluis_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, KluisError)
    return problem(exc.status, exc.type_uri, exc.title, exc.detail, field=exc.field)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(
                str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")
            ),
            "message": e.get("msg", ""),
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    return problem(
        422,
        "urn:kluis:problem:invalid-field",
        "Invalid value",
        f"{first['field']}: {first['message']}",
        field=first["field"],
        errors=errors,
    )


HTTP_PROBLEMS = {
    400: (
        "malformed-request",
        "the body could not be read as its content type says; send what the route documents",
    ),
    404: ("not-found", "there is no such route; the API's routes are in /api/v1/openapi.json"),
    405: ("method-not-allowed", ""),
    413: ("too-large", "the request body is larger than accepted"),
}
"""Problem types of the errors the framework raises, with the detail given when it names none."""


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


def _allowed_methods(request: Request) -> str:
    """Every method some route answers at the request's path (RFC 9110, section 10.2.1).

    Starlette names the methods of the first route that matched the path only, while each method
    is a route of its own here; so each method is tried against the routes. Mounts (static files)
    answer any method at their prefix and are left out."""
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
            if not isinstance(route, Mount)
        )
    ]
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Errors Starlette and FastAPI raise before a route runs, as problems with a real type."""
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        return problem(
            422,
            "urn:kluis:problem:invalid-field",
            "Invalid value",
            "the body is not UTF-8; send JSON encoded as UTF-8 (RFC 8259, section 8.1)",
        )
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    slug, detail = HTTP_PROBLEMS.get(status, ("error", phrase.lower()))
    if exc.detail and exc.detail != phrase:
        detail = str(exc.detail)
    headers = dict(exc.headers or {})
    allowed = _allowed_methods(request) if status == 405 else ""
    if allowed:
        headers["Allow"] = allowed
        detail = f"{request.method} is not a method of this route; it has {allowed}"
    return problem(status, f"urn:kluis:problem:{slug}", phrase, detail, headers=headers)


async def _nul_in_text(_request: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL refuses text holding a NUL character (a ``%00`` in a path or query, a
    ``\\u0000`` in JSON): that is an invalid value, not a failure. Other data errors stay 500."""
    assert isinstance(exc, DataError)
    if "NUL (0x00)" not in str(exc.orig):
        raise exc
    return problem(
        422,
        "urn:kluis:problem:invalid-field",
        "Invalid value",
        "text may not contain a NUL (0x00) character",
    )


async def _unexpected_error(_request: Request, _exc: Exception) -> JSONResponse:
    """Anything unforeseen: the same shape, no internals (the server still logs the traceback)."""
    return problem(
        500,
        "urn:kluis:problem:internal-error",
        "Internal error",
        "an unexpected error stopped this request; it was logged for the administrator",
    )


def _complete_openapi(app: FastAPI) -> None:
    """Serve the OpenAPI document with every schema in its components (``openapi_document``),
    the way FastAPI documents extending it: by replacing ``app.openapi``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(kluis: Kluis | None = None, settings: Settings | None = None) -> FastAPI:
    """The app for an open ``kluis``, or one opened (and migrated) from ``settings`` at start."""
    configured = kluis.settings if kluis is not None else settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = kluis is None
        app.state.kluis = kluis if kluis is not None else open_kluis(configured)
        # On SQLite the server works the job queue itself; on PostgreSQL `kluis worker` does.
        worker = None
        if owned and app.state.kluis.engine.dialect.name != "postgresql":
            worker = EmbeddedWorker(app.state.kluis, Registry(jobs()))
            worker.start()
        app.state.job_worker = worker
        # What start-up built (modules, templates, the taxonomy: ~180,000 objects) lives as long
        # as the process; set aside from the cyclic collector, a full collection walks only what
        # requests made since, instead of a ~180 ms pause on about one request in a hundred.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if owned:
                app.state.kluis.close()

    app = FastAPIOffline(
        title="Kluis",
        version=__version__,
        summary="A privacy-native CRM: every read names its purpose.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url="/redoc",
        static_url="/static/api-docs",
        openapi_url="/api/v1/openapi.json",
    )
    _complete_openapi(app)
    if kluis is not None:
        app.state.kluis = kluis
        # an app around an open Kluis has no worker: it runs each job at once (kluis.jobs.web)
        app.state.jobs_inline = Registry(jobs())
    app.add_exception_handler(KluisError, _kluis_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _nul_in_text)
    app.add_exception_handler(Exception, _unexpected_error)
    # behind a reverse proxy: the client's address and scheme, HSTS over HTTPS (kluis.proxy)
    install_proxy(app, configured)

    for entry in SLICES:
        for path in entry.api:
            app.include_router(load(path), prefix="/api/v1", responses=PROBLEMS)
    for entry in SLICES:
        for path in entry.public_pages:
            app.include_router(load(path), include_in_schema=False)
    for entry in SLICES:
        for path in entry.staff_pages:
            app.include_router(load(path), include_in_schema=False)
    # a person's page shows what the slices above contacts keep about them (contacts.panels)
    app.state.person_panels = tuple(load(path) for entry in SLICES for path in entry.person_panels)
    # a person's timeline merges what each slice keeps about them (contacts.timeline)
    app.state.timeline_sources = tuple(load(path) for entry in SLICES for path in entry.timeline)
    # a deal's page lists the activities and tasks linked to it (kluis.deals.work)
    app.state.deal_panels = tuple(load(path) for entry in SLICES for path in entry.deal_panels)
    # the home page shows each slice's section for the signed-in user (kluis.auth.home)
    app.state.home_panels = tuple(load(path) for entry in SLICES for path in entry.home_panels)
    # the staff shell's header offers the purposes the user's role holds (kluis.purposes.shell)
    app.state.layout = staff_layout
    app.mount("/app/static", StaticFiles(packages=[("kluis.ui", "static")]), name="static")

    return app


def create_app_from_settings() -> FastAPI:
    """The app each process of ``kluis serve --workers N`` builds: uvicorn imports this factory
    by name in every worker (``factory=True``), and each opens its own stores from the same
    settings. Everything shared between requests is in the data store (sessions, CSRF tokens,
    sign-in and form limits), so the processes need nothing from each other."""
    return create_app(settings=Settings())
