"""GET /health: liveness and database reachability, the one route open to anonymous callers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bhlink import __version__
from bhlink.api.responses import JSON
from bhlink.store.db import Database

router = APIRouter(tags=["health"])


def _database_ok(db: Database) -> bool:
    try:
        with db.unit_of_work() as uow:
            uow.tenancy.count_integrations()
        return True
    except Exception:
        return False


@router.get("/health", responses={503: {"description": "The database is not reachable"}})
async def health(request: Request) -> Response:
    """`{"status": "ok"}` when the server and its database answer."""
    ok = await run_in_threadpool(_database_ok, request.app.state.db)
    body = f'{{"status":"{"ok" if ok else "unavailable"}","version":"{__version__}"}}'
    return Response(body, status_code=200 if ok else 503, media_type=JSON)
