"""List endpoints' shared plumbing: page size, signed cursors, the next-page token."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel
from starlette.responses import Response

from bhlink.api.responses import list_response
from bhlink.services.crypto import SecretBox
from bhlink.services.paging import CursorState, decode_cursor, encode_cursor, filters_fingerprint
from bhlink.store.queries.paging import Page

PageSize = Annotated[
    int, Query(alias="pageSize", ge=1, le=500, description="Items per page (1-500).")
]
Cursor = Annotated[
    str | None, Query(max_length=400, description="`nextCursor` of the previous page.")
]


@dataclass(frozen=True)
class Paging:
    """Where this page starts and how to sign the next cursor."""

    after_seq: int | None
    page: int
    page_size: int
    fingerprint: str


def start(
    box: SecretBox, integration_id: str, filters: dict[str, Any], cursor: str | None, page_size: int
) -> Paging:
    """Open the cursor (checked against tenant and filters) or start at page 1."""
    fingerprint = filters_fingerprint(integration_id, filters)
    if cursor is None:
        return Paging(after_seq=None, page=1, page_size=page_size, fingerprint=fingerprint)
    state = decode_cursor(box, cursor, fingerprint)
    return Paging(
        after_seq=state.after_seq, page=state.page, page_size=page_size, fingerprint=fingerprint
    )


def respond(
    box: SecretBox, paging: Paging, page: Page[Any], to_schema: Callable[[Any], BaseModel]
) -> Response:
    """Serialise a page with the seeds' envelope and the next cursor (if more rows follow)."""
    items: Sequence[BaseModel] = [to_schema(row) for row in page.rows]
    next_cursor = None
    if page.has_more and page.rows:
        next_cursor = encode_cursor(
            box,
            CursorState(after_seq=page.rows[-1].change_seq, page=paging.page + 1),
            paging.fingerprint,
        )
    return list_response(
        items,
        page=paging.page,
        page_size=paging.page_size,
        total=page.total,
        next_cursor=next_cursor,
    )
