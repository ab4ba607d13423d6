"""/assessments (seeds 001, 003), FHIR export, assignments, instruments, outcomes, risk flags."""

from __future__ import annotations

from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import (
    BoxDep,
    CurrentActor,
    Idempotent,
    IfMatch,
    SettingsDep,
    UowDep,
    bad_query,
)
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS, problems
from bhlink.api.responses import json_response, list_response
from bhlink.api.routers.patients import PatientIdQuery, ProviderIdQuery, parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import FieldProblem, InvalidInput
from bhlink.fhir import DEFAULT_CANONICAL_BASE
from bhlink.schemas.assessments import (
    AcknowledgeWrite,
    AssessmentResultRead,
    AssessmentWrite,
    AssignmentRead,
    AssignmentWrite,
    BaselineRead,
    BaselineWrite,
    InstrumentRead,
    OutcomesRead,
    RiskFlagRead,
    assessment_result_read,
    assignment_read,
    baseline_read,
    risk_flag_read,
)
from bhlink.schemas.base import ListEnvelope
from bhlink.services import assessment_forms, assessment_outcomes, assessments, risk_flags
from bhlink.services.assessment_outcomes import ChartRenderer
from bhlink.services.assessments import instrument_or_none
from bhlink.store.queries.assessments import ResultFilter

router = APIRouter(
    prefix="/integrations/{integration_id}",
    route_class=TransactionalRoute,
    tags=["assessments"],
)

FHIR_JSON = "application/fhir+json"
SVG = "image/svg+xml"
InstrumentQuery = Annotated[
    str | None,
    Query(max_length=40, description="Instrument id as the catalogue names it, e.g. PHQ-9"),
]
EpisodeQuery = Annotated[
    str | None, Query(alias="episodeId", max_length=64, description="Episode of care")
]


def _checked_instrument(value: str | None) -> str | None:
    if value is not None and instrument_or_none(value) is None:
        raise bad_query("instrument", "unknown instrument; see GET /instruments")
    return value


def _list_results(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    patient_id: PatientIdQuery = None,
    instrument: InstrumentQuery = None,
    completed_after: Annotated[
        str | None,
        Query(alias="completedAfter", max_length=40, description="ISO 8601 timestamp"),
    ] = None,
    provider_id: ProviderIdQuery = None,
    episode_id: EpisodeQuery = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    flt = ResultFilter(
        patient_id=patient_id,
        instrument_id=_checked_instrument(instrument),
        completed_after=parse_timestamp("completedAfter", completed_after),
        provider_id=provider_id,
        episode_id=episode_id,
    )
    paging = listing.start(
        box, actor.integration_id, {"assessment_results": flt.__dict__}, cursor, page_size
    )
    page, contexts = assessments.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(
        box,
        paging,
        page,
        lambda row: assessment_result_read(
            row, contexts[row.id], instrument_or_none(row.instrument_id)
        ),
    )


for _path, _name in (("/assessments/results", "results"), ("/assessments", "list")):
    router.add_api_route(
        _path,
        _list_results,
        methods=["GET"],
        response_model=ListEnvelope[AssessmentResultRead],
        responses=READ_ERRORS,
        name=f"assessments.{_name}",
        summary="List completed assessment results"
        if _name == "results"
        else "List assessments (same as /assessments/results)",
        description="Seed 003 filters `patientId`, `instrument`, `completedAfter`, "
        "`providerId` (and `episodeId`); pages in change order with a signed `nextCursor`.",
    )


@router.post(
    "/assessments",
    response_model=AssessmentResultRead,
    status_code=201,
    responses={
        200: {"model": AssessmentResultRead, "description": "Same referenceId: the stored result"},
        **WRITE_ERRORS,
    },
    dependencies=[Idempotent],
    name="assessments.create",
)
def create_assessment(body: AssessmentWrite, actor: CurrentActor, uow: UowDep) -> Response:
    """Record the answers to one instrument; the server scores them.

    Critical answers raise a risk flag and a follow-up task in the same transaction;
    422 names each offending item (`answers.phq9_q3`) and nothing is written.
    """
    row, context, created = assessments.record(uow, actor, body)
    model = assessment_result_read(row, context, instrument_or_none(row.instrument_id))
    return json_response(
        model,
        201 if created else 200,
        location=f"/integrations/{actor.integration_id}/assessments/results/{row.id}",
    )


@router.get(
    "/assessments/results/{result_id}",
    response_model=AssessmentResultRead,
    responses=READ_ERRORS,
    name="assessments.get",
)
def get_result(result_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One result, read against its baseline."""
    row, context = assessments.get(uow, actor, result_id)
    return json_response(
        assessment_result_read(row, context, instrument_or_none(row.instrument_id))
    )


@router.get(
    "/assessments/results/{result_id}/fhir",
    responses={
        200: {"content": {FHIR_JSON: {}}, "description": "A FHIR R4 Bundle or resource"},
        **READ_ERRORS,
    },
    name="assessments.fhir",
)
def get_result_fhir(
    result_id: str,
    actor: CurrentActor,
    uow: UowDep,
    resource: Annotated[
        Literal["QuestionnaireResponse", "Observation"] | None,
        Query(description="Return one resource instead of the collection Bundle"),
    ] = None,
) -> Response:
    """The result as FHIR R4.

    A collection Bundle with the QuestionnaireResponse and the US Core
    screening-assessment Observation, or one of them with `?resource=`.
    """
    document = assessments.fhir(
        uow, actor, result_id, resource=resource, canonical_base=DEFAULT_CANONICAL_BASE
    )
    return Response(orjson.dumps(document), media_type=FHIR_JSON)


@router.post(
    "/assessments/assignments",
    response_model=AssignmentRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="assessments.assign",
)
def assign(
    body: AssignmentWrite, actor: CurrentActor, uow: UowDep, settings: SettingsDep
) -> Response:
    """Create a one-time link `{public_base_url}/forms/{token}` for the patient.

    The `url` is in this response only; the server keeps a hash of the token.
    """
    created = assessment_forms.assign(uow, actor, body, public_base_url=settings.public_base_url)
    return json_response(assignment_read(created.assignment, utcnow(), created.url), 201)


@router.get(
    "/assessments/assignments/{assignment_id}",
    response_model=AssignmentRead,
    responses=READ_ERRORS,
    name="assessments.assignment",
)
def get_assignment(assignment_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """An assignment's status (pending, completed, expired); never its link."""
    row = assessment_forms.get_assignment(uow, actor, assignment_id)
    return json_response(assignment_read(row, utcnow()))


@router.get(
    "/instruments",
    response_model=ListEnvelope[InstrumentRead],
    responses=READ_ERRORS,
    name="instruments.list",
)
def list_instruments(actor: CurrentActor, uow: UowDep) -> Response:
    """The instrument catalogue.

    Ids, versions, items (wording only where licensed), answer options, bands, critical
    items and LOINC codes.
    """
    items = assessments.catalogue(uow, actor)
    return list_response(items, page=1, page_size=len(items), total=len(items), next_cursor=None)


@router.get(
    "/instruments/{instrument_id}",
    response_model=InstrumentRead,
    responses=READ_ERRORS,
    name="instruments.get",
)
def get_instrument(instrument_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One instrument of the catalogue."""
    return json_response(assessments.one_instrument(uow, actor, instrument_id))


@router.post(
    "/patients/{patient_id}/baselines",
    response_model=BaselineRead,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="assessments.set_baseline",
)
def set_baseline(
    patient_id: str, body: BaselineWrite, actor: CurrentActor, uow: UowDep
) -> Response:
    """Choose one of the patient's results as the baseline of its instrument."""
    choice, result = assessments.set_baseline(uow, actor, patient_id, body)
    return json_response(baseline_read(choice, result))


@router.get(
    "/patients/{patient_id}/outcomes",
    response_model=OutcomesRead,
    responses={
        200: {"content": {SVG: {}}, "description": "JSON series, or an SVG chart"},
        **READ_ERRORS,
        **problems(406),
    },
    name="assessments.outcomes",
)
def get_outcomes(
    request: Request,
    patient_id: str,
    actor: CurrentActor,
    uow: UowDep,
    instrument: InstrumentQuery = None,
    output: Annotated[
        Literal["json", "svg"],
        Query(alias="format", description="`svg` charts one instrument (give `instrument`)"),
    ] = "json",
) -> Response:
    """Per-instrument series with dates, scores, bands, baselines and change flags."""
    if output == "json":
        return json_response(assessment_outcomes.outcomes(uow, actor, patient_id, instrument))
    if instrument is None:
        raise InvalidInput(
            detail="instrument: required for format=svg",
            errors=[FieldProblem("instrument", "is required with format=svg")],
        )
    renderer: ChartRenderer | None = getattr(request.app.state, "chart_renderer", None)
    if renderer is None:
        # Charts are drawn by the web layer, which the composition root (server.py) wires in.
        raise HTTPException(406, "SVG charts are not available: the server has no chart renderer")
    svg = assessment_outcomes.outcome_chart(uow, actor, patient_id, instrument, renderer)
    return Response(svg, media_type=SVG)


@router.get(
    "/patients/{patient_id}/risk-flags",
    response_model=ListEnvelope[RiskFlagRead],
    responses=READ_ERRORS,
    name="risk_flags.list",
)
def list_risk_flags(
    patient_id: str,
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    status: Annotated[str | None, Query(pattern="^(open|acknowledged)$")] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """The patient's risk flags, open and acknowledged (flags are never deleted)."""
    paging = listing.start(
        box,
        actor.integration_id,
        {"risk_flags": {"patient": patient_id, "status": status}},
        cursor,
        page_size,
    )
    page, followups = risk_flags.page(
        uow, actor, patient_id, status=status, after_seq=paging.after_seq, limit=page_size
    )
    return listing.respond(
        box,
        paging,
        page,
        lambda flag: risk_flag_read(flag, followups.get(flag.followup_id or "")),
    )


@router.post(
    "/risk-flags/{risk_flag_id}/acknowledge",
    response_model=RiskFlagRead,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="risk_flags.acknowledge",
)
def acknowledge(
    risk_flag_id: str, body: AcknowledgeWrite, actor: CurrentActor, uow: UowDep, if_match: IfMatch
) -> Response:
    """Acknowledge a risk flag with a note (audited); its follow-up task is completed."""
    flag, task = risk_flags.acknowledge(uow, actor, risk_flag_id, body, if_match=if_match)
    return json_response(risk_flag_read(flag, task), etag_version=flag.version)
