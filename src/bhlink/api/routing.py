"""The route class that gives each request one transaction: commit on success, roll back on error."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bhlink.api.deps import ReplayResponse
from bhlink.domain.errors import Conflict, DomainError
from bhlink.services import audit, idempotency
from bhlink.services.context import Actor
from bhlink.store.unit_of_work import UniqueViolation

# Headers worth replaying with a stored idempotent response.
_REPLAYED_HEADERS = ("content-type", "etag", "location")
# Failures that say someone tried to reach data they may not: audited as denied.
_AUDITED_FAILURES = {401: "failure", 403: "denied", 404: "denied"}
# Width of audit_events.resource_id (store/tables/records.py).
_AUDIT_ID_MAX = 64


def _finish(request: Request, response: Response) -> None:
    uow = getattr(request.state, "uow", None)
    claim = getattr(request.state, "idempotency_claim", None)
    if uow is None:
        return
    try:
        if response.status_code < 400:
            if claim is not None:
                headers = {k: v for k, v in response.headers.items() if k in _REPLAYED_HEADERS}
                idempotency.complete(
                    uow,
                    claim,
                    idempotency.StoredResponse(response.status_code, headers, bytes(response.body)),
                )
            uow.commit()
        else:
            uow.rollback()
            if claim is not None:
                idempotency.release(request.app.state.db, claim)
    finally:
        uow.close()


def _fail(request: Request, exc: BaseException) -> None:
    uow = getattr(request.state, "uow", None)
    if uow is not None:
        uow.rollback()
        uow.close()
    claim = getattr(request.state, "idempotency_claim", None)
    if claim is not None:
        idempotency.release(request.app.state.db, claim)
    if (
        isinstance(exc, DomainError)
        and exc.status in _AUDITED_FAILURES
        and not getattr(request.state, "failure_audited", False)
    ):
        _audit_failure(request, exc)


def _audit_failure(request: Request, exc: DomainError) -> None:
    integration_id = request.path_params.get("integration_id")
    db = request.app.state.db
    actor: Actor | None = getattr(request.state, "actor", None)
    if actor is None:
        if not integration_id:
            return
        actor = Actor(
            integration_id=integration_id,
            actor_type="anonymous",
            actor_id="anonymous",
            name="",
            source_ip=request.client.host if request.client else None,
            request_id=getattr(request.state, "request_id", None),
        )
    route = request.scope.get("route")
    action = getattr(route, "name", "request")
    with db.unit_of_work() as uow:
        if uow.tenancy.integration(actor.integration_id) is None:
            return
        resource_id = next(
            (v for k, v in request.path_params.items() if k != "integration_id"), None
        )
        audit.record(
            uow,
            actor,
            action,
            resource_id=_clamp(str(resource_id)) if resource_id else None,
            outcome=_AUDITED_FAILURES[exc.status],
            detail={"status": exc.status, "code": exc.code},
        )
        uow.commit()


def _clamp(value: str) -> str:
    """A caller-chosen path id, cut to fit the audit column.

    An overlong id must not turn the audit of a refusal into a database error (PostgreSQL
    enforces the column width; SQLite does not, which is how only one leg saw it).
    """
    if len(value) <= _AUDIT_ID_MAX:
        return value
    return value[: _AUDIT_ID_MAX - 1] + "…"


class TransactionalRoute(APIRoute):
    """Commit the request's unit of work after the handler built its response."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await inner(request)
            except ReplayResponse as replay:
                await run_in_threadpool(_fail, request, replay)
                stored = replay.stored
                headers = dict(stored.headers)
                headers["Idempotent-Replayed"] = "true"
                return Response(stored.body, status_code=stored.status, headers=headers)
            except BaseException as exc:
                await run_in_threadpool(_fail, request, exc)
                raise
            try:
                await run_in_threadpool(_finish, request, response)
            except UniqueViolation as exc:
                raise Conflict(
                    detail="a concurrent request created the same record; retry",
                    code="concurrent_write",
                ) from exc
            return response

        return handler
