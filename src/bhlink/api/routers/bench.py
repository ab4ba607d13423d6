"""GET /bench/ping: the benchmark baseline, mounted only when BHLINK_BENCH_ROUTES=1.

A bare JSON answer through the same middleware and thread pool as every API handler, but with no
database, authentication or audit: what the server costs by itself, the yardstick the benchmark
divides every other figure by.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from bhlink.api.responses import JSON

router = APIRouter(tags=["bench"], include_in_schema=False)
_PONG = b'{"status":"ok"}'


@router.get("/bench/ping")
def ping() -> Response:
    """`{"status": "ok"}`, from the thread pool like the API's handlers."""
    return Response(_PONG, media_type=JSON)
