"""``/healthz``, ``/readyz`` and ``/metrics``: the probes and the scrape, at the root, outside the
API's schema.

``/healthz`` and ``/readyz`` need no sign-in (a load balancer has none) and say nothing an
attacker could use. ``/metrics`` is behind a bearer token (``KLUIS_METRICS_TOKEN``), not behind
an address: behind a reverse proxy every request comes from the proxy's loopback address, so an
address rule would hand the figures to anyone the proxy serves. Without a token configured the
route answers 404 exactly as a route that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.ops import health, metrics, rules

router = APIRouter()

_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
def healthz() -> JSONResponse:
    """``{"status": "ok"}``: the process lives and answers; nothing else is asked (restarting
    the process would not mend a store, so a store's failure is readiness', not liveness')."""
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


@router.get("/readyz")
def readyz(k: KluisDep) -> JSONResponse:
    """200 ``{"status": "ready"}``, or 503 ``{"status": "not ready", "failing": [names]}``."""
    failed = health.failing(k)
    if failed:
        return JSONResponse(
            {"status": "not ready", "failing": failed}, status_code=503, headers=_NO_STORE
        )
    return JSONResponse({"status": "ready"}, headers=_NO_STORE)


@router.get("/metrics")
def scrape(request: Request, k: KluisDep, now: NowDep) -> Response:
    """The Prometheus text format, for the bearer of ``KLUIS_METRICS_TOKEN``."""
    token = k.settings.metrics_token
    if token is None:
        raise HTTPException(404)  # the same answer as a route that does not exist
    if not rules.token_matches(request.headers.get("authorization"), token.get_secret_value()):
        return PlainTextResponse(
            "a bearer token is needed (KLUIS_METRICS_TOKEN)",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"', **_NO_STORE},
        )
    return Response(metrics.exposition(k, now), media_type=metrics.CONTENT_TYPE, headers=_NO_STORE)
