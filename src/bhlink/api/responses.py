"""Fast JSON responses from pydantic models (serialised once, in Rust, no re-validation)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from bhlink.schemas.base import format_utc

JSON = "application/json"


def json_response(
    model: BaseModel,
    status: int = 200,
    *,
    etag_version: int | None = None,
    location: str | None = None,
) -> Response:
    """Serialise a schema instance (camelCase) into a response."""
    headers: dict[str, str] = {}
    if etag_version is not None:
        headers["ETag"] = f'W/"{etag_version}"'
    if location is not None:
        headers["Location"] = location
    return Response(
        model.model_dump_json(by_alias=True), status_code=status, media_type=JSON, headers=headers
    )


def list_response(
    items: Sequence[BaseModel], *, page: int, page_size: int, total: int, next_cursor: str | None
) -> Response:
    """The seeds' list envelope, built without a generic model per resource."""
    parts = b",".join(item.model_dump_json(by_alias=True).encode() for item in items)
    cursor = "null" if next_cursor is None else f'"{next_cursor}"'
    body = (
        b'{"items":['
        + parts
        + b'],"page":'
        + str(page).encode()
        + b',"pageSize":'
        + str(page_size).encode()
        + b',"total":'
        + str(total).encode()
        + b',"nextCursor":'
        + cursor.encode()
        + b"}"
    )
    return Response(body, media_type=JSON)


def utc(value: Any) -> str:
    """Re-export of the UTC formatter for handlers."""
    return format_utc(value)
