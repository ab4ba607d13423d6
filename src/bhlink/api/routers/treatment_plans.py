"""/treatment-plans: problems → goals → objectives → interventions, signatures, reviews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, IfMatch, SettingsDep, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS, problems
from bhlink.api.responses import json_response, list_response
from bhlink.api.routers.patients import (
    PatientIdQuery,
    ProviderIdQuery,
    parse_date,
    parse_timestamp,
)
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.treatment_plans import (
    PlanPatch,
    PlanRead,
    PlanReviewWrite,
    PlanSignRequest,
    PlanVersionRead,
    PlanWrite,
    plan_read,
    plan_version_read,
)
from bhlink.services import treatment_plans
from bhlink.store.queries.plans import PlanFilter

router = APIRouter(
    prefix="/integrations/{integration_id}",
    route_class=TransactionalRoute,
    tags=["treatment plans"],
)


@router.get(
    "/treatment-plans",
    response_model=ListEnvelope[PlanRead],
    responses=READ_ERRORS,
    name="treatment_plans.list",
)
def list_plans(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    patient_id: PatientIdQuery = None,
    provider_id: ProviderIdQuery = None,
    status: Annotated[str | None, Query(pattern="^(draft|active|completed|discontinued)$")] = None,
    review_due_before: Annotated[str | None, Query(alias="reviewDueBefore", max_length=40)] = None,
    updated_after: Annotated[str | None, Query(alias="updatedAfter", max_length=40)] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Plans with problems, goals, objectives, target dates and progress (seed 000)."""
    flt = PlanFilter(
        patient_id=patient_id,
        provider_id=provider_id,
        status=status,
        review_due_before=parse_date("reviewDueBefore", review_due_before),
        updated_after=parse_timestamp("updatedAfter", updated_after),
    )
    paging = listing.start(box, actor.integration_id, {"plans": flt.__dict__}, cursor, page_size)
    page = treatment_plans.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(box, paging, page, plan_read)


@router.post(
    "/treatment-plans",
    response_model=PlanRead,
    status_code=201,
    responses={200: {"model": PlanRead, "description": "Updated"}, **WRITE_ERRORS},
    dependencies=[Idempotent],
    name="treatment_plans.upsert",
)
def upsert_plan(
    body: PlanWrite, actor: CurrentActor, uow: UowDep, settings: SettingsDep, if_match: IfMatch
) -> Response:
    """Create a plan (draft until the clinician signs), or update the one named by referenceId."""
    plan, created = treatment_plans.upsert(uow, actor, body, settings, if_match=if_match)
    return json_response(plan_read(plan), 201 if created else 200, etag_version=plan.version)


@router.get(
    "/treatment-plans/{plan_id}",
    response_model=PlanRead,
    responses=READ_ERRORS,
    name="treatment_plans.get",
)
def get_plan(plan_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One plan."""
    plan = treatment_plans.get(uow, actor, plan_id)
    return json_response(plan_read(plan), etag_version=plan.version)


@router.patch(
    "/treatment-plans/{plan_id}",
    response_model=PlanRead,
    responses={**WRITE_ERRORS, **problems(428)},
    name="treatment_plans.patch",
)
def patch_plan(
    plan_id: str, body: PlanPatch, actor: CurrentActor, uow: UowDep, if_match: IfMatch
) -> Response:
    """Change content (a new content version needing a new signature) or close the plan."""
    plan = treatment_plans.patch(uow, actor, plan_id, body, if_match=if_match)
    return json_response(plan_read(plan), etag_version=plan.version)


@router.post(
    "/treatment-plans/{plan_id}/sign",
    response_model=PlanRead,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="treatment_plans.sign",
)
def sign_plan(plan_id: str, body: PlanSignRequest, actor: CurrentActor, uow: UowDep) -> Response:
    """The clinician signs (the plan becomes active), or the client's signature is recorded."""
    plan = treatment_plans.sign(uow, actor, plan_id, body)
    return json_response(plan_read(plan), etag_version=plan.version)


@router.post(
    "/treatment-plans/{plan_id}/reviews",
    response_model=PlanRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="treatment_plans.review",
)
def review_plan(plan_id: str, body: PlanReviewWrite, actor: CurrentActor, uow: UowDep) -> Response:
    """Record a plan review; the next review falls due one interval later."""
    plan = treatment_plans.review(uow, actor, plan_id, body)
    return json_response(plan_read(plan), 201, etag_version=plan.version)


@router.get(
    "/treatment-plans/{plan_id}/versions",
    response_model=ListEnvelope[PlanVersionRead],
    responses=READ_ERRORS,
    name="treatment_plans.versions",
)
def plan_versions(plan_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """Every version snapshot of a plan."""
    items = [plan_version_read(v) for v in treatment_plans.versions(uow, actor, plan_id)]
    return list_response(items, page=1, page_size=len(items), total=len(items), next_cursor=None)
