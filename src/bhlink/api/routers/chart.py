"""/patients/{id}/diagnoses, /medications and /allergies: the chart lists, read and write."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, IfMatch, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response
from bhlink.api.routers.patients import parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.chart import (
    AllergyFields,
    AllergyRead,
    AllergyWrite,
    DiagnosisFields,
    DiagnosisRead,
    DiagnosisWrite,
    MedicationFields,
    MedicationRead,
    MedicationWrite,
    allergy_read,
    diagnosis_read,
    medication_read,
)
from bhlink.services import chart

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["chart"]
)
StatusQuery = Annotated[str | None, Query(max_length=20, pattern="^[a-z_]+$")]
UpdatedAfter = Annotated[str | None, Query(alias="updatedAfter", max_length=40)]


def _register(
    collection: str,
    kind: chart.ChartKind,
    write_model: type[BaseModel],
    patch_model: type[BaseModel],
    read_model: type[BaseModel],
    to_read: Callable[[Any], BaseModel],
) -> None:
    tag: list[str | Enum] = ["chart"]
    base = f"/patients/{{patient_id}}/{collection}"
    item = f"{base}/{{entry_id}}"

    def list_entries(
        patient_id: str,
        actor: CurrentActor,
        uow: UowDep,
        box: BoxDep,
        status: StatusQuery = None,
        updated_after: UpdatedAfter = None,
        page_size: listing.PageSize = 50,
        cursor: listing.Cursor = None,
    ) -> Response:
        after = parse_timestamp("updatedAfter", updated_after)
        paging = listing.start(
            box,
            actor.integration_id,
            {collection: [patient_id, status, after]},
            cursor,
            page_size,
        )
        page = chart.page(
            uow,
            actor,
            kind,
            patient_id,
            status=status,
            updated_after=after,
            after_seq=paging.after_seq,
            limit=page_size,
        )
        return listing.respond(box, paging, page, to_read)

    def create_entry(patient_id: str, body: Any, actor: CurrentActor, uow: UowDep) -> Response:
        row, created = chart.create(uow, actor, kind, patient_id, body)
        return json_response(to_read(row), 201 if created else 200, etag_version=row.version)

    def get_entry(patient_id: str, entry_id: str, actor: CurrentActor, uow: UowDep) -> Response:
        row = chart.get(uow, actor, kind, patient_id, entry_id)
        return json_response(to_read(row), etag_version=row.version)

    def patch_entry(
        patient_id: str,
        entry_id: str,
        body: Any,
        actor: CurrentActor,
        uow: UowDep,
        if_match: IfMatch,
    ) -> Response:
        row = chart.patch(uow, actor, kind, patient_id, entry_id, body, if_match)
        return json_response(to_read(row), etag_version=row.version)

    # FastAPI reads the body model from the annotation: give each route its own.
    create_entry.__annotations__["body"] = write_model
    patch_entry.__annotations__["body"] = patch_model
    router.add_api_route(
        base,
        list_entries,
        methods=["GET"],
        response_model=ListEnvelope[read_model],  # type: ignore[valid-type]
        responses=READ_ERRORS,
        name=f"{collection}.list",
        tags=tag,
        summary=f"List a patient's {collection}",
    )
    router.add_api_route(
        base,
        create_entry,
        methods=["POST"],
        response_model=read_model,
        status_code=201,
        responses={200: {"model": read_model, "description": "Updated"}, **WRITE_ERRORS},
        dependencies=[Idempotent],
        name=f"{collection}.create",
        tags=tag,
        summary=f"Add to a patient's {collection} (referenceId updates)",
    )
    router.add_api_route(
        item,
        get_entry,
        methods=["GET"],
        response_model=read_model,
        responses=READ_ERRORS,
        name=f"{collection}.get",
        tags=tag,
        summary=f"Get one of a patient's {collection}",
    )
    router.add_api_route(
        item,
        patch_entry,
        methods=["PATCH"],
        response_model=read_model,
        responses=WRITE_ERRORS,
        name=f"{collection}.patch",
        tags=tag,
        summary=f"Change one of a patient's {collection}",
    )


_register(
    "diagnoses", chart.DIAGNOSES, DiagnosisWrite, DiagnosisFields, DiagnosisRead, diagnosis_read
)
_register(
    "medications",
    chart.MEDICATIONS,
    MedicationWrite,
    MedicationFields,
    MedicationRead,
    medication_read,
)
_register("allergies", chart.ALLERGIES, AllergyWrite, AllergyFields, AllergyRead, allergy_read)
