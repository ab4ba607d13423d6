"""Work-queue tasks: idempotent creation on (type, reference), completion, lists, generators.

Other services create tasks through `create_task` (unsigned notes, co-signatures and plan
reviews here; risk flags from measurement-based care). `generate_tasks` is what the
`bhlink tasks generate` command and the worker call periodically; running it twice creates
nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bhlink.config import Settings
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem, Forbidden, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.events.event_types import EventType
from bhlink.services import audit, outbox
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import stamp_new, stamp_update
from bhlink.store.queries.notes import attendee_patients
from bhlink.store.queries.paging import Page
from bhlink.store.queries.tasks import TaskFilter
from bhlink.store.tables import Task
from bhlink.store.unit_of_work import UniqueViolation, UnitOfWork

UNSIGNED_NOTE = "unsigned_note"
COSIGN_NOTE = "cosign_note"
TREATMENT_PLAN_REVIEW = "treatment_plan_review"
RISK_FLAG = "risk_flag"
TASK_TYPES = (UNSIGNED_NOTE, COSIGN_NOTE, TREATMENT_PLAN_REVIEW, RISK_FLAG)
_TITLES = {
    UNSIGNED_NOTE: "Sign the note for a completed session",
    COSIGN_NOTE: "Co-sign a supervisee's note",
    TREATMENT_PLAN_REVIEW: "Review the treatment plan",
    RISK_FLAG: "Review a risk flag",
    "authorization_exhausted": "Authorization used up: renew it or stop booking",
    "authorization_low_units": "Authorization nearly used up: request more units",
    "authorization_expiring": "Authorization ends soon: request an extension",
    "authorization_expired": "Authorization has ended: renew it",
    "risk_follow_up": "Follow up on a risk flag",
}
# How far back the unsigned-note generator looks past its cutoff on each run: old sessions
# whose notes were signed are not re-examined forever (a run at least monthly is assumed).
UNSIGNED_NOTE_LOOKBACK = timedelta(days=60)
_BATCH = 1000


def create_task(
    uow: UnitOfWork,
    actor: Actor,
    type: str,  # the name the measurement-based-care service calls it by
    patient_id: str | None,
    assignee_provider_id: str | None,
    due: datetime | None,
    reference: str,
    *,
    title: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    assignee_user_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Task:
    """The task of `type` for `reference`, created (task.created) only if it does not exist.

    `reference` is the caller's natural key (an appointment id, `planId:reviewDate`, a risk
    flag id); whatever state the existing task is in, it is returned unchanged.
    """
    task_type = type
    if not task_type or len(task_type) > 40 or not reference or len(reference) > 200:
        raise InvalidInput(
            detail="a task needs a type (up to 40 characters) and a reference (up to 200)",
            errors=[FieldProblem("type" if not task_type else "reference", "is invalid")],
        )
    existing = uow.tasks.by_reference(actor.integration_id, task_type, reference)
    if existing is not None:
        return existing
    task = Task(
        id=new_id("tsk"),
        integration_id=actor.integration_id,
        task_type=task_type,
        reference=reference,
        status="open",
        title=title or _TITLES.get(task_type, task_type.replace("_", " ").capitalize()),
        patient_id=patient_id,
        assignee_provider_id=assignee_provider_id,
        assignee_user_id=assignee_user_id,
        resource_type=resource_type,
        resource_id=resource_id,
        due_at=due,
        detail=detail,
    )
    seq, at = stamp_new(uow, task)
    uow.add(task)
    try:
        uow.flush()
    except UniqueViolation as exc:
        raise Conflict(
            detail="a concurrent request created the same task; retry",
            code="concurrent_write",
        ) from exc
    audit.record(
        uow,
        actor,
        EventType.TASK_CREATED,
        resource_type="task",
        resource_id=task.id,
        patient_id=patient_id,
        detail={"type": task_type},
    )
    outbox.emit(
        uow,
        actor,
        EventType.TASK_CREATED,
        "task",
        task.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["*"],
    )
    return task


def _close(uow: UnitOfWork, actor: Actor, task: Task, note: str | None) -> None:
    task.status = "completed"
    task.completion_note = note
    task.completed_by = actor.actor_id
    seq, at = stamp_update(uow, task)
    task.completed_at = at
    audit.record(
        uow,
        actor,
        EventType.TASK_COMPLETED,
        resource_type="task",
        resource_id=task.id,
        patient_id=task.patient_id,
    )
    outbox.emit(
        uow,
        actor,
        EventType.TASK_COMPLETED,
        "task",
        task.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["status"],
    )


def complete_open(uow: UnitOfWork, actor: Actor, task_type: str, resource_id: str) -> int:
    """Complete every open task of `task_type` about a resource (the work it asked for is done)."""
    tasks = uow.tasks.open_for_resource(actor.integration_id, task_type, resource_id)
    for task in tasks:
        _close(uow, actor, task, None)
    return len(tasks)


def _ensure_visible(uow: UnitOfWork, actor: Actor, task: Task) -> None:
    if actor.caseload_provider_ids is None:
        return
    if task.assignee_provider_id in actor.caseload_provider_ids:
        return
    if task.assignee_user_id == actor.actor_id:
        return
    if task.patient_id is not None and uow.patients.is_on_caseload(
        task.patient_id, actor.caseload_provider_ids
    ):
        return
    raise not_found("task")


def complete(uow: UnitOfWork, actor: Actor, task_id: str, note: str | None) -> Task:
    """POST /tasks/{id}/complete: close an open task (409 when it is not open)."""
    require(actor, Entitlement.PATIENTS, write=True)
    task = uow.tasks.get(actor.integration_id, task_id)
    if task is None:
        raise not_found("task")
    _ensure_visible(uow, actor, task)
    if (
        actor.caseload_provider_ids is not None
        and task.assignee_user_id is not None
        and task.assignee_user_id != actor.actor_id
    ):
        raise Forbidden(detail="the task is assigned to another user", code="not_assignee")
    if task.status != "open":
        raise Conflict(
            detail=f"the task is {task.status}",
            errors=[FieldProblem("status", f"is {task.status}")],
            code="task_not_open",
        )
    _close(uow, actor, task, note)
    return task


def get(uow: UnitOfWork, actor: Actor, task_id: str) -> Task:
    """GET /tasks/{id} (audited read)."""
    require(actor, Entitlement.PATIENTS)
    task = uow.tasks.get(actor.integration_id, task_id)
    if task is None:
        raise not_found("task")
    _ensure_visible(uow, actor, task)
    audit.record(
        uow,
        actor,
        "task.read",
        resource_type="task",
        resource_id=task.id,
        patient_id=task.patient_id,
    )
    return task


def page(
    uow: UnitOfWork, actor: Actor, flt: TaskFilter, *, after_seq: int | None, limit: int
) -> Page[Task]:
    """GET /tasks: filtered page in change order, limited to the caseload, audited."""
    require(actor, Entitlement.PATIENTS)
    if flt.patient_id is not None:
        ensure_patient_visible(uow, actor, flt.patient_id)
    updates: dict[str, Any] = {}
    if flt.assignee_user_id is not None:
        user = uow.tenancy.user(flt.assignee_user_id)
        if user is None or user.integration_id != actor.integration_id:
            raise InvalidInput(
                detail="no such user",
                errors=[FieldProblem("assigneeUserId", "no such user in this integration")],
            )
        updates["assignee_user_provider_id"] = user.provider_id
    if actor.caseload_provider_ids is not None:
        updates["caseload_provider_ids"] = actor.caseload_provider_ids
    if updates:
        flt = TaskFilter(**{**flt.__dict__, **updates})
    result = uow.tasks.page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record_many(uow, actor, "task.read", "task", [(t.id, t.patient_id) for t in result.rows])
    return result


@dataclass(frozen=True)
class GeneratedTasks:
    """What one generator run created."""

    unsigned_notes: int
    plan_reviews: int


def generate_tasks(
    uow: UnitOfWork, integration_id: str, settings: Settings, now: datetime | None = None
) -> GeneratedTasks:
    """Create the tasks that are due in one integration (idempotent; safe to run any time).

    * a completed session with no signed note `unsigned_note_days` after it ended gets an
      `unsigned_note` task for its provider (one per appointment; co-signatures pending
      still count as unsigned);
    * an active treatment plan past its review date gets a `treatment_plan_review` task
      and a `treatment_plan.review_due` event.
    """
    from bhlink.services import treatment_plans  # plans import tasks; import here, not at top

    moment = now or utcnow()
    actor = Actor.system(integration_id, "bhlink task generator")
    cutoff = moment - timedelta(days=settings.unsigned_note_days)
    created_notes = 0
    appointments = uow.notes.completed_without_task(
        integration_id,
        cutoff,
        UNSIGNED_NOTE,
        _BATCH,
        completed_after=cutoff - UNSIGNED_NOTE_LOOKBACK,
    )
    signed = uow.notes.signed_for_appointments(integration_id, [a.id for a in appointments])
    for appointment in appointments:
        missing = [p for p in attendee_patients(appointment) if (appointment.id, p) not in signed]
        if not missing:
            continue
        completed_at = appointment.status_changed_at or appointment.end_time
        create_task(
            uow,
            actor,
            UNSIGNED_NOTE,
            missing[0] if len(missing) == 1 else None,
            appointment.provider_id,
            completed_at + timedelta(days=settings.unsigned_note_days),
            appointment.id,
            resource_type="appointment",
            resource_id=appointment.id,
            detail={"patientIds": missing},
        )
        created_notes += 1
    created_reviews = treatment_plans.create_review_tasks(uow, actor, moment.date())
    return GeneratedTasks(unsigned_notes=created_notes, plan_reviews=created_reviews)
