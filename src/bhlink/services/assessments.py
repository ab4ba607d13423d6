"""Assessment results: record (scored by the engine), read against a baseline, list, FHIR.

Recording a result, in one transaction: validate and score the answers
(domain.instruments), store the result, audit it, emit `assessment.completed`; compare it
with its baseline and emit `assessment.reliable_change` when the change is reliable; raise
a risk flag with its follow-up task for critical answers (services.risk_flags); evaluate
treatment-plan objectives on the instrument (services.objective_hooks).

Baselines are derived when results are read, so choosing a baseline later, or recording
an older result afterwards, is reflected everywhere. The baseline of a result is, in order:

1. the result chosen with `POST /patients/{id}/baselines` for its patient and instrument,
   except that under `first_in_episode` the choice applies only within its own episode;
2. otherwise, per the practice's `baselineMode` (services.assessment_settings): the first
   result of the instrument in the same episode, or the first ever, or none (`explicit`).

"First" means the earliest `completedOn` (ties broken by id). Instruments without a total
(the C-SSRS screener) have no baseline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.domain.instruments import (
    Instrument,
    InstrumentValidationError,
    ScoredResult,
    get_instrument,
    list_instruments,
    score,
)
from bhlink.domain.outcomes import analyze_change
from bhlink.domain.roles import Entitlement
from bhlink.events.event_types import EventType
from bhlink.fhir import AssessmentRecord, questionnaire_response, score_observation
from bhlink.schemas.assessments import (
    AssessmentWrite,
    BaselineWrite,
    InstrumentRead,
    ResultContext,
    instrument_read,
)
from bhlink.services import audit, objective_hooks, outbox, risk_flags
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.assessment_settings import BaselineMode, MbcSettings, load
from bhlink.services.context import Actor
from bhlink.services.records import flush_unique_reference, stamp_new
from bhlink.store.queries.assessments import ResultFilter
from bhlink.store.queries.paging import Page
from bhlink.store.tables import AssessmentBaseline, AssessmentResult, Patient, Provider
from bhlink.store.unit_of_work import UnitOfWork

# A device clock a little ahead of ours is not a result from the future.
CLOCK_SKEW = timedelta(minutes=5)
FHIR_RESOURCES = ("QuestionnaireResponse", "Observation")
_SAFE_QUESTION_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def instrument_or_none(instrument_id: str) -> Instrument | None:
    """The engine's instrument, or None for an id it no longer knows."""
    try:
        return get_instrument(instrument_id)
    except InstrumentValidationError:
        return None


def _invalid(exc: InstrumentValidationError, detail: str) -> InvalidInput:
    return InvalidInput(
        detail=detail, errors=[FieldProblem(error.field, error.message) for error in exc.errors]
    )


def answers_mapping(answers: Sequence[Any]) -> dict[str, Any]:
    """The seeds' `[{"questionId", "value"}]` list as the engine's mapping; repeats refused."""
    mapping: dict[str, Any] = {}
    repeated: list[FieldProblem] = []
    for answer in answers:
        if answer.question_id in mapping:
            # Name the item only if the id looks like one: it may be free text sent by mistake.
            safe = _SAFE_QUESTION_ID.match(answer.question_id)
            field = f"answers.{answer.question_id}" if safe else "answers"
            repeated.append(FieldProblem(field, "a question is answered more than once"))
            continue
        mapping[answer.question_id] = answer.value
    if repeated:
        raise InvalidInput(detail="the answers cannot be scored", errors=repeated)
    return mapping


def score_answers(
    instrument_id: str, answers: dict[str, Any], sex: str | None, settings: MbcSettings
) -> ScoredResult:
    """Score with the engine; its validation errors become a 422 naming each item."""
    try:
        return score(instrument_id, answers, sex=sex, config=settings.config)
    except InstrumentValidationError as exc:
        raise _invalid(exc, "the answers cannot be scored as sent") from exc


def _check_write(
    uow: UnitOfWork, actor: Actor, body: AssessmentWrite, now: datetime
) -> tuple[Patient, str | None]:
    problems: list[FieldProblem] = []
    patient = uow.patients.get(actor.integration_id, body.patient_id, with_children=False)
    visible = patient is not None and (
        actor.caseload_provider_ids is None
        or uow.patients.is_on_caseload(patient.id, actor.caseload_provider_ids)
    )
    if not visible:
        problems.append(FieldProblem("patientId", "no such patient in this integration"))
    # Without a providerId: the clinician recording it, else the patient's primary provider.
    provider_id = body.provider_id or actor.provider_id
    if patient is not None and provider_id is None:
        provider_id = patient.primary_provider_id
    if (
        body.provider_id is not None
        and uow.practice.get(Provider, actor.integration_id, body.provider_id) is None
    ):
        problems.append(FieldProblem("providerId", "no such provider in this integration"))
    if body.completed_on is not None and body.completed_on > now + CLOCK_SKEW:
        problems.append(FieldProblem("completedOn", "cannot be in the future"))
    if problems:
        raise InvalidInput(detail="the assessment cannot be recorded as sent", errors=problems)
    assert patient is not None
    return patient, provider_id


def record(
    uow: UnitOfWork,
    actor: Actor,
    body: AssessmentWrite,
    *,
    assignment_id: str | None = None,
) -> tuple[AssessmentResult, ResultContext, bool]:
    """POST /assessments: score, store and react to one completed instrument.

    Returns the stored result, its baseline context and whether it was created (False
    when `referenceId` names a result already recorded with the same answers).
    """
    require(actor, Entitlement.ASSESSMENTS, write=True)
    settings = load(uow, actor.integration_id)
    now = utcnow()
    if body.reference_id is not None:
        existing = uow.assessments.by_reference(actor.integration_id, body.reference_id)
        if existing is not None:
            _replay(uow, actor, existing, body, settings)
            return existing, contexts_for(uow, settings, [existing])[existing.id], False
    answers = answers_mapping(body.answers)
    patient, provider_id = _check_write(uow, actor, body, now)
    sex = body.sex or patient.sex
    scored = score_answers(body.instrument, answers, sex, settings)
    result = AssessmentResult(
        id=new_id("asr"),
        integration_id=actor.integration_id,
        reference_id=body.reference_id,
        patient_id=patient.id,
        provider_id=provider_id,
        instrument_id=scored.instrument_id,
        instrument_version=scored.instrument_version,
        episode_id=body.episode_id,
        assignment_id=assignment_id,
        completed_at=body.completed_on or now,
        collected_via=body.collected_via,
        answers=dict(scored.answers),
        sex_used=sex,
        total=None if scored.total is None else float(scored.total),
        severity=scored.severity,
        severity_label=scored.severity_label,
        prorated=scored.prorated,
        subscales={name: float(value) for name, value in scored.subscales.items()},
        critical_items=[
            {"questionId": flag.item_id, "reason": flag.reason, "score": flag.score}
            for flag in scored.critical_flags
        ],
        interpretations=[{"code": i.code, "message": i.message} for i in scored.interpretations],
    )
    seq, at = stamp_new(uow, result)
    uow.add(result)
    flush_unique_reference(uow, "result")
    audit.record(
        uow,
        actor,
        EventType.ASSESSMENT_COMPLETED.value,
        resource_type="assessment_result",
        resource_id=result.id,
        patient_id=result.patient_id,
        detail={"instrument": result.instrument_id, "collectedVia": result.collected_via},
    )
    outbox.emit(
        uow,
        actor,
        EventType.ASSESSMENT_COMPLETED.value,
        "assessment_result",
        result.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["*"],
    )
    context = contexts_for(uow, settings, [result])[result.id]
    analysis = context.analysis
    if analysis is not None and analysis.reliable and context.baseline_id != result.id:
        outbox.emit(
            uow,
            actor,
            EventType.ASSESSMENT_RELIABLE_CHANGE.value,
            "assessment_result",
            result.id,
            change_seq=seq,
            occurred_at=at,
            changed_fields=["reliableChange"],
        )
    risk_flags.raise_for_result(
        uow, actor, result, patient, follow_up_due_hours=settings.follow_up_due_hours
    )
    objective_hooks.evaluate_objectives(uow, actor, result, baseline_total=context.baseline_total)
    return result, context, True


def _replay(
    uow: UnitOfWork,
    actor: Actor,
    existing: AssessmentResult,
    body: AssessmentWrite,
    settings: MbcSettings,
) -> None:
    """A result is immutable: the same referenceId may only repeat the same submission."""
    ensure_patient_visible(uow, actor, existing.patient_id)
    try:
        again = score(
            body.instrument,
            answers_mapping(body.answers),
            sex=existing.sex_used,
            config=settings.config,
        )
        same = (
            existing.patient_id == body.patient_id
            and existing.instrument_id == again.instrument_id
            and existing.answers == dict(again.answers)
        )
    except (InstrumentValidationError, InvalidInput):
        same = False
    if not same:
        raise Conflict(
            detail="a different result was already recorded with this referenceId; "
            "results cannot be changed",
            errors=[FieldProblem("referenceId", "already used for another submission")],
            code="duplicate_reference",
        )


def _baseline_of(
    row: AssessmentResult,
    mode: BaselineMode,
    explicit: dict[tuple[str, str], AssessmentResult],
    firsts: dict[tuple[str, str, str | None], AssessmentResult],
) -> AssessmentResult | None:
    chosen = explicit.get((row.patient_id, row.instrument_id))
    if chosen is not None and (
        mode is not BaselineMode.FIRST_IN_EPISODE or chosen.episode_id == row.episode_id
    ):
        return chosen
    if mode is BaselineMode.EXPLICIT:
        return None
    episode = row.episode_id if mode is BaselineMode.FIRST_IN_EPISODE else None
    return firsts.get((row.patient_id, row.instrument_id, episode))


def contexts_for(
    uow: UnitOfWork, settings: MbcSettings, rows: Sequence[AssessmentResult]
) -> dict[str, ResultContext]:
    """Baseline and change analysis of each result (two queries for a whole page)."""
    scored = [row for row in rows if row.total is not None]
    patients = sorted({row.patient_id for row in scored})
    instruments = sorted({row.instrument_id for row in scored})
    integration_id = rows[0].integration_id if rows else ""
    explicit = uow.assessments.explicit_baselines(integration_id, patients, instruments)
    firsts = (
        {}
        if settings.baseline_mode is BaselineMode.EXPLICIT
        else uow.assessments.first_results(
            integration_id,
            patients,
            instruments,
            per_episode=settings.baseline_mode is BaselineMode.FIRST_IN_EPISODE,
        )
    )
    contexts: dict[str, ResultContext] = {}
    for row in rows:
        base = (
            None
            if row.total is None
            else _baseline_of(row, settings.baseline_mode, explicit, firsts)
        )
        if base is None or base.total is None or row.total is None:
            contexts[row.id] = ResultContext()
            continue
        analysis = analyze_change(row.instrument_id, base.total, row.total, config=settings.config)
        contexts[row.id] = ResultContext(
            baseline_id=base.id, baseline_total=base.total, analysis=analysis
        )
    return contexts


def get(uow: UnitOfWork, actor: Actor, result_id: str) -> tuple[AssessmentResult, ResultContext]:
    """GET /assessments/results/{id} (audited read)."""
    require(actor, Entitlement.ASSESSMENTS)
    row = _visible_result(uow, actor, result_id)
    audit.record(
        uow,
        actor,
        "assessment_result.read",
        resource_type="assessment_result",
        resource_id=row.id,
        patient_id=row.patient_id,
    )
    settings = load(uow, actor.integration_id)
    return row, contexts_for(uow, settings, [row])[row.id]


def _visible_result(uow: UnitOfWork, actor: Actor, result_id: str) -> AssessmentResult:
    row = uow.assessments.get(actor.integration_id, result_id)
    if row is None:
        raise not_found("assessment_result")
    if actor.caseload_provider_ids is not None and not uow.patients.is_on_caseload(
        row.patient_id, actor.caseload_provider_ids
    ):
        raise not_found("assessment_result")
    return row


def page(
    uow: UnitOfWork, actor: Actor, flt: ResultFilter, *, after_seq: int | None, limit: int
) -> tuple[Page[AssessmentResult], dict[str, ResultContext]]:
    """GET /assessments/results: a page in change order, caseload-limited, each row audited."""
    require(actor, Entitlement.ASSESSMENTS)
    if flt.patient_id is not None:
        ensure_patient_visible(uow, actor, flt.patient_id)
    if actor.caseload_provider_ids is not None:
        flt = ResultFilter(**{**flt.__dict__, "caseload_provider_ids": actor.caseload_provider_ids})
    result = uow.assessments.page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record_many(
        uow,
        actor,
        "assessment_result.read",
        "assessment_result",
        [(row.id, row.patient_id) for row in result.rows],
    )
    settings = load(uow, actor.integration_id)
    return result, contexts_for(uow, settings, result.rows)


def fhir(
    uow: UnitOfWork,
    actor: Actor,
    result_id: str,
    *,
    resource: str | None,
    canonical_base: str,
) -> dict[str, Any]:
    """GET /assessments/results/{id}/fhir: a FHIR R4 collection Bundle, or one resource.

    The engine re-scores the stored answers with the stored sex so the mapping has the
    full ScoredResult; a result the current engine scores differently would be a silent
    rewrite of a clinical record, so that is refused (409) instead of exported.
    """
    if resource is not None and resource not in FHIR_RESOURCES:
        raise InvalidInput(
            detail="resource must be QuestionnaireResponse or Observation",
            errors=[FieldProblem("resource", "must be QuestionnaireResponse or Observation")],
        )
    row, _ = get(uow, actor, result_id)
    settings = load(uow, actor.integration_id)
    try:
        scored = score(row.instrument_id, row.answers, sex=row.sex_used, config=settings.config)
    except InstrumentValidationError as exc:
        raise Conflict(
            detail="the stored answers no longer score with this instrument version",
            code="instrument_changed",
        ) from exc
    if scored.instrument_version != row.instrument_version or (
        (None if scored.total is None else float(scored.total)) != row.total
    ):
        raise Conflict(
            detail="the result was scored by another instrument version; it cannot be exported "
            "without re-scoring",
            code="instrument_changed",
        )
    record_ = AssessmentRecord.from_result(
        result_id=row.id,
        patient_id=row.patient_id,
        result=scored,
        completed_at=row.completed_at,
        performer_id=row.provider_id,
    )
    qr = questionnaire_response(record_, canonical_base=canonical_base)
    observation = score_observation(record_, canonical_base=canonical_base)
    if resource == "QuestionnaireResponse":
        return qr
    if resource == "Observation":
        return observation
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
        "entry": [{"resource": qr}, {"resource": observation}],
    }


def patient_form_items(instrument: Instrument) -> tuple[bool, list[str]]:
    """Whether a patient can self-complete the instrument on bhlink's form, and its items.

    Only instruments whose every required item has licensed wording qualify; optional items
    without wording (the GAD-7 difficulty question) are left off the form. A patient
    cannot answer "Item 3" at home, and EPDS/C-SSRS wording may not be republished.
    """
    items = [item for item in instrument.items if item.text is not None]
    missing = [item for item in instrument.items if item.text is None and item.required]
    return (not missing and bool(items)), [item.id for item in items]


def catalogue(uow: UnitOfWork, actor: Actor) -> list[InstrumentRead]:
    """GET /instruments: every instrument with the practice's overrides applied."""
    require(actor, Entitlement.ASSESSMENTS)
    settings = load(uow, actor.integration_id)
    return [
        instrument_read(
            instrument,
            settings.config.settings_for(instrument.id),
            patient_form=patient_form_items(instrument)[0],
        )
        for instrument in list_instruments()
    ]


def one_instrument(uow: UnitOfWork, actor: Actor, instrument_id: str) -> InstrumentRead:
    """GET /instruments/{id}."""
    require(actor, Entitlement.ASSESSMENTS)
    instrument = instrument_or_none(instrument_id)
    if instrument is None:
        raise not_found("instrument")
    settings = load(uow, actor.integration_id)
    return instrument_read(
        instrument,
        settings.config.settings_for(instrument.id),
        patient_form=patient_form_items(instrument)[0],
    )


def set_baseline(
    uow: UnitOfWork, actor: Actor, patient_id: str, body: BaselineWrite
) -> tuple[AssessmentBaseline, AssessmentResult]:
    """POST /patients/{id}/baselines: choose one of the patient's results as its baseline.

    Replaces an earlier choice for the same instrument; the change shows in every read
    that follows. Audited as `assessment.baseline_set` (no webhook event: see below).
    """
    require(actor, Entitlement.ASSESSMENTS, write=True)
    if uow.patients.get(actor.integration_id, patient_id, with_children=False) is None:
        raise not_found("patient")
    ensure_patient_visible(uow, actor, patient_id)
    result = uow.assessments.get(actor.integration_id, body.assessment_result_id)
    if result is None or result.patient_id != patient_id:
        raise InvalidInput(
            detail="the baseline must be one of this patient's results",
            errors=[FieldProblem("assessmentResultId", "no such result for this patient")],
        )
    if result.total is None:
        raise InvalidInput(
            detail="only a result with a total score can be a baseline",
            errors=[
                FieldProblem("assessmentResultId", f"{result.instrument_id} has no total score")
            ],
        )
    at = utcnow()
    choice = uow.assessments.baseline_choice(actor.integration_id, patient_id, result.instrument_id)
    if choice is None:
        choice = AssessmentBaseline(
            patient_id=patient_id,
            instrument_id=result.instrument_id,
            integration_id=actor.integration_id,
            result_id=result.id,
            set_by=actor.actor_id,
            set_at=at,
        )
        uow.add(choice)
    else:
        choice.result_id = result.id
        choice.set_by = actor.actor_id
        choice.set_at = at
    uow.flush()
    # Audited only: the promised event catalogue (events/event_types.py) has no type for a
    # baseline choice, and reusing another type would mislead subscribers.
    audit.record(
        uow,
        actor,
        "assessment.baseline_set",
        resource_type="assessment_result",
        resource_id=result.id,
        patient_id=patient_id,
        detail={"instrument": result.instrument_id},
    )
    return choice, result
