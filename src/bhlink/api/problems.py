"""RFC 9457 problem details for every error, with field-level `errors` and no PHI."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.responses import Response

from bhlink.api.log_hygiene import where
from bhlink.domain.errors import DomainError, FieldProblem, RateLimited
from bhlink.store.unit_of_work import is_integrity_error

PROBLEM_TYPE_BASE = "https://bhlink.dev/problems/"
PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("bhlink.api")
# The detail FastAPI gives the HTTPException it raises when it cannot decode a request body.
_FASTAPI_BODY_PARSE_ERROR = "There was an error parsing the body"

_STATUS_TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal error",
}


def problem_response(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    code: str | None = None,
    errors: list[FieldProblem] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (code or title_slug(status)),
        "title": title or _STATUS_TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if code:
        body["code"] = code
    body["errors"] = [{"field": e.field, "message": e.message} for e in errors or []]
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def title_slug(status: int) -> str:
    """A stable problem type slug for a status without a more specific code."""
    return _STATUS_TITLES.get(status, "error").lower().replace(" ", "-")


def _field_path(loc: tuple[Any, ...]) -> str:
    """Turn pydantic's location into the client's field path: body.insurance.0.payer_id → insurance[0].payerId."""
    parts = list(loc)
    where = parts.pop(0) if parts and parts[0] in ("body", "query", "path", "header") else None
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("function-after", "function-before", "function-plain", "tagged-union"):
            continue
        elif isinstance(part, str) and "[" in part:
            continue  # union/discriminator labels such as "function-after[...]"
        else:
            name = to_camel(part) if where in ("body", None) else part
            path += f".{name}" if path else name
    return path or (where or "body")


def _validation_problems(exc: RequestValidationError) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        message = str(err.get("msg", "is invalid"))
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            message = "is not a field of this resource"
        elif kind == "missing":
            message = "is required"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        elif kind == "json_invalid":
            message = "the body is not valid JSON"
        problems.append(FieldProblem(_field_path(loc), message))
    return problems


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        headers = None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(exc.retry_after)}
        if exc.status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="bhlink"'}
        return problem_response(
            exc.status,
            title=exc.title,
            detail=exc.detail,
            code=exc.code if not isinstance(exc, RateLimited) else "rate-limited",
            errors=exc.errors,
            instance=request.url.path,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = _validation_problems(exc)
        fields = ", ".join(sorted({p.field for p in problems})[:5])
        return problem_response(
            422,
            detail=f"invalid fields: {fields}" if fields else "the request is not valid",
            errors=problems,
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 400 and isinstance(exc.__context__, MultiPartException):
            # Starlette's form parser: a body that is not the multipart or urlencoded form it
            # claims to be is bad input like any other, a 422 naming `body`.
            return problem_response(
                422,
                detail=f"the body is not a valid form: {exc.__context__.message}",
                errors=[FieldProblem("body", "the body is not a valid form")],
                instance=request.url.path,
            )
        if exc.status_code == 400 and detail == _FASTAPI_BODY_PARSE_ERROR:
            # FastAPI answers 400 when a JSON body is not even text (invalid UTF-8); to the
            # client that is the same mistake as malformed JSON, which is a 422 naming `body`.
            return problem_response(
                422,
                detail="the body is not valid JSON (RFC 8259: UTF-8 text)",
                errors=[FieldProblem("body", "the body is not valid JSON")],
                instance=request.url.path,
            )
        return problem_response(
            exc.status_code,
            detail=detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if is_integrity_error(exc):
            return problem_response(
                409,
                detail="the change conflicts with an existing record",
                code="constraint_violation",
                instance=request.url.path,
            )
        # Log the type and request id only: exception text may quote PHI from the data.
        log.error(
            "unhandled error %s at %s",
            type(exc).__name__,
            where(exc),
            extra={
                "error_type": type(exc).__name__,
                "path_template": _route_template(request),
                "request_id": getattr(request.state, "request_id", None),
            },
            exc_info=False,
        )
        return problem_response(
            500,
            detail="an unexpected error occurred; it has been logged",
            instance=request.url.path,
        )


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "?")
