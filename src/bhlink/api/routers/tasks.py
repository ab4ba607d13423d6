"""/tasks: the work queue (unsigned notes, co-signatures, plan reviews, risk flags)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response
from bhlink.api.routers.patients import PatientIdQuery, ProviderIdQuery, parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.tasks import TaskComplete, TaskRead, task_read
from bhlink.services import tasks
from bhlink.store.queries.tasks import TaskFilter

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["tasks"]
)


@router.get(
    "/tasks", response_model=ListEnvelope[TaskRead], responses=READ_ERRORS, name="tasks.list"
)
def list_tasks(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    assignee_user_id: Annotated[
        str | None, Query(alias="assigneeUserId", min_length=3, max_length=64)
    ] = None,
    provider_id: ProviderIdQuery = None,
    status: Annotated[str | None, Query(pattern="^(open|completed|cancelled)$")] = None,
    task_type: Annotated[str | None, Query(alias="type", max_length=40)] = None,
    patient_id: PatientIdQuery = None,
    due_before: Annotated[str | None, Query(alias="dueBefore", max_length=40)] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Tasks by assignee (user or provider), status, type, patient or `dueBefore`."""
    flt = TaskFilter(
        assignee_user_id=assignee_user_id,
        provider_id=provider_id,
        status=status,
        task_type=task_type,
        patient_id=patient_id,
        due_before=parse_timestamp("dueBefore", due_before),
    )
    paging = listing.start(box, actor.integration_id, {"tasks": flt.__dict__}, cursor, page_size)
    page = tasks.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(box, paging, page, task_read)


@router.get("/tasks/{task_id}", response_model=TaskRead, responses=READ_ERRORS, name="tasks.get")
def get_task(task_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One task."""
    task = tasks.get(uow, actor, task_id)
    return json_response(task_read(task), etag_version=task.version)


@router.post(
    "/tasks/{task_id}/complete",
    response_model=TaskRead,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="tasks.complete",
)
def complete_task(
    task_id: str, actor: CurrentActor, uow: UowDep, body: TaskComplete | None = None
) -> Response:
    """Mark an open task completed (409 when it is not open)."""
    task = tasks.complete(uow, actor, task_id, body.note if body else None)
    return json_response(task_read(task), etag_version=task.version)
