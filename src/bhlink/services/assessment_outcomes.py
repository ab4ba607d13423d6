"""A patient's outcome series per instrument (JSON), and the chart of one series (SVG).

Each point is read against its own baseline (services.assessments), so under
`first_in_episode` the points of an earlier episode keep that episode's baseline. The
series' `baseline` is the baseline of its latest result: the current episode's.

The chart is drawn by the web layer's renderer (web/outcome_chart.py), which services may
not import; the composition root hands it to the API, and the API passes it here as a
`ChartRenderer`. The chart shows the current baseline's series: under `first_in_episode`
the latest episode's results, otherwise every result of the instrument.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol
from zoneinfo import ZoneInfo

from bhlink.domain.errors import FieldProblem, InvalidInput
from bhlink.domain.instruments import (
    Instrument,
    InstrumentSettings,
    InstrumentValidationError,
    Sex,
    get_instrument,
)
from bhlink.domain.roles import Entitlement
from bhlink.schemas.assessments import (
    BaselineRef,
    OutcomeSeries,
    OutcomesRead,
    ResultContext,
    bands_out,
    number,
    outcome_point,
)
from bhlink.services import audit
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.assessment_settings import BaselineMode, MbcSettings, load
from bhlink.services.assessments import contexts_for
from bhlink.services.context import Actor
from bhlink.store.tables import AssessmentResult, Patient
from bhlink.store.unit_of_work import UnitOfWork


class ChartRenderer(Protocol):
    """Draws one instrument's series as an SVG document (web/outcome_chart.py)."""

    def __call__(
        self,
        instrument_id: str,
        points: Sequence[tuple[date, float]],
        *,
        baseline: date | None,
        sex: Sex | None,
        settings: InstrumentSettings,
    ) -> str:
        """Return the SVG text."""


def _instrument(instrument_id: str) -> Instrument:
    try:
        return get_instrument(instrument_id)
    except InstrumentValidationError as exc:
        raise InvalidInput(
            detail="instrument: unknown instrument",
            errors=[FieldProblem(e.field, e.message) for e in exc.errors],
        ) from exc


def _patient(uow: UnitOfWork, actor: Actor, patient_id: str) -> Patient:
    require(actor, Entitlement.ASSESSMENTS)
    patient = uow.patients.get(actor.integration_id, patient_id, with_children=False)
    if patient is None:
        raise not_found("patient")
    ensure_patient_visible(uow, actor, patient_id)
    return patient


def _sex(patient: Patient) -> Sex | None:
    try:
        return Sex(patient.sex)
    except ValueError:
        return None


def _read_series(
    uow: UnitOfWork, actor: Actor, patient: Patient, instrument_id: str | None
) -> tuple[MbcSettings, list[AssessmentResult], dict[str, ResultContext]]:
    rows = uow.assessments.series(actor.integration_id, patient.id, instrument_id)
    audit.record_many(
        uow,
        actor,
        "assessment_result.read",
        "assessment_result",
        [(row.id, row.patient_id) for row in rows],
    )
    settings = load(uow, actor.integration_id)
    return settings, rows, contexts_for(uow, settings, rows)


def outcomes(
    uow: UnitOfWork, actor: Actor, patient_id: str, instrument_id: str | None = None
) -> OutcomesRead:
    """GET /patients/{id}/outcomes: one series per instrument, oldest result first."""
    if instrument_id is not None:
        _instrument(instrument_id)
    patient = _patient(uow, actor, patient_id)
    settings, rows, contexts = _read_series(uow, actor, patient, instrument_id)
    by_instrument: dict[str, list[AssessmentResult]] = {}
    for row in rows:
        by_instrument.setdefault(row.instrument_id, []).append(row)
    by_id = {row.id: row for row in rows}
    series: list[OutcomeSeries] = []
    for key in sorted(by_instrument):
        instrument_rows = by_instrument[key]
        instrument = get_instrument(key)
        points = [outcome_point(row, contexts[row.id]) for row in instrument_rows]
        latest = instrument_rows[-1]
        baseline_row = by_id.get(contexts[latest.id].baseline_id or "")
        series.append(
            OutcomeSeries(
                instrument=key,
                version=latest.instrument_version,
                direction=instrument.direction,
                bands=bands_out(
                    instrument, _sex(patient), settings.config.settings_for(instrument.id)
                ),
                baseline=None
                if baseline_row is None
                else BaselineRef(
                    assessment_result_id=baseline_row.id,
                    score_total=number(baseline_row.total),
                    completed_on=baseline_row.completed_at,
                    episode_id=baseline_row.episode_id,
                ),
                latest=points[-1],
                points=points,
            )
        )
    return OutcomesRead(
        patient_id=patient.id,
        baseline_mode=settings.baseline_mode.value,
        instruments=series,
    )


def _chart_value(instrument: Instrument, row: AssessmentResult) -> float | None:
    if row.total is not None:
        return row.total
    # Tiered instruments (C-SSRS) are charted by the rank of their tier.
    for band in instrument.bands:
        if band.code == row.severity:
            return float(band.min)
    return None


def outcome_chart(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    instrument_id: str,
    render: ChartRenderer,
) -> str:
    """GET /patients/{id}/outcomes?format=svg&instrument=...: the current series as SVG."""
    instrument = _instrument(instrument_id)
    patient = _patient(uow, actor, patient_id)
    settings, rows, contexts = _read_series(uow, actor, patient, instrument.id)
    if rows and settings.baseline_mode is BaselineMode.FIRST_IN_EPISODE:
        current_episode = rows[-1].episode_id
        rows = [row for row in rows if row.episode_id == current_episode]
    zone = ZoneInfo(settings.timezone)
    points: list[tuple[date, float]] = []
    baseline_on: date | None = None
    baseline_id = contexts[rows[-1].id].baseline_id if rows else None
    for row in rows:
        value = _chart_value(instrument, row)
        if value is None:
            continue
        on = row.completed_at.astimezone(zone).date()
        points.append((on, value))
        if row.id == baseline_id:
            baseline_on = on
    return render(
        instrument.id,
        points,
        baseline=baseline_on,
        sex=_sex(patient),
        settings=settings.config.settings_for(instrument.id),
    )
