"""Task shapes: the work queue of `GET /tasks`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from bhlink.schemas.base import ApiModel, UtcDateTime, WriteModel


class TaskComplete(WriteModel):
    """POST /tasks/{id}/complete."""

    note: Annotated[str | None, Field(default=None, max_length=500)] = None


class TaskRead(ApiModel):
    """A task."""

    task_id: str
    type: str
    status: str
    title: str
    reference: str
    patient_id: str | None
    assignee_provider_id: str | None
    assignee_user_id: str | None
    resource_type: str | None
    resource_id: str | None
    due_at: UtcDateTime | None
    detail: dict[str, Any] | None
    completed_at: UtcDateTime | None
    completed_by: str | None
    completion_note: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


def task_read(t: Any) -> TaskRead:
    """Response shape of a stored task."""
    return TaskRead(
        task_id=t.id,
        type=t.task_type,
        status=t.status,
        title=t.title,
        reference=t.reference,
        patient_id=t.patient_id,
        assignee_provider_id=t.assignee_provider_id,
        assignee_user_id=t.assignee_user_id,
        resource_type=t.resource_type,
        resource_id=t.resource_id,
        due_at=t.due_at,
        detail=t.detail,
        completed_at=t.completed_at,
        completed_by=t.completed_by,
        completion_note=t.completion_note,
        version=t.version,
        created_at=t.created_at,
        updated_at=t.updated_at,
    )
