"""Keyset paging over the per-integration change sequence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

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


def keyset_page(
    session: Session,
    model: type[T],
    filters: Sequence[ColumnElement[bool]],
    *,
    after_seq: int | None,
    limit: int,
    options: Sequence[ExecutableOption] = (),
) -> Page[T]:
    """Rows matching `filters` with change_seq > after_seq in change order, and the filtered total.

    Keyset, not OFFSET: the cost of a page does not grow with its depth, and rows inserted
    or updated while a client pages are neither skipped nor shown twice in their old place.
    """
    seq = model.change_seq  # type: ignore[attr-defined]
    query = select(model).where(*filters)
    if after_seq is not None:
        query = query.where(seq > after_seq)
    rows = list(session.scalars(query.options(*options).order_by(seq).limit(limit + 1)))
    total = int(session.scalar(select(func.count()).select_from(model).where(*filters)) or 0)
    return Page(rows=rows[:limit], total=total, has_more=len(rows) > limit)
