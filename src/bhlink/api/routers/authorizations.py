"""/authorizations: payer approvals with counted units used, scheduled and remaining."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response, list_response
from bhlink.api.routers.patients import PatientIdQuery, parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.billing import AuthorizationRead, AuthorizationWrite, authorization_read
from bhlink.services import authorizations
from bhlink.services.paging import CursorState, encode_cursor
from bhlink.store.queries.billing import AuthorizationFilter

router = APIRouter(
    prefix="/integrations/{integration_id}",
    route_class=TransactionalRoute,
    tags=["authorizations"],
)
_ID = r"^[a-z]+_[0-9a-z]+$"


@router.get(
    "/authorizations",
    response_model=ListEnvelope[AuthorizationRead],
    responses=READ_ERRORS,
    name="authorizations.list",
)
def list_authorizations(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    patient_id: PatientIdQuery = None,
    payer_id: Annotated[
        str | None, Query(alias="payerId", min_length=3, max_length=40, pattern=_ID)
    ] = None,
    status: Annotated[
        str | None, Query(pattern="^(active|pending|denied|expired|cancelled)$")
    ] = None,
    active_on: Annotated[date | None, Query(alias="activeOn")] = None,
    updated_after: Annotated[str | None, Query(alias="updatedAfter", max_length=40)] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Authorizations (seeds 002/004) by patient, payer, status, `activeOn` or `updatedAfter`."""
    flt = AuthorizationFilter(
        patient_id=patient_id,
        payer_id=payer_id,
        status=status,
        active_on=active_on,
        updated_after=parse_timestamp("updatedAfter", updated_after),
    )
    paging = listing.start(
        box, actor.integration_id, {"authorizations": flt.__dict__}, cursor, page_size
    )
    page, views = authorizations.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    next_cursor = None
    if page.has_more and page.rows:
        next_cursor = encode_cursor(
            box,
            CursorState(after_seq=page.rows[-1].change_seq, page=paging.page + 1),
            paging.fingerprint,
        )
    return list_response(
        [authorization_read(v) for v in views],
        page=paging.page,
        page_size=page_size,
        total=page.total,
        next_cursor=next_cursor,
    )


@router.post(
    "/authorizations",
    response_model=AuthorizationRead,
    status_code=201,
    responses={200: {"model": AuthorizationRead, "description": "Updated"}, **WRITE_ERRORS},
    dependencies=[Idempotent],
    name="authorizations.upsert",
)
def upsert_authorization(body: AuthorizationWrite, actor: CurrentActor, uow: UowDep) -> Response:
    """Create or update an authorization (by authorizationId or referenceId)."""
    view, created = authorizations.upsert(uow, actor, body)
    return json_response(
        authorization_read(view), 201 if created else 200, etag_version=view.row.version
    )


@router.get(
    "/authorizations/{authorization_id}",
    response_model=AuthorizationRead,
    responses=READ_ERRORS,
    name="authorizations.get",
)
def get_authorization(authorization_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One authorization with units used, scheduled, remaining and available, and its alerts."""
    view = authorizations.get(uow, actor, authorization_id)
    return json_response(authorization_read(view), etag_version=view.row.version)


@router.put(
    "/authorizations/{authorization_id}",
    response_model=AuthorizationRead,
    responses=WRITE_ERRORS,
    name="authorizations.put",
)
def put_authorization(
    authorization_id: str, body: AuthorizationWrite, actor: CurrentActor, uow: UowDep
) -> Response:
    """Replace an authorization's fields (units, dates, codes, status)."""
    view, _ = authorizations.upsert(uow, actor, body, authorization_id)
    return json_response(authorization_read(view), etag_version=view.row.version)
