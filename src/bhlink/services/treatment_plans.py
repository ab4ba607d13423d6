"""Treatment plans: writes, versions, signatures, reviews, and measurable-objective hooks.

The plan rules (tree shape, dates, thresholds, review cadence) are
bhlink.domain.treatment_plans; this module stores the result as an item tree whose ids stay
stable across edits (so notes can link to goals and objectives).

* A change to the plan's content (anything but item status and progress) starts a new content
  version; signatures cover one content version, so an active plan whose content changes goes
  back to draft until its clinician signs again.
* Review due: effective date (or the last review) + `reviewIntervalDays` (default
  `treatment_plan_review_days`); the task generator opens a review task and emits
  `treatment_plan.review_due` when it is reached; POST /reviews records the review.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic.alias_generators import to_camel

from bhlink.config import Settings
from bhlink.domain import treatment_plans as rules
from bhlink.domain.clock import utcnow
from bhlink.domain.codes import normalize_icd10
from bhlink.domain.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidInput,
    PreconditionFailed,
    PreconditionRequired,
)
from bhlink.domain.ids import new_id
from bhlink.domain.outcomes import ObjectiveEvaluation
from bhlink.domain.roles import Entitlement
from bhlink.events.event_types import EventType
from bhlink.schemas.base import dump
from bhlink.schemas.treatment_plans import (
    PlanFields,
    PlanPatch,
    PlanReviewWrite,
    PlanSignRequest,
    PlanWrite,
    plan_read,
)
from bhlink.services import audit, objective_hooks, outbox, tasks
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import flush_unique_reference, stamp_new, stamp_update
from bhlink.services.rules import rule_errors
from bhlink.store.queries.paging import Page
from bhlink.store.queries.plans import PlanFilter
from bhlink.store.tables import PlanItem, PlanSignature, PlanVersion, Provider, TreatmentPlan
from bhlink.store.unit_of_work import UnitOfWork

_ID_FIELDS = {
    "problem": ("problemId", "prb"),
    "goal": ("goalId", "gol"),
    "objective": ("objectiveId", "obj"),
    "intervention": ("interventionId", "itv"),
}
_STRUCTURE = (
    "parent_id",
    "kind",
    "position",
    "description",
    "diagnosis_code",
    "target_date",
    "frequency",
    "provider_id",
    "measure_instrument",
    "measure_comparator",
    "measure_value",
)
_TRACKING = ("status", "progress")
_BATCH = 1000


@dataclass(frozen=True)
class ObjectiveThreshold:
    """A measurable objective of a live plan, for measurement-based care to evaluate."""

    objective_id: str
    plan_id: str
    patient_id: str
    description: str
    threshold: rules.Threshold
    status: str | None
    target_date: date | None
    last_score: Decimal | None
    met_at: datetime | None


# ---------------------------------------------------------------------------------------------
# Access and references


def _ensure_visible(uow: UnitOfWork, actor: Actor, plan: TreatmentPlan) -> None:
    if actor.caseload_provider_ids is None or plan.provider_id in actor.caseload_provider_ids:
        return
    if not uow.patients.is_on_caseload(plan.patient_id, actor.caseload_provider_ids):
        raise not_found("treatment_plan")


def _load(uow: UnitOfWork, actor: Actor, plan_id: str) -> TreatmentPlan:
    plan = uow.plans.get(actor.integration_id, plan_id)
    if plan is None:
        raise not_found("treatment_plan")
    _ensure_visible(uow, actor, plan)
    return plan


def _record(
    uow: UnitOfWork,
    actor: Actor,
    plan: TreatmentPlan,
    event: EventType,
    seq: int,
    at: datetime,
    changed: list[str],
) -> None:
    audit.record(
        uow,
        actor,
        event,
        resource_type="treatment_plan",
        resource_id=plan.id,
        patient_id=plan.patient_id,
        detail={"fields": changed},
    )
    outbox.emit(
        uow,
        actor,
        event,
        "treatment_plan",
        plan.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=changed,
    )


def _snapshot(
    uow: UnitOfWork, actor: Actor, plan: TreatmentPlan, reason: str, at: datetime
) -> None:
    uow.flush()
    uow.add(
        PlanVersion(
            plan_id=plan.id,
            version=plan.version,
            integration_id=plan.integration_id,
            reason=reason,
            snapshot=dump(plan_read(plan)),
            created_at=at,
            created_by=actor.actor_id,
        )
    )


# ---------------------------------------------------------------------------------------------
# The item tree


def _walk(problems: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any], str, str | None]]:
    """(kind, item JSON, JSON path, parent path) for every node, depth first."""
    for p_index, problem in enumerate(problems):
        p_path = f"problems[{p_index}]"
        yield "problem", problem, p_path, None
        for g_index, goal in enumerate(problem.get("goals") or []):
            g_path = f"{p_path}.goals[{g_index}]"
            yield "goal", goal, g_path, p_path
            for o_index, objective in enumerate(goal.get("objectives") or []):
                o_path = f"{g_path}.objectives[{o_index}]"
                yield "objective", objective, o_path, g_path
                for i_index, intervention in enumerate(objective.get("interventions") or []):
                    yield (
                        "intervention",
                        intervention,
                        f"{o_path}.interventions[{i_index}]",
                        o_path,
                    )


def _build_items(
    uow: UnitOfWork, actor: Actor, plan: TreatmentPlan, problems: list[dict[str, Any]]
) -> list[PlanItem]:
    """The item rows for a plan's problems JSON, reusing the ids the client sent back."""
    existing = {item.id: item for item in plan.items}
    problems_found: list[FieldProblem] = []
    ids_by_path: dict[str, str] = {}
    items: list[PlanItem] = []
    seen: set[str] = set()
    provider_refs: list[tuple[str, str]] = []
    parsed = parse_plan_json(plan, problems)
    measures = _measures(parsed)
    for position, (kind, data, path, parent_path) in enumerate(_walk(problems)):
        id_field, prefix = _ID_FIELDS[kind]
        item_id = data.get(id_field)
        if item_id is not None:
            current = existing.get(item_id)
            if current is None or current.kind != kind:
                problems_found.append(
                    FieldProblem(f"{path}.{id_field}", f"is not a {kind} of this plan")
                )
            elif item_id in seen:
                problems_found.append(FieldProblem(f"{path}.{id_field}", "appears twice"))
        item_id = item_id or new_id(prefix)
        seen.add(item_id)
        ids_by_path[path] = item_id
        if data.get("providerId"):
            provider_refs.append((f"{path}.providerId", data["providerId"]))
        measure = measures.get(path)
        diagnosis = data.get("diagnosisCode")
        items.append(
            PlanItem(
                id=item_id,
                plan_id=plan.id,
                integration_id=plan.integration_id,
                parent_id=ids_by_path.get(parent_path) if parent_path else None,
                kind=kind,
                position=position,
                description=data["description"],
                diagnosis_code=normalize_icd10(diagnosis) if diagnosis else None,
                target_date=date.fromisoformat(data["targetDate"])
                if data.get("targetDate")
                else None,
                status=(data.get("status") or "active") if kind in ("goal", "objective") else None,
                progress=data.get("progress"),
                frequency=data.get("frequency"),
                provider_id=data.get("providerId"),
                measure_instrument=measure.instrument_id if measure else None,
                measure_comparator=measure.comparator.value if measure else None,
                measure_value=str(measure.value) if measure else None,
            )
        )
    known = uow.practice.existing_ids(
        Provider, actor.integration_id, [ref for _, ref in provider_refs]
    )
    problems_found += [
        FieldProblem(path, "no such provider in this integration")
        for path, ref in provider_refs
        if ref not in known
    ]
    if problems_found:
        raise InvalidInput(
            detail="the treatment plan cannot be saved as sent", errors=problems_found
        )
    return items


def parse_plan_json(plan: TreatmentPlan, problems: list[dict[str, Any]]) -> rules.TreatmentPlan:
    """Run the domain rules over the plan as it would be stored."""
    with rule_errors("the treatment plan breaks plan rules"):
        return rules.parse_treatment_plan(
            {
                "effectiveDate": plan.effective_date.isoformat(),
                "reviewIntervalDays": plan.review_interval_days,
                "problems": problems,
            }
        )


def _measures(parsed: rules.TreatmentPlan) -> dict[str, rules.Threshold]:
    found: dict[str, rules.Threshold] = {}
    for p_index, problem in enumerate(parsed.problems):
        for g_index, goal in enumerate(problem.goals):
            for o_index, objective in enumerate(goal.objectives):
                if objective.measure is not None:
                    path = f"problems[{p_index}].goals[{g_index}].objectives[{o_index}]"
                    found[path] = objective.measure
    return found


def _item_key(item: PlanItem, names: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(item, name) for name in names)


def _replace_items(plan: TreatmentPlan, items: list[PlanItem]) -> tuple[bool, bool]:
    """Swap the tree in; (structure changed, tracking changed)."""
    before = {i.id: i for i in plan.items}
    structure = set(before) != {i.id for i in items} or any(
        _item_key(before[i.id], _STRUCTURE) != _item_key(i, _STRUCTURE) for i in items
    )
    tracking = any(
        i.id in before and _item_key(before[i.id], _TRACKING) != _item_key(i, _TRACKING)
        for i in items
    )
    if not structure and not tracking:
        return False, False
    kept: dict[str, PlanItem] = {}
    for new in items:
        old = before.get(new.id)
        if old is None:
            continue
        for name in (*_STRUCTURE, *_TRACKING):
            setattr(old, name, getattr(new, name))
        kept[new.id] = old
    plan.items = [kept.get(i.id, i) for i in items]
    return structure, tracking


# ---------------------------------------------------------------------------------------------
# Writes


def _problems_json(body: PlanFields) -> list[dict[str, Any]] | None:
    if body.problems is None:
        return None
    data = dump(body)
    problems: list[dict[str, Any]] = data["problems"]
    return problems


def upsert(
    uow: UnitOfWork, actor: Actor, body: PlanWrite, settings: Settings, *, if_match: int | None
) -> tuple[TreatmentPlan, bool]:
    """POST /treatment-plans: update the plan named by referenceId, else create one."""
    require(actor, Entitlement.TREATMENT_PLANS, write=True)
    if body.reference_id is not None:
        existing = uow.plans.by_reference(actor.integration_id, body.reference_id)
        if existing is not None:
            _ensure_visible(uow, actor, existing)
            if body.patient_id != existing.patient_id:
                raise InvalidInput(
                    detail="a plan's patient never changes",
                    errors=[FieldProblem("patientId", "differs from the stored plan")],
                )
            return _update(uow, actor, existing, body, None, if_match=if_match), False
    return _create(uow, actor, body, settings), True


def _create(uow: UnitOfWork, actor: Actor, body: PlanWrite, settings: Settings) -> TreatmentPlan:
    ensure_patient_visible(uow, actor, body.patient_id)
    problems: list[FieldProblem] = []
    if uow.patients.get(actor.integration_id, body.patient_id, with_children=False) is None:
        problems.append(FieldProblem("patientId", "no such patient in this integration"))
    provider_id = body.provider_id or actor.provider_id
    if provider_id is None:
        problems.append(FieldProblem("providerId", "is required (the responsible clinician)"))
    elif uow.practice.get(Provider, actor.integration_id, provider_id) is None:
        problems.append(FieldProblem("providerId", "no such provider in this integration"))
    for name in ("effective_date", "problems"):
        if getattr(body, name) is None:
            problems.append(FieldProblem(to_camel(name), "is required to create a plan"))
    if problems:
        raise InvalidInput(detail="the treatment plan cannot be created as sent", errors=problems)
    assert provider_id is not None and body.effective_date is not None
    interval = body.review_interval_days or settings.treatment_plan_review_days
    plan = TreatmentPlan(
        id=new_id("tp"),
        integration_id=actor.integration_id,
        patient_id=body.patient_id,
        provider_id=provider_id,
        title=body.title,
        status="draft",
        effective_date=body.effective_date,
        review_interval_days=interval,
        review_due_date=rules.review_due_date(body.effective_date, interval),
        content_version=1,
        reference_id=body.reference_id,
        items=[],
        signatures=[],
    )
    plan.items = _build_items(uow, actor, plan, _problems_json(body) or [])
    seq, at = stamp_new(uow, plan)
    uow.add(plan)
    _flush(uow)
    _snapshot(uow, actor, plan, "created", at)
    _record(uow, actor, plan, EventType.TREATMENT_PLAN_CREATED, seq, at, ["*"])
    return plan


def _flush(uow: UnitOfWork) -> None:
    flush_unique_reference(uow, "treatment plan")


def _update(
    uow: UnitOfWork,
    actor: Actor,
    plan: TreatmentPlan,
    body: PlanFields,
    status: str | None,
    *,
    if_match: int | None,
) -> TreatmentPlan:
    if if_match is not None and if_match != plan.version:
        raise PreconditionFailed(
            detail="the treatment plan changed since you read it", code="version_mismatch"
        )
    if plan.status in ("completed", "discontinued"):
        raise Conflict(
            detail=f"a {plan.status} plan no longer changes; create a new plan",
            errors=[FieldProblem("status", f"is {plan.status}")],
            code="plan_closed",
        )
    changed: list[str] = []
    structure = False
    if body.title is not None and body.title != plan.title:
        plan.title = body.title
        changed.append("title")
        structure = True
    if body.effective_date is not None and body.effective_date != plan.effective_date:
        plan.effective_date = body.effective_date
        changed.append("effectiveDate")
        structure = True
    if (
        body.review_interval_days is not None
        and body.review_interval_days != plan.review_interval_days
    ):
        plan.review_interval_days = body.review_interval_days
        changed.append("reviewIntervalDays")
        structure = True
    if structure:
        plan.review_due_date = rules.review_due_date(
            plan.last_reviewed_on or plan.effective_date, plan.review_interval_days
        )
    problems = _problems_json(body)
    if problems is None and structure:
        # Dates moved: the existing tree must still satisfy the plan rules.
        parse_plan_json(plan, dump(plan_read(plan))["problems"])
    if problems is not None:
        items = _build_items(uow, actor, plan, problems)
        tree_structure, tree_tracking = _replace_items(plan, items)
        if tree_structure or tree_tracking:
            changed.append("problems")
        structure = structure or tree_structure
    if status is not None and status != plan.status:
        plan.status = status
        changed.append("status")
    if not changed:
        return plan
    if structure:
        plan.content_version += 1
        if plan.status == "active":
            plan.status = "draft"
            changed.append("status")
    seq, at = stamp_update(uow, plan)
    _flush(uow)
    _snapshot(uow, actor, plan, "edited", at)
    _record(uow, actor, plan, EventType.TREATMENT_PLAN_UPDATED, seq, at, sorted(set(changed)))
    return plan


def patch(
    uow: UnitOfWork, actor: Actor, plan_id: str, body: PlanPatch, *, if_match: int | None
) -> TreatmentPlan:
    """PATCH /treatment-plans/{id}: If-Match required (428 without it, 412 when stale)."""
    require(actor, Entitlement.TREATMENT_PLANS, write=True)
    plan = _load(uow, actor, plan_id)
    if if_match is None:
        raise PreconditionRequired(
            detail='send If-Match with the ETag you read (e.g. W/"3")', code="if_match_required"
        )
    return _update(uow, actor, plan, body, body.status, if_match=if_match)


def sign(uow: UnitOfWork, actor: Actor, plan_id: str, body: PlanSignRequest) -> TreatmentPlan:
    """POST /treatment-plans/{id}/sign: the clinician's signature, or the client's, recorded."""
    require(actor, Entitlement.TREATMENT_PLANS, write=True)
    plan = _load(uow, actor, plan_id)
    if plan.status in ("completed", "discontinued"):
        raise Conflict(
            detail=f"a {plan.status} plan cannot be signed",
            errors=[FieldProblem("status", f"is {plan.status}")],
            code="plan_closed",
        )
    if body.signer_role == "clinician":
        if actor.provider_id is None or actor.provider_id != plan.provider_id:
            raise Forbidden(
                detail="only the plan's clinician signs it as clinician", code="not_plan_clinician"
            )
    elif body.signer_name is None:
        raise InvalidInput(
            detail="a client signature names who signed",
            errors=[FieldProblem("signerName", "is required for a client signature")],
        )
    if (
        body.document_id is not None
        and uow.documents.get(actor.integration_id, body.document_id) is None
    ):
        raise InvalidInput(
            detail="no such document",
            errors=[FieldProblem("documentId", "no such document in this integration")],
        )
    if any(
        s.signer_role == body.signer_role and s.content_version == plan.content_version
        for s in plan.signatures
    ):
        raise Conflict(
            detail=f"this version of the plan already has a {body.signer_role} signature",
            errors=[FieldProblem("signerRole", "already signed this content version")],
            code="plan_already_signed",
        )
    seq, at = stamp_update(uow, plan)
    plan.signatures.append(
        PlanSignature(
            id=new_id("sig"),
            plan_id=plan.id,
            integration_id=plan.integration_id,
            content_version=plan.content_version,
            signer_role=body.signer_role,
            signer_name=body.signer_name if body.signer_role == "client" else actor.name,
            relationship_to_patient=(body.relationship or "self")
            if body.signer_role == "client"
            else None,
            signer_user_id=actor.actor_id if body.signer_role == "clinician" else None,
            signer_provider_id=actor.provider_id if body.signer_role == "clinician" else None,
            recorded_by_user_id=actor.actor_id,
            method=body.method,
            document_id=body.document_id,
            signed_at=at,
        )
    )
    changed = ["signatures"]
    if body.signer_role == "clinician" and plan.status == "draft":
        plan.status = "active"
        changed.append("status")
    _flush(uow)
    _snapshot(uow, actor, plan, f"signed_{body.signer_role}", at)
    _record(uow, actor, plan, EventType.TREATMENT_PLAN_SIGNED, seq, at, changed)
    return plan


def review(uow: UnitOfWork, actor: Actor, plan_id: str, body: PlanReviewWrite) -> TreatmentPlan:
    """POST /treatment-plans/{id}/reviews: record the review; the next one is due an interval later."""
    require(actor, Entitlement.TREATMENT_PLANS, write=True)
    plan = _load(uow, actor, plan_id)
    if plan.status != "active":
        raise Conflict(
            detail="only an active (signed) plan is reviewed",
            errors=[FieldProblem("status", f"is {plan.status}")],
            code="plan_not_active",
        )
    if body.reviewed_on < plan.effective_date or body.reviewed_on > utcnow().date():
        raise InvalidInput(
            detail="the review date is out of range",
            errors=[FieldProblem("reviewedOn", "must be between effectiveDate and today")],
        )
    plan.last_reviewed_on = body.reviewed_on
    plan.review_due_date = rules.review_due_date(body.reviewed_on, plan.review_interval_days)
    seq, at = stamp_update(uow, plan)
    _flush(uow)
    _snapshot(uow, actor, plan, "reviewed", at)
    _record(
        uow,
        actor,
        plan,
        EventType.TREATMENT_PLAN_UPDATED,
        seq,
        at,
        ["lastReviewedOn", "reviewDueDate"],
    )
    tasks.complete_open(uow, actor, tasks.TREATMENT_PLAN_REVIEW, plan.id)
    return plan


# ---------------------------------------------------------------------------------------------
# Reads


def get(uow: UnitOfWork, actor: Actor, plan_id: str) -> TreatmentPlan:
    """GET /treatment-plans/{id} (audited read)."""
    require(actor, Entitlement.TREATMENT_PLANS)
    plan = _load(uow, actor, plan_id)
    audit.record(
        uow,
        actor,
        "treatment_plan.read",
        resource_type="treatment_plan",
        resource_id=plan.id,
        patient_id=plan.patient_id,
    )
    return plan


def versions(uow: UnitOfWork, actor: Actor, plan_id: str) -> list[PlanVersion]:
    """GET /treatment-plans/{id}/versions (audited read)."""
    plan = get(uow, actor, plan_id)
    return uow.plans.versions(plan.id)


def page(
    uow: UnitOfWork, actor: Actor, flt: PlanFilter, *, after_seq: int | None, limit: int
) -> Page[TreatmentPlan]:
    """GET /treatment-plans: filtered page in change order, limited to the caseload, audited."""
    require(actor, Entitlement.TREATMENT_PLANS)
    if flt.patient_id is not None:
        ensure_patient_visible(uow, actor, flt.patient_id)
    if actor.caseload_provider_ids is not None:
        flt = PlanFilter(**{**flt.__dict__, "caseload_provider_ids": actor.caseload_provider_ids})
    result = uow.plans.page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record_many(
        uow,
        actor,
        "treatment_plan.read",
        "treatment_plan",
        [(p.id, p.patient_id) for p in result.rows],
    )
    return result


# ---------------------------------------------------------------------------------------------
# Measurement-based care and reviews


def objectives_with_thresholds(
    uow: UnitOfWork, patient_id: str, instrument: str
) -> list[ObjectiveThreshold]:
    """Measurable objectives of the patient's live (draft or active) plans on `instrument`.

    The caller has already checked the patient belongs to its actor's integration; ids are
    unique across integrations, and the lookup goes through the patient's own plans.
    """
    found: list[ObjectiveThreshold] = []
    for item, plan in uow.plans.measurable_objectives(patient_id, instrument):
        threshold = rules.make_threshold(
            item.measure_instrument, item.measure_comparator, item.measure_value
        )
        found.append(
            ObjectiveThreshold(
                objective_id=item.id,
                plan_id=plan.id,
                patient_id=plan.patient_id,
                description=item.description,
                threshold=threshold,
                status=item.status,
                target_date=item.target_date,
                last_score=Decimal(item.last_score) if item.last_score is not None else None,
                met_at=item.met_at,
            )
        )
    return found


def apply_objective_progress(
    uow: UnitOfWork,
    actor: Actor,
    objective_id: str,
    status: str | None,
    score: int | Decimal | None,
    at: datetime,
) -> tuple[PlanItem, TreatmentPlan, bool, int, datetime]:
    """Record a score and/or status on an objective, stamping its plan (treatment_plan.updated).

    Returns the item, its plan, whether it became met, and the plan's change number and time;
    announcing `treatment_plan.objective_met` is the caller's part.
    """
    found = uow.plans.item_with_plan(actor.integration_id, objective_id)
    if found is None or found[0].kind != "objective":
        raise not_found("objective")
    item, plan = found
    _ensure_visible(uow, actor, plan)
    if status is not None and status not in rules.PlanItemStatus.__members__.values():
        raise InvalidInput(
            detail="unknown objective status",
            errors=[FieldProblem("status", "must be one of " + ", ".join(rules.PlanItemStatus))],
        )
    new_status = status
    if score is not None:
        item.last_score = str(score)
        item.last_scored_at = at
        if status is None and item.measure_instrument is not None:
            threshold = rules.make_threshold(
                item.measure_instrument, item.measure_comparator, item.measure_value
            )
            if threshold.is_met(score):
                new_status = rules.PlanItemStatus.MET.value
    became_met = new_status == rules.PlanItemStatus.MET and item.status != new_status
    if new_status is not None:
        item.status = new_status
    if became_met:
        item.met_at = at
    seq, stamp = stamp_update(uow, plan)
    _flush(uow)
    _snapshot(uow, actor, plan, "progress", stamp)
    _record(uow, actor, plan, EventType.TREATMENT_PLAN_UPDATED, seq, stamp, ["problems"])
    return item, plan, became_met, seq, stamp


def record_objective_progress(
    uow: UnitOfWork,
    actor: Actor,
    objective_id: str,
    status: str | None,
    score: int | Decimal | None,
    at: datetime,
) -> PlanItem:
    """Record a score and/or status for an objective; emit treatment_plan.objective_met when met.

    With a score and no status, the objective's threshold decides: a met threshold marks the
    objective met; a score that misses it leaves the status as it was.
    """
    item, plan, became_met, seq, stamp = apply_objective_progress(
        uow, actor, objective_id, status, score, at
    )
    if became_met:
        audit.record(
            uow,
            actor,
            EventType.TREATMENT_PLAN_OBJECTIVE_MET,
            resource_type="treatment_plan",
            resource_id=plan.id,
            patient_id=plan.patient_id,
            detail={"objectiveId": item.id},
        )
        outbox.emit(
            uow,
            actor,
            EventType.TREATMENT_PLAN_OBJECTIVE_MET,
            "treatment_plan",
            plan.id,
            change_seq=seq,
            occurred_at=stamp,
            changed_fields=["problems"],
        )
    return item


class PlanObjectiveStore:
    """The treatment plans' side of measurement-based care (services.objective_hooks).

    Results evaluate the patient's measurable objectives; the hook announces
    `treatment_plan.objective_met`, this store records the score on the objective.
    """

    def objectives_for(
        self, uow: UnitOfWork, integration_id: str, patient_id: str, instrument_id: str
    ) -> list[objective_hooks.TrackedObjective]:
        """Live objectives of the patient measured with the instrument."""
        return [
            objective_hooks.TrackedObjective(
                objective_id=o.objective_id,
                plan_id=o.plan_id,
                measure=str(o.threshold),
                status=o.status,
            )
            for o in objectives_with_thresholds(uow, patient_id, instrument_id)
        ]

    def record_evaluation(
        self,
        uow: UnitOfWork,
        actor: Actor,
        objective: objective_hooks.TrackedObjective,
        evaluation: ObjectiveEvaluation,
        result_id: str,
    ) -> objective_hooks.RecordedChange:
        """Store the score (and `met` when the threshold is met) on the objective."""
        status = rules.PlanItemStatus.MET.value if evaluation.met else None
        current = evaluation.current
        score = int(current) if float(current).is_integer() else Decimal(str(current))
        _, _, _, seq, stamp = apply_objective_progress(
            uow, actor, objective.objective_id, status, score, utcnow()
        )
        return objective_hooks.RecordedChange(change_seq=seq, occurred_at=stamp)


def create_review_tasks(uow: UnitOfWork, actor: Actor, today: date) -> int:
    """Open a review task (and emit treatment_plan.review_due) for each plan whose review is due."""
    created = 0
    for plan in uow.plans.review_due_without_task(
        actor.integration_id, today, tasks.TREATMENT_PLAN_REVIEW, _BATCH
    ):
        reference = f"{plan.id}:{plan.review_due_date.isoformat()}"
        if uow.tasks.by_reference(actor.integration_id, tasks.TREATMENT_PLAN_REVIEW, reference):
            continue
        due = datetime.combine(plan.review_due_date, datetime.min.time(), tzinfo=utcnow().tzinfo)
        tasks.create_task(
            uow,
            actor,
            tasks.TREATMENT_PLAN_REVIEW,
            plan.patient_id,
            plan.provider_id,
            due,
            reference,
            resource_type="treatment_plan",
            resource_id=plan.id,
        )
        seq, at = uow.next_change(actor.integration_id, utcnow())
        audit.record(
            uow,
            actor,
            EventType.TREATMENT_PLAN_REVIEW_DUE,
            resource_type="treatment_plan",
            resource_id=plan.id,
            patient_id=plan.patient_id,
            detail={"reviewDueDate": plan.review_due_date.isoformat()},
        )
        outbox.emit(
            uow,
            actor,
            EventType.TREATMENT_PLAN_REVIEW_DUE,
            "treatment_plan",
            plan.id,
            change_seq=seq,
            occurred_at=at,
            changed_fields=["reviewDueDate"],
        )
        created += 1
    return created
