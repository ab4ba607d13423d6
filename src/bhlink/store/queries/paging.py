"""Keyset paging over the per-integration change sequence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, the total matching the filters, and whether more follow."""

    rows: list[T]
    total: int
    has_more: bool


def changed_after(
    model: Any, integration_id: str, at: datetime
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """`updatedAfter`: the filter (records changed after `at`) and where their pages start.

    Decision 0003 makes `updated_at` strictly increase along a tenant's change numbers, so
    the records changed after `at` are exactly those from the first such record on in change
    order. That first change number (one probe of the `(integration_id, updated_at)` index)
    lets a page start there instead of filtering the tenant's history from its beginning,
    which is what planners otherwise do, `updated_at` and `change_seq` being correlated in a
    way they cannot see. The plain `updated_at > at` test stays, so a record that broke the
    rule could be missed by this bound but never wrongly returned. The bound is for pages
    only (`keyset_page(seek=…)`): a count is cheapest as an index-only range on updated_at.
    """
    first_changed = (
        select(model.change_seq)
        .where(model.integration_id == integration_id, model.updated_at > at)
        .order_by(model.updated_at)
        .limit(1)
        .scalar_subquery()
    )
    return model.updated_at > at, model.change_seq >= first_changed


def keyset_page(
    session: Session,
    model: type[T],
    filters: Sequence[ColumnElement[bool]],
    *,
    after_seq: int | None,
    limit: int,
    options: Sequence[ExecutableOption] = (),
    seek: Sequence[ColumnElement[bool]] = (),
) -> Page[T]:
    """Rows matching `filters` with change_seq > after_seq in change order, and the filtered total.

    Keyset, not OFFSET: the cost of a page does not grow with its depth, and rows inserted
    or updated while a client pages are neither skipped nor shown twice in their old place.
    `seek` holds conditions the filters imply that help the page query find its first row
    (see `changed_after`); the count leaves them out.
    """
    seq = model.change_seq  # type: ignore[attr-defined]
    query = select(model).where(*filters, *seek)
    if after_seq is not None:
        query = query.where(seq > after_seq)
    rows = list(session.scalars(query.options(*options).order_by(seq).limit(limit + 1)))
    total = int(session.scalar(select(func.count()).select_from(model).where(*filters)) or 0)
    return Page(rows=rows[:limit], total=total, has_more=len(rows) > limit)
