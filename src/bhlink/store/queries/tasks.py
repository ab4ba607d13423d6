"""Queries over work-queue tasks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.queries.patients import _on_caseload
from bhlink.store.tables import Patient, Task


@dataclass(frozen=True)
class TaskFilter:
    """GET /tasks filters plus the caller's visibility limits."""

    assignee_user_id: str | None = None
    # The provider the filtered user acts for (their tasks include the provider's tasks).
    assignee_user_provider_id: str | None = None
    provider_id: str | None = None
    status: str | None = None
    task_type: str | None = None
    patient_id: str | None = None
    due_before: datetime | None = None
    caseload_provider_ids: Sequence[str] | None = None


class TaskQueries:
    """Task lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, integration_id: str, task_id: str) -> Task | None:
        """A task, or None."""
        return self._s.scalar(
            select(Task).where(Task.integration_id == integration_id, Task.id == task_id)
        )

    def by_ids(self, integration_id: str, task_ids: Sequence[str]) -> dict[str, Task]:
        """Tasks of this integration by id (one query for a page of referrers)."""
        if not task_ids:
            return {}
        rows = self._s.scalars(
            select(Task).where(Task.integration_id == integration_id, Task.id.in_(set(task_ids)))
        )
        return {row.id: row for row in rows}

    def by_reference(self, integration_id: str, task_type: str, reference: str) -> Task | None:
        """The task of this type for this reference (the idempotency key of generators)."""
        return self._s.scalar(
            select(Task).where(
                Task.integration_id == integration_id,
                Task.task_type == task_type,
                Task.reference == reference,
            )
        )

    def open_for_resource(
        self, integration_id: str, task_type: str, resource_id: str
    ) -> list[Task]:
        """Open tasks of one type about one resource."""
        return list(
            self._s.scalars(
                select(Task).where(
                    Task.integration_id == integration_id,
                    Task.task_type == task_type,
                    Task.resource_id == resource_id,
                    Task.status == "open",
                )
            )
        )

    def page(
        self, integration_id: str, flt: TaskFilter, *, after_seq: int | None, limit: int
    ) -> Page[Task]:
        """A page of tasks in change order."""
        filters: list[ColumnElement[bool]] = [Task.integration_id == integration_id]
        if flt.assignee_user_id is not None:
            mine: list[ColumnElement[bool]] = [Task.assignee_user_id == flt.assignee_user_id]
            if flt.assignee_user_provider_id is not None:
                mine.append(
                    (Task.assignee_provider_id == flt.assignee_user_provider_id)
                    & Task.assignee_user_id.is_(None)
                )
            filters.append(or_(*mine))
        for column, value in (
            (Task.assignee_provider_id, flt.provider_id),
            (Task.status, flt.status),
            (Task.task_type, flt.task_type),
            (Task.patient_id, flt.patient_id),
        ):
            if value is not None:
                filters.append(column == value)
        if flt.due_before is not None:
            filters.append(Task.due_at < flt.due_before)
        if flt.caseload_provider_ids is not None:
            ids = flt.caseload_provider_ids
            filters.append(
                or_(
                    Task.assignee_provider_id.in_(ids),
                    Task.patient_id.in_(select(Patient.id).where(_on_caseload(ids))),
                )
            )
        return keyset_page(self._s, Task, filters, after_seq=after_seq, limit=limit)
