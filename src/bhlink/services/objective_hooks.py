"""Evaluate treatment-plan objectives that name an instrument threshold when a result arrives.

Treatment plans live in another capability; this module only defines what it needs from
them (`ObjectiveStore`) and a registry the composition root fills in::

    from bhlink.services import objective_hooks
    objective_hooks.register_store(TreatmentPlanObjectiveStore())

With no store registered, `evaluate_objectives` does nothing, so results can be recorded
before treatment plans exist. For each objective of the patient whose measure names the
result's instrument (e.g. "PHQ-9 < 10"), the objective is evaluated against the result's
total and its baseline (met / progressing / not_met, domain.outcomes.evaluate_objective),
the store records the evaluation, and `treatment_plan.objective_met` is emitted the first
time an objective is met; all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bhlink.domain.instruments import InstrumentValidationError
from bhlink.domain.outcomes import ObjectiveEvaluation, ObjectiveStatus, evaluate_objective
from bhlink.events.event_types import EventType
from bhlink.services import audit, outbox
from bhlink.services.context import Actor
from bhlink.store.tables import AssessmentResult
from bhlink.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class TrackedObjective:
    """An objective with a score measure, as the treatment-plan store describes it.

    `measure` is the threshold text (`str(domain.treatment_plans.Threshold)`, e.g.
    "PHQ-9 < 10"); `status` the last recorded evaluation ("met", "progressing",
    "not_met") or None when it was never evaluated.
    """

    objective_id: str
    plan_id: str
    measure: str
    status: str | None = None


@dataclass(frozen=True)
class RecordedChange:
    """The change number and time the store stamped the plan with when recording."""

    change_seq: int
    occurred_at: datetime


class ObjectiveStore(Protocol):
    """What the treatment-plan capability provides to this hook."""

    def objectives_for(
        self, uow: UnitOfWork, integration_id: str, patient_id: str, instrument_id: str
    ) -> Sequence[TrackedObjective]:
        """Active objectives of the patient's current plans whose measure names the instrument."""

    def record_evaluation(
        self,
        uow: UnitOfWork,
        actor: Actor,
        objective: TrackedObjective,
        evaluation: ObjectiveEvaluation,
        result_id: str,
    ) -> RecordedChange:
        """Store the evaluation on the objective (stamping its plan) and say when."""


@dataclass(frozen=True)
class ObjectiveOutcome:
    """One objective evaluated against one result."""

    objective: TrackedObjective
    evaluation: ObjectiveEvaluation
    newly_met: bool


_store: ObjectiveStore | None = None


def register_store(store: ObjectiveStore | None) -> None:
    """Install (or with None, remove) the treatment-plan objective store."""
    global _store
    _store = store


def registered_store() -> ObjectiveStore | None:
    """The installed store, if any."""
    return _store


def evaluate_objectives(
    uow: UnitOfWork,
    actor: Actor,
    result: AssessmentResult,
    *,
    baseline_total: float | None = None,
) -> list[ObjectiveOutcome]:
    """Evaluate the patient's objectives on the result's instrument; [] without a store.

    An objective whose measure cannot be evaluated (a malformed or out-of-range threshold
    stored before validation existed, or an instrument without a total) is skipped: a bad
    plan must not stop a result from being recorded.
    """
    store = _store
    if store is None or result.total is None:
        return []
    outcomes: list[ObjectiveOutcome] = []
    for objective in store.objectives_for(
        uow, actor.integration_id, result.patient_id, result.instrument_id
    ):
        try:
            evaluation = evaluate_objective(
                objective.measure, result.total, baseline=baseline_total
            )
        except InstrumentValidationError:
            continue
        if evaluation.objective.instrument_id != result.instrument_id:
            continue
        change = store.record_evaluation(uow, actor, objective, evaluation, result.id)
        newly_met = evaluation.status is ObjectiveStatus.MET and objective.status != "met"
        audit.record(
            uow,
            actor,
            "treatment_plan.objective_evaluated",
            resource_type="treatment_plan",
            resource_id=objective.plan_id,
            patient_id=result.patient_id,
            detail={
                "objectiveId": objective.objective_id,
                "assessmentResultId": result.id,
                "status": evaluation.status.value,
            },
        )
        if newly_met:
            outbox.emit(
                uow,
                actor,
                EventType.TREATMENT_PLAN_OBJECTIVE_MET.value,
                "treatment_plan",
                objective.plan_id,
                change_seq=change.change_seq,
                occurred_at=change.occurred_at,
                changed_fields=["objectives"],
            )
        outcomes.append(ObjectiveOutcome(objective, evaluation, newly_met))
    return outcomes
