"""Measurement-based-care shapes: seed 003 results, answers, catalogue, assignments, risk flags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue

from bhlink.domain.instruments import Direction, Instrument, InstrumentSettings, Sex
from bhlink.domain.outcomes import ChangeAnalysis
from bhlink.schemas.base import ApiModel, OptStr200, UtcDateTime, WriteModel

Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]
InstrumentId = Annotated[str, Field(min_length=1, max_length=40)]
EpisodeId = Annotated[
    str | None, Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
]
CollectedVia = Literal["patient_portal", "in_clinic", "sms", "api"]
AssignmentChannel = Literal["sms", "email", "patient_portal", "in_clinic"]
SexCode = Literal["male", "female", "other", "unknown"]
Number = int | float


def number(value: float | None) -> Number | None:
    """A stored total as the API shows it: 12, not 12.0 (a prorated CORE-10 keeps 10.6)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


# -- POST /assessments --------------------------------------------------------------------


class AnswerIn(WriteModel):
    """One answer as the seeds send it: `{"questionId": "phq9_q1", "value": 2}`.

    `value` is the option value (an integer) or an option code; anything else is refused
    by the engine with an error naming the question, never echoing what was sent.
    """

    question_id: Annotated[str, Field(min_length=1, max_length=64)]
    value: JsonValue = None


class AssessmentWrite(WriteModel):
    """POST /assessments: answers to one instrument; the score is computed by the server."""

    patient_id: Id
    instrument: InstrumentId
    answers: Annotated[list[AnswerIn], Field(max_length=100)]
    completed_on: UtcDateTime | None = None
    collected_via: CollectedVia = "api"
    provider_id: Id | None = None
    episode_id: EpisodeId = None
    sex: SexCode | None = None
    reference_id: OptStr200 = None


# -- result read shape --------------------------------------------------------------------


class AnswerOut(ApiModel):
    """One stored answer (option value)."""

    question_id: str
    value: int


class CriticalItemOut(ApiModel):
    """A critical item that fired."""

    question_id: str
    reason: str
    score: int


class InterpretationOut(ApiModel):
    """A finding beyond the total (positive screen, provisional PTSD, ...)."""

    code: str
    message: str


class ReliableChangeOut(ApiModel):
    """Change from baseline and whether it is reliable (None where no threshold is known)."""

    change: Literal["better", "worse", "unchanged"]
    reliable: bool | None
    improved: bool | None
    deteriorated: bool | None
    threshold: Number | None
    method: str | None
    rci: float | None
    clinically_meaningful_improvement: bool | None


class AssessmentResultRead(ApiModel):
    """Seed 003's result item, plus subscales, change flags, critical items, findings."""

    assessment_result_id: str
    patient_id: str
    instrument: str
    version: str
    score_total: Number | None
    severity: str | None
    answers: list[AnswerOut]
    baseline_score: Number | None
    delta_from_baseline: Number | None
    completed_on: UtcDateTime
    collected_via: str
    provider_id: str | None
    subscales: dict[str, Number]
    reliable_change: ReliableChangeOut | None
    response: bool | None
    remission: bool | None
    critical_items: list[CriticalItemOut]
    interpretations: list[InterpretationOut]
    severity_label: str | None
    episode_id: str | None
    baseline_assessment_result_id: str | None
    reference_id: str | None
    created_at: UtcDateTime


@dataclass(frozen=True)
class ResultContext:
    """What a result is read against: its baseline (if any) and the change analysis."""

    baseline_id: str | None = None
    baseline_total: float | None = None
    analysis: ChangeAnalysis | None = None


def reliable_change_out(analysis: ChangeAnalysis) -> ReliableChangeOut:
    """The change part of a ChangeAnalysis."""
    return ReliableChangeOut(
        change=analysis.change.value,
        reliable=analysis.reliable,
        improved=analysis.improved,
        deteriorated=analysis.deteriorated,
        threshold=number(analysis.reliable_change_threshold),
        method=analysis.reliable_change_method,
        rci=None if analysis.rci is None else round(analysis.rci, 2),
        clinically_meaningful_improvement=analysis.clinically_meaningful_improvement,
    )


def answers_out(instrument: Instrument | None, answers: Mapping[str, int]) -> list[AnswerOut]:
    """Stored answers in the instrument's item order (the order the form asks them)."""
    order = (
        {item_id: index for index, item_id in enumerate(instrument.item_ids)} if instrument else {}
    )
    return [
        AnswerOut(question_id=key, value=value)
        for key, value in sorted(answers.items(), key=lambda kv: (order.get(kv[0], 999), kv[0]))
    ]


def assessment_result_read(
    row: Any, context: ResultContext, instrument: Instrument | None
) -> AssessmentResultRead:
    """Response shape of a stored result read against its baseline."""
    analysis = context.analysis
    delta = None if analysis is None else analysis.delta
    return AssessmentResultRead(
        assessment_result_id=row.id,
        patient_id=row.patient_id,
        instrument=row.instrument_id,
        version=row.instrument_version,
        score_total=number(row.total),
        severity=row.severity,
        answers=answers_out(instrument, row.answers),
        baseline_score=number(context.baseline_total),
        delta_from_baseline=number(delta),
        completed_on=row.completed_at,
        collected_via=row.collected_via,
        provider_id=row.provider_id,
        subscales={name: number(value) or 0 for name, value in sorted(row.subscales.items())},
        reliable_change=None if analysis is None else reliable_change_out(analysis),
        response=None if analysis is None else analysis.response,
        remission=None if analysis is None else analysis.remission,
        critical_items=[CriticalItemOut.model_validate(item) for item in row.critical_items],
        interpretations=[InterpretationOut.model_validate(item) for item in row.interpretations],
        severity_label=row.severity_label,
        episode_id=row.episode_id,
        baseline_assessment_result_id=context.baseline_id,
        reference_id=row.reference_id,
        created_at=row.created_at,
    )


# -- GET /instruments ---------------------------------------------------------------------


class OptionOut(ApiModel):
    """An answer choice: submit `value` (or `code`); `label` only where its licence allows."""

    value: int
    code: str
    label: str | None


class ItemOut(ApiModel):
    """A question; `text` is present only where the licence lets bhlink ship the wording."""

    question_id: str
    label: str
    topic: str
    text: str | None
    required: bool
    counted: bool
    loinc: str | None
    options: list[OptionOut]


class BandOut(ApiModel):
    """A severity band; `min` and `max` are inclusive."""

    code: str
    label: str
    min: int
    max: int


class CriticalRuleOut(ApiModel):
    """An item that raises a risk flag when scored at least `minScore`."""

    question_id: str
    min_score: int
    reason: str


class LoincOut(ApiModel):
    """LOINC codes and how they were verified."""

    panel: str | None
    total: str | None
    note: str


class InstrumentRead(ApiModel):
    """One instrument of the catalogue."""

    instrument: str
    name: str
    version: str
    direction: Direction
    total_min: int | None
    total_max: int | None
    scoring_rule: str
    bands: list[BandOut]
    screen_cutoff: float | None
    screen_cutoff_by_sex: dict[str, float]
    critical_items: list[CriticalRuleOut]
    reliable_change: float | None
    loinc: LoincOut
    licence: str
    item_text_shipped: bool
    patient_form_available: bool
    sources: list[str]
    items: list[ItemOut]


def instrument_read(
    instrument: Instrument, settings: InstrumentSettings, *, patient_form: bool
) -> InstrumentRead:
    """Catalogue entry of an instrument, with the practice's overrides applied to cut-offs."""
    cutoff = instrument.screen_cutoff
    reliable = settings.reliable_change
    if reliable is None and instrument.change.reliable_change is not None:
        reliable = instrument.change.reliable_change.value
    return InstrumentRead(
        instrument=instrument.id,
        name=instrument.name,
        version=instrument.version,
        direction=instrument.direction,
        total_min=instrument.total_min,
        total_max=instrument.total_max,
        scoring_rule=instrument.scoring_rule,
        bands=[
            BandOut(code=b.code, label=b.label, min=b.min, max=b.max)
            for b in instrument.bands_for(None, settings)
        ],
        screen_cutoff=instrument.effective_cutoff(None, settings),
        screen_cutoff_by_sex=(
            dict(cutoff.by_sex) if cutoff is not None and settings.screen_cutoff is None else {}
        ),
        critical_items=[
            CriticalRuleOut(question_id=r.item_id, min_score=r.min_score, reason=r.reason)
            for r in instrument.critical_rules
        ],
        reliable_change=reliable,
        loinc=LoincOut(
            panel=instrument.loinc.panel, total=instrument.loinc.total, note=instrument.loinc.note
        ),
        licence=instrument.licence,
        item_text_shipped=any(item.text is not None for item in instrument.items),
        patient_form_available=patient_form,
        sources=list(instrument.sources),
        items=[
            ItemOut(
                question_id=item.id,
                label=item.label,
                topic=item.topic,
                text=item.text,
                required=item.required,
                counted=item.counted,
                loinc=item.loinc,
                options=[
                    OptionOut(value=o.value, code=o.code, label=o.label) for o in item.options
                ],
            )
            for item in instrument.items
        ],
    )


# -- baselines ----------------------------------------------------------------------------


class BaselineWrite(WriteModel):
    """POST /patients/{id}/baselines: choose one of the patient's results as the baseline."""

    assessment_result_id: Id


class BaselineRead(ApiModel):
    """The explicit baseline of one patient on one instrument."""

    patient_id: str
    instrument: str
    assessment_result_id: str
    baseline_score: Number | None
    completed_on: UtcDateTime
    episode_id: str | None
    set_at: UtcDateTime
    set_by: str


def baseline_read(choice: Any, result: Any) -> BaselineRead:
    """Response shape of an explicit baseline and the result it names."""
    return BaselineRead(
        patient_id=choice.patient_id,
        instrument=choice.instrument_id,
        assessment_result_id=result.id,
        baseline_score=number(result.total),
        completed_on=result.completed_at,
        episode_id=result.episode_id,
        set_at=choice.set_at,
        set_by=choice.set_by,
    )


# -- assignments --------------------------------------------------------------------------


class AssignmentWrite(WriteModel):
    """POST /assessments/assignments: a one-time link for the patient to fill in a form."""

    patient_id: Id
    instrument: InstrumentId
    expires_in_hours: Annotated[int, Field(ge=1, le=720)] = 72
    channel: AssignmentChannel = "patient_portal"
    provider_id: Id | None = None
    episode_id: EpisodeId = None


class AssignmentRead(ApiModel):
    """An assignment; `url` appears once, in the response that created it."""

    assignment_id: str
    patient_id: str
    instrument: str
    channel: str
    provider_id: str | None
    episode_id: str | None
    status: Literal["pending", "completed", "expired"]
    expires_at: UtcDateTime
    completed_at: UtcDateTime | None
    assessment_result_id: str | None
    url: str | None = None
    created_at: UtcDateTime


def assignment_read(row: Any, now: datetime, url: str | None = None) -> AssignmentRead:
    """Response shape of an assignment (status derived from use and expiry)."""
    status: Literal["pending", "completed", "expired"] = "pending"
    if row.used_at is not None:
        status = "completed"
    elif row.expires_at <= now:
        status = "expired"
    return AssignmentRead(
        assignment_id=row.id,
        patient_id=row.patient_id,
        instrument=row.instrument_id,
        channel=row.channel,
        provider_id=row.provider_id,
        episode_id=row.episode_id,
        status=status,
        expires_at=row.expires_at,
        completed_at=row.used_at,
        assessment_result_id=row.result_id,
        url=url,
        created_at=row.created_at,
    )


# -- risk flags ---------------------------------------------------------------------------


class AcknowledgeWrite(WriteModel):
    """POST /risk-flags/{id}/acknowledge: what the clinician did about the risk."""

    note: Annotated[str, Field(min_length=1, max_length=4000)]


class TriggerOut(ApiModel):
    """Why the flag was raised: a critical item (`questionId`) or a risk tier (no item)."""

    question_id: str | None
    reason: str
    score: int | None


class FollowUpOut(ApiModel):
    """The follow-up task created with the flag."""

    task_id: str
    assignee_provider_id: str | None
    due_at: UtcDateTime
    status: str


class AcknowledgementOut(ApiModel):
    """Who acknowledged the flag, when, and their note."""

    acknowledged_at: UtcDateTime
    acknowledged_by: str
    note: str


class RiskFlagRead(ApiModel):
    """A risk flag on a patient."""

    risk_flag_id: str
    patient_id: str
    assessment_result_id: str
    instrument: str
    status: Literal["open", "acknowledged"]
    triggers: list[TriggerOut]
    raised_at: UtcDateTime
    follow_up: FollowUpOut | None
    acknowledgement: AcknowledgementOut | None
    version: int


def risk_flag_read(flag: Any, followup: Any | None) -> RiskFlagRead:
    """Response shape of a risk flag and its follow-up task."""
    acknowledgement = None
    if flag.acknowledged_at is not None:
        acknowledgement = AcknowledgementOut(
            acknowledged_at=flag.acknowledged_at,
            acknowledged_by=flag.acknowledged_by or "",
            note=flag.acknowledgement_note or "",
        )
    return RiskFlagRead(
        risk_flag_id=flag.id,
        patient_id=flag.patient_id,
        assessment_result_id=flag.result_id,
        instrument=flag.instrument_id,
        status=flag.status,
        triggers=[TriggerOut.model_validate(t) for t in flag.triggers],
        raised_at=flag.created_at,
        follow_up=None
        if followup is None
        else FollowUpOut(
            task_id=followup.id,
            assignee_provider_id=followup.assignee_provider_id,
            due_at=followup.due_at,
            status=followup.status,
        ),
        acknowledgement=acknowledgement,
        version=flag.version,
    )


# -- GET /patients/{id}/outcomes ----------------------------------------------------------


class OutcomePoint(ApiModel):
    """One result in a series."""

    assessment_result_id: str
    completed_on: UtcDateTime
    score_total: Number | None
    severity: str | None
    severity_label: str | None
    delta_from_baseline: Number | None
    reliable_change: ReliableChangeOut | None
    response: bool | None
    remission: bool | None
    critical_items: list[CriticalItemOut]
    episode_id: str | None
    is_baseline: bool


class BaselineRef(ApiModel):
    """The baseline a series is compared with."""

    assessment_result_id: str
    score_total: Number | None
    completed_on: UtcDateTime
    episode_id: str | None


class OutcomeSeries(ApiModel):
    """One instrument's results of a patient, oldest first, with its bands and baseline."""

    instrument: str
    version: str
    direction: Direction
    bands: list[BandOut]
    baseline: BaselineRef | None
    latest: OutcomePoint | None
    points: list[OutcomePoint]


class OutcomesRead(ApiModel):
    """A patient's outcome series, one per instrument."""

    patient_id: str
    baseline_mode: str
    instruments: list[OutcomeSeries]


def outcome_point(row: Any, context: ResultContext) -> OutcomePoint:
    """A series point from a stored result and its baseline context."""
    analysis = context.analysis
    return OutcomePoint(
        assessment_result_id=row.id,
        completed_on=row.completed_at,
        score_total=number(row.total),
        severity=row.severity,
        severity_label=row.severity_label,
        delta_from_baseline=None if analysis is None else number(analysis.delta),
        reliable_change=None if analysis is None else reliable_change_out(analysis),
        response=None if analysis is None else analysis.response,
        remission=None if analysis is None else analysis.remission,
        critical_items=[CriticalItemOut.model_validate(item) for item in row.critical_items],
        episode_id=row.episode_id,
        is_baseline=context.baseline_id == row.id,
    )


def bands_out(
    instrument: Instrument, sex: Sex | None, settings: InstrumentSettings
) -> list[BandOut]:
    """The bands that apply to a patient (sex-specific screens) under the practice's settings."""
    return [
        BandOut(code=b.code, label=b.label, min=b.min, max=b.max)
        for b in instrument.bands_for(sex, settings)
    ]
