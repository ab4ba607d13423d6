"""GET /metrics: Prometheus text for operators (a bearer token, or loopback clients only)."""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bhlink.api.problems import problem_response
from bhlink.config import Settings
from bhlink.events.metrics import CONTENT_TYPE
from bhlink.events.metrics_http import render_metrics
from bhlink.services.crypto import constant_time_equal

router = APIRouter(tags=["operations"])


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _allowed(request: Request, settings: Settings) -> bool:
    """With BHLINK_METRICS_TOKEN set, `Authorization: Bearer <token>`; else loopback peers only.

    The peer is what uvicorn reports after applying trusted proxy headers, so a reverse proxy
    on this host forwarding outside traffic does not make it loopback.
    """
    if settings.metrics_token:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and constant_time_equal(
            token.strip(), settings.metrics_token
        )
    return _is_loopback(request.client.host if request.client else None)


@router.get(
    "/metrics",
    responses={
        200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format 0.0.4"},
        401: {"description": "Missing or wrong metrics token"},
        403: {"description": "No token configured and the client is not on loopback"},
    },
)
async def metrics(request: Request) -> Response:
    """Webhook queue depth, delivery latency, failures by endpoint (Prometheus text format)."""
    settings: Settings = request.app.state.settings
    if not _allowed(request, settings):
        if settings.metrics_token:
            return problem_response(
                401,
                detail="send Authorization: Bearer <BHLINK_METRICS_TOKEN>",
                headers={"WWW-Authenticate": 'Bearer realm="bhlink-metrics"'},
            )
        return problem_response(
            403, detail="metrics are served to loopback clients unless BHLINK_METRICS_TOKEN is set"
        )
    body = await run_in_threadpool(render_metrics, request.app.state.db)
    return Response(body, media_type=CONTENT_TYPE)
