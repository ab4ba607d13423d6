"""Risk flags raised by critical answers, their follow-up tasks, and acknowledgements.

A flag is raised in the same transaction as the result that caused it, together with a
follow-up task for the patient's primary provider and the `assessment.critical_item`
event: either all of them are stored or none. Flags are acknowledged (with a note, audited)
and never deleted.

What raises a flag:

* every critical item the engine reports (PHQ-9 item 9 >= 1, PHQ-A items 9/12/13, EPDS
  item 10 > 0, CORE-10 item 6 > 0, C-SSRS questions 4, 5 and 6a), and
* a C-SSRS screener risk tier of moderate or high. The engine's critical items cover the
  high tier; the moderate tier (question 3, or lifetime behaviour) is added here because
  the Columbia triage guidance asks for a behavioural-health follow-up at that tier too
  (C-SSRS triage guidelines, as cited in domain/instruments/cssrs_screener.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bhlink.domain.errors import Conflict, FieldProblem, PreconditionFailed
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.events.event_types import EventType
from bhlink.schemas.assessments import AcknowledgeWrite
from bhlink.services import audit, outbox, tasks
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import stamp_new, stamp_update
from bhlink.store.queries.paging import Page
from bhlink.store.tables import AssessmentResult, Patient, RiskFlag, Task
from bhlink.store.unit_of_work import UnitOfWork

CSSRS_ID = "C-SSRS-SCREENER"
_CSSRS_FLAGGED_TIERS = ("moderate", "high")
FOLLOW_UP_TYPE = "risk_follow_up"


def triggers_of(result: AssessmentResult) -> list[dict[str, Any]]:
    """Why a stored result raises a flag (empty when it does not)."""
    triggers = [
        {"questionId": item["questionId"], "reason": item["reason"], "score": item["score"]}
        for item in result.critical_items
    ]
    if result.instrument_id == CSSRS_ID and result.severity in _CSSRS_FLAGGED_TIERS:
        triggers.append(
            {
                "questionId": None,
                "reason": f"C-SSRS screener risk tier {result.severity}: assess suicide risk",
                "score": None,
            }
        )
    return triggers


def create_risk_followup(
    uow: UnitOfWork,
    actor: Actor,
    *,
    patient_id: str,
    assignee_provider_id: str | None,
    due_at: datetime,
    flag_id: str,
) -> Task:
    """Create the follow-up task of a risk flag in the shared task list (emits `task.created`)."""
    return tasks.create_task(
        uow,
        actor,
        FOLLOW_UP_TYPE,
        patient_id,
        assignee_provider_id,
        due_at,
        f"risk_flag:{flag_id}",
        resource_type="risk_flag",
        resource_id=flag_id,
    )


def raise_for_result(
    uow: UnitOfWork,
    actor: Actor,
    result: AssessmentResult,
    patient: Patient,
    *,
    follow_up_due_hours: int,
) -> RiskFlag | None:
    """Raise a flag, its follow-up task and the critical-item event if the result warrants it.

    The caller has flushed `result`; nothing here commits.
    """
    triggers = triggers_of(result)
    if not triggers:
        return None
    flag = RiskFlag(
        id=new_id("rsk"),
        integration_id=actor.integration_id,
        patient_id=result.patient_id,
        result_id=result.id,
        instrument_id=result.instrument_id,
        triggers=triggers,
        status="open",
    )
    seq, at = stamp_new(uow, flag)
    uow.add(flag)
    uow.flush()
    audit.record(
        uow,
        actor,
        "risk_flag.raised",
        resource_type="risk_flag",
        resource_id=flag.id,
        patient_id=flag.patient_id,
        detail={"instrument": result.instrument_id, "assessmentResultId": result.id},
    )
    outbox.emit(
        uow,
        actor,
        EventType.ASSESSMENT_CRITICAL_ITEM.value,
        "assessment_result",
        result.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["criticalItems", "riskFlag"],
    )
    task = create_risk_followup(
        uow,
        actor,
        patient_id=flag.patient_id,
        assignee_provider_id=patient.primary_provider_id or result.provider_id,
        due_at=at + timedelta(hours=follow_up_due_hours),
        flag_id=flag.id,
    )
    flag.followup_id = task.id
    return flag


def _ensure_patient(uow: UnitOfWork, actor: Actor, patient_id: str) -> None:
    if uow.patients.get(actor.integration_id, patient_id, with_children=False) is None:
        raise not_found("patient")
    ensure_patient_visible(uow, actor, patient_id)


def page(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    *,
    status: str | None,
    after_seq: int | None,
    limit: int,
) -> tuple[Page[RiskFlag], dict[str, Task]]:
    """GET /patients/{id}/risk-flags: the patient's flags in change order (audited)."""
    require(actor, Entitlement.ASSESSMENTS)
    _ensure_patient(uow, actor, patient_id)
    result = uow.assessments.risk_flag_page(
        actor.integration_id, patient_id, status=status, after_seq=after_seq, limit=limit
    )
    followups = uow.tasks.by_ids(
        actor.integration_id, [f.followup_id for f in result.rows if f.followup_id]
    )
    audit.record_many(
        uow, actor, "risk_flag.read", "risk_flag", [(f.id, f.patient_id) for f in result.rows]
    )
    return result, followups


def acknowledge(
    uow: UnitOfWork,
    actor: Actor,
    flag_id: str,
    body: AcknowledgeWrite,
    *,
    if_match: int | None = None,
) -> tuple[RiskFlag, Task | None]:
    """POST /risk-flags/{id}/acknowledge: record who responded, when and how (audited).

    Acknowledging completes the flag's follow-up task: responding to the risk is what the
    task asked for.
    """
    require(actor, Entitlement.ASSESSMENTS, write=True)
    flag = uow.assessments.risk_flag(actor.integration_id, flag_id, for_update=True)
    if flag is None:
        raise not_found("risk_flag")
    ensure_patient_visible(uow, actor, flag.patient_id)
    if if_match is not None and if_match != flag.version:
        raise PreconditionFailed(
            detail="the risk flag changed since you read it", code="version_mismatch"
        )
    if flag.status != "open":
        raise Conflict(
            detail="the risk flag is already acknowledged",
            errors=[FieldProblem("status", "is acknowledged")],
            code="risk_flag_acknowledged",
        )
    seq, at = stamp_update(uow, flag)
    flag.status = "acknowledged"
    flag.acknowledged_at = at
    flag.acknowledged_by = actor.actor_id
    flag.acknowledgement_note = body.note
    # The note may describe the patient: it is kept on the flag, never in audit or events.
    audit.record(
        uow,
        actor,
        EventType.RISK_FLAG_ACKNOWLEDGED.value,
        resource_type="risk_flag",
        resource_id=flag.id,
        patient_id=flag.patient_id,
    )
    outbox.emit(
        uow,
        actor,
        EventType.RISK_FLAG_ACKNOWLEDGED.value,
        "risk_flag",
        flag.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["status", "acknowledgement"],
    )
    # Responding to the risk is what the follow-up task asked for.
    tasks.complete_open(uow, actor, FOLLOW_UP_TYPE, flag.id)
    task = uow.tasks.get(actor.integration_id, flag.followup_id) if flag.followup_id else None
    uow.flush()
    return flag, task
