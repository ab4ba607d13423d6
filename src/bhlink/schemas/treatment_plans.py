"""Treatment plan shapes: ICANotes `GET /treatment-plans` problems, goals, objectives, interventions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from bhlink.schemas.base import ApiModel, OptStr200, UtcDateTime, WriteModel

Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
ItemStatus = Literal["active", "met", "partially_met", "not_met", "deferred", "discontinued"]
PlanStatus = Literal["draft", "active", "completed", "discontinued"]
Percent = Annotated[int, Field(ge=0, le=100)]


class MeasureIn(WriteModel):
    """A measurable target as an object: instrument, comparator and value (e.g. PHQ-9 < 10)."""

    instrument_id: Annotated[str, Field(min_length=1, max_length=40)]
    comparator: Annotated[str, Field(min_length=1, max_length=2)]
    value: int | float | str


class InterventionIn(WriteModel):
    """What will be done, how often, by whom."""

    intervention_id: Id | None = None
    description: Text
    frequency: Annotated[str | None, Field(default=None, max_length=200)] = None
    provider_id: Id | None = None


class ObjectiveIn(WriteModel):
    """A time-bound step; `measure` is 'PHQ-9 < 10' or a MeasureIn object."""

    objective_id: Id | None = None
    description: Text
    target_date: date
    status: ItemStatus | None = None
    progress: Percent | None = None
    measure: Annotated[str, Field(max_length=60)] | MeasureIn | None = None
    interventions: Annotated[list[InterventionIn], Field(max_length=20)]


class GoalIn(WriteModel):
    """An outcome for one problem."""

    goal_id: Id | None = None
    description: Text
    target_date: date | None = None
    status: ItemStatus | None = None
    progress: Percent | None = None
    objectives: Annotated[list[ObjectiveIn], Field(max_length=20)]


class ProblemIn(WriteModel):
    """A problem the plan addresses, optionally tied to an ICD-10-CM diagnosis."""

    problem_id: Id | None = None
    description: Text
    diagnosis_code: Annotated[str | None, Field(default=None, max_length=10)] = None
    goals: Annotated[list[GoalIn], Field(max_length=20)]


class PlanFields(WriteModel):
    """Writable plan fields."""

    title: Annotated[str | None, Field(default=None, max_length=200)] = None
    effective_date: date | None = None
    review_interval_days: Annotated[int | None, Field(default=None, ge=1, le=366)] = None
    problems: Annotated[list[ProblemIn] | None, Field(default=None, max_length=20)] = None


class PlanWrite(PlanFields):
    """POST /treatment-plans: create, or update the plan named by referenceId."""

    patient_id: Id
    provider_id: Id | None = None
    reference_id: OptStr200 = None


class PlanPatch(PlanFields):
    """PATCH /treatment-plans/{id} (If-Match): change content, or close the plan."""

    status: Literal["completed", "discontinued"] | None = None


class PlanSignRequest(WriteModel):
    """POST /treatment-plans/{id}/sign: the clinician signs, or the client's signature is recorded."""

    signer_role: Literal["clinician", "client"] = "clinician"
    signer_name: Annotated[str | None, Field(default=None, max_length=200)] = None
    relationship: Literal["self", "guardian", "legal_representative"] | None = None
    method: Literal["electronic", "wet_ink_scanned", "portal"] = "electronic"
    document_id: Id | None = None


class PlanReviewWrite(WriteModel):
    """POST /treatment-plans/{id}/reviews: the periodic review was done."""

    reviewed_on: date
    summary: Annotated[str | None, Field(default=None, max_length=4000)] = None


class MeasureRead(ApiModel):
    """A structured threshold."""

    instrument_id: str
    comparator: str
    value: str


class InterventionRead(ApiModel):
    """An intervention."""

    intervention_id: str
    description: str
    frequency: str | None
    provider_id: str | None


class ObjectiveRead(ApiModel):
    """An objective with its latest measured score."""

    objective_id: str
    description: str
    target_date: date | None
    status: str | None
    progress: int | None
    measure: MeasureRead | None
    last_score: str | None
    last_scored_at: UtcDateTime | None
    met_at: UtcDateTime | None
    interventions: list[InterventionRead]


class GoalRead(ApiModel):
    """A goal."""

    goal_id: str
    description: str
    target_date: date | None
    status: str | None
    progress: int | None
    objectives: list[ObjectiveRead]


class ProblemRead(ApiModel):
    """A problem."""

    problem_id: str
    description: str
    diagnosis_code: str | None
    goals: list[GoalRead]


class PlanSignatureRead(ApiModel):
    """A signature and the content version it covers."""

    signature_id: str
    signer_role: str
    signer_name: str | None
    relationship: str | None
    signer_user_id: str | None
    signer_provider_id: str | None
    recorded_by_user_id: str
    method: str
    document_id: str | None
    content_version: int
    signed_at: UtcDateTime


class PlanRead(ApiModel):
    """A treatment plan."""

    treatment_plan_id: str
    patient_id: str
    provider_id: str
    title: str | None
    status: PlanStatus
    effective_date: date
    review_interval_days: int
    review_due_date: date
    last_reviewed_on: date | None
    content_version: int
    clinician_signed: bool
    client_signed: bool
    problems: list[ProblemRead]
    signatures: list[PlanSignatureRead]
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class PlanVersionRead(ApiModel):
    """One version snapshot of a plan."""

    version: int
    reason: str
    snapshot: dict[str, Any]
    created_at: UtcDateTime
    created_by: str | None


def _measure(item: Any) -> MeasureRead | None:
    if item.measure_instrument is None:
        return None
    return MeasureRead(
        instrument_id=item.measure_instrument,
        comparator=item.measure_comparator,
        value=item.measure_value,
    )


def plan_read(p: Any) -> PlanRead:
    """Response shape of a stored plan (items and signatures loaded)."""
    children: dict[str | None, list[Any]] = defaultdict(list)
    for item in sorted(p.items, key=lambda i: i.position):
        children[item.parent_id].append(item)

    def objective(o: Any) -> ObjectiveRead:
        return ObjectiveRead(
            objective_id=o.id,
            description=o.description,
            target_date=o.target_date,
            status=o.status,
            progress=o.progress,
            measure=_measure(o),
            last_score=o.last_score,
            last_scored_at=o.last_scored_at,
            met_at=o.met_at,
            interventions=[
                InterventionRead(
                    intervention_id=i.id,
                    description=i.description,
                    frequency=i.frequency,
                    provider_id=i.provider_id,
                )
                for i in children[o.id]
            ],
        )

    problems = [
        ProblemRead(
            problem_id=pr.id,
            description=pr.description,
            diagnosis_code=pr.diagnosis_code,
            goals=[
                GoalRead(
                    goal_id=g.id,
                    description=g.description,
                    target_date=g.target_date,
                    status=g.status,
                    progress=g.progress,
                    objectives=[objective(o) for o in children[g.id]],
                )
                for g in children[pr.id]
            ],
        )
        for pr in children[None]
    ]
    current = [s for s in p.signatures if s.content_version == p.content_version]
    return PlanRead(
        treatment_plan_id=p.id,
        patient_id=p.patient_id,
        provider_id=p.provider_id,
        title=p.title,
        status=p.status,
        effective_date=p.effective_date,
        review_interval_days=p.review_interval_days,
        review_due_date=p.review_due_date,
        last_reviewed_on=p.last_reviewed_on,
        content_version=p.content_version,
        clinician_signed=any(s.signer_role == "clinician" for s in current),
        client_signed=any(s.signer_role == "client" for s in current),
        problems=problems,
        signatures=[
            PlanSignatureRead(
                signature_id=s.id,
                signer_role=s.signer_role,
                signer_name=s.signer_name,
                relationship=s.relationship_to_patient,
                signer_user_id=s.signer_user_id,
                signer_provider_id=s.signer_provider_id,
                recorded_by_user_id=s.recorded_by_user_id,
                method=s.method,
                document_id=s.document_id,
                content_version=s.content_version,
                signed_at=s.signed_at,
            )
            for s in p.signatures
        ],
        reference_id=p.reference_id,
        version=p.version,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def plan_version_read(v: Any) -> PlanVersionRead:
    """Response shape of a stored plan version."""
    return PlanVersionRead(
        version=v.version,
        reason=v.reason,
        snapshot=v.snapshot,
        created_at=v.created_at,
        created_by=v.created_by,
    )
