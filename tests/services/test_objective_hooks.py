"""Treatment-plan objectives on instrument thresholds, evaluated when a result arrives."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest

from bhlink.domain.clock import utcnow
from bhlink.domain.outcomes import ObjectiveEvaluation, ObjectiveStatus
from bhlink.services import objective_hooks
from bhlink.services.context import Actor
from bhlink.services.objective_hooks import RecordedChange, TrackedObjective
from bhlink.store.unit_of_work import UnitOfWork
from tests.support.assessments import PHQ9_8, PHQ9_12, PHQ9_16, event_types, post_result
from tests.support.practice import Practice


@dataclass
class FakeObjectiveStore:
    """Objectives kept in memory, as the treatment-plan capability will keep them in tables."""

    objectives: dict[str, list[TrackedObjective]]
    recorded: list[tuple[str, ObjectiveEvaluation, str]] = field(default_factory=list)

    def objectives_for(
        self, uow: UnitOfWork, integration_id: str, patient_id: str, instrument_id: str
    ) -> Sequence[TrackedObjective]:
        return [
            o
            for o in self.objectives.get(patient_id, [])
            if o.measure.upper().startswith(instrument_id.upper())
        ]

    def record_evaluation(
        self,
        uow: UnitOfWork,
        actor: Actor,
        objective: TrackedObjective,
        evaluation: ObjectiveEvaluation,
        result_id: str,
    ) -> RecordedChange:
        self.recorded.append((objective.objective_id, evaluation, result_id))
        # Remember the status, as a store would on the objective's row.
        patient_objectives = next(v for v in self.objectives.values() if objective in v)
        patient_objectives[patient_objectives.index(objective)] = TrackedObjective(
            objective.objective_id, objective.plan_id, objective.measure, evaluation.status.value
        )
        seq, at = uow.next_change(actor.integration_id, utcnow())
        return RecordedChange(change_seq=seq, occurred_at=at)


@pytest.fixture
def store(practice: Practice) -> Iterator[FakeObjectiveStore]:
    fake = FakeObjectiveStore(
        {
            practice.patient_ids[0]: [
                TrackedObjective("obj_phq", "tp_1", "PHQ-9 < 10"),
                TrackedObjective("obj_gad", "tp_1", "GAD-7 <= 4"),
                TrackedObjective("obj_bad", "tp_1", "PHQ-9 < 99"),  # out of range: skipped
            ]
        }
    )
    previous = objective_hooks.registered_store()
    objective_hooks.register_store(fake)
    yield fake
    objective_hooks.register_store(previous)


def test_without_a_store_nothing_happens(practice: Practice) -> None:
    previous = objective_hooks.registered_store()
    objective_hooks.register_store(None)
    try:
        assert post_result(practice, PHQ9_8).status_code == 201
        assert "treatment_plan.objective_met" not in event_types(practice)
    finally:
        objective_hooks.register_store(previous)


def test_objective_progress_and_first_time_met(
    practice: Practice, store: FakeObjectiveStore
) -> None:
    post_result(practice, PHQ9_16, completed_on="2026-01-04T16:00:00Z")
    post_result(practice, PHQ9_12, completed_on="2026-01-18T16:00:00Z")
    post_result(practice, PHQ9_8, completed_on="2026-02-01T16:00:00Z")
    post_result(practice, PHQ9_8, completed_on="2026-02-15T16:00:00Z")
    statuses = [(oid, e.status) for oid, e, _ in store.recorded]
    assert statuses == [
        ("obj_phq", ObjectiveStatus.NOT_MET),  # 16 is its own baseline: no progress yet
        ("obj_phq", ObjectiveStatus.PROGRESSING),  # 12: 4 of the 7 points to 9
        ("obj_phq", ObjectiveStatus.MET),
        ("obj_phq", ObjectiveStatus.MET),
    ]
    assert store.recorded[1][1].progress == pytest.approx(4 / 7, abs=0.001)
    # Met twice, announced once: the event marks the first time.
    assert event_types(practice).count("treatment_plan.objective_met") == 1


def test_objectives_of_other_instruments_and_patients_are_untouched(
    practice: Practice, store: FakeObjectiveStore
) -> None:
    post_result(practice, PHQ9_8, patient=1)
    assert store.recorded == []
    gad = [{"questionId": f"gad7_q{n}", "value": 0} for n in range(1, 8)]
    post_result(practice, gad, instrument="GAD-7")
    assert [(oid, e.status) for oid, e, _ in store.recorded] == [("obj_gad", ObjectiveStatus.MET)]
