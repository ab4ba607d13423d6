"""Shapes that exist only to document responses in OpenAPI (problem details, list envelopes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from bhlink.api.problems import PROBLEM_JSON


class FieldError(BaseModel):
    """One invalid field."""

    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses."""
    descriptions = {
        400: "Malformed request",
        401: "Missing, invalid, expired or revoked credentials",
        403: "The role or entitlement does not allow this",
        404: "Not found in this integration (or not visible to the caller)",
        409: "The current state forbids the change (or a concurrent duplicate)",
        412: "If-Match names a stale version",
        413: "Body too large",
        415: "Unsupported content type",
        422: "Invalid input; `errors` names each field",
        428: "If-Match is required",
        429: "Rate limited; see Retry-After",
    }
    return {
        s: {
            "model": Problem,
            "description": descriptions.get(s, "Error"),
            "content": {PROBLEM_JSON: {}},
        }
        for s in statuses
    }


READ_ERRORS = problems(401, 403, 404, 422, 429)
WRITE_ERRORS = problems(400, 401, 403, 404, 409, 412, 413, 415, 422, 429)
