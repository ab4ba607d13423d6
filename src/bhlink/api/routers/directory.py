"""/providers, /locations and /payers: the practice directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response
from bhlink.api.routers.patients import parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.directory import (
    LocationRead,
    LocationWrite,
    PayerRead,
    PayerWrite,
    ProviderRead,
    ProviderWrite,
    location_read,
    payer_read,
    provider_read,
)
from bhlink.services import directory

router = APIRouter(prefix="/integrations/{integration_id}", route_class=TransactionalRoute)

UpdatedAfter = Annotated[
    str | None, Query(alias="updatedAfter", max_length=40, description="ISO 8601 timestamp")
]
StatusQuery = Annotated[str | None, Query(pattern="^(active|inactive)$")]


def _routes(
    collection: str,
    id_name: str,
    kind: str,
    write_schema: type[BaseModel],
    read_schema: type[BaseModel],
    to_read: Callable[[Any], BaseModel],
    upsert: Callable[..., tuple[Any, bool]],
) -> None:
    def list_records(
        actor: CurrentActor,
        uow: UowDep,
        box: BoxDep,
        updated_after: UpdatedAfter = None,
        status: StatusQuery = None,
        page_size: listing.PageSize = 50,
        cursor: listing.Cursor = None,
    ) -> Response:
        after = parse_timestamp("updatedAfter", updated_after)
        paging = listing.start(
            box, actor.integration_id, {collection: [after, status]}, cursor, page_size
        )
        page = directory.page(
            uow,
            actor,
            kind,
            updated_after=after,
            after_seq=paging.after_seq,
            limit=page_size,
            status=status,
        )
        return listing.respond(box, paging, page, to_read)

    def get_record(record_id: str, actor: CurrentActor, uow: UowDep) -> Response:
        record = directory.get(uow, actor, kind, record_id)
        return json_response(to_read(record), etag_version=record.version)

    def create_record(body: BaseModel, actor: CurrentActor, uow: UowDep) -> Response:
        record, created = upsert(uow, actor, body)
        return json_response(to_read(record), 201 if created else 200, etag_version=record.version)

    def put_record(record_id: str, body: BaseModel, actor: CurrentActor, uow: UowDep) -> Response:
        record, _ = upsert(uow, actor, body, record_id)
        return json_response(to_read(record), etag_version=record.version)

    # FastAPI reads the body schema from the annotation: give each collection its own.
    create_record.__annotations__["body"] = write_schema
    put_record.__annotations__["body"] = write_schema
    tags: list[str | Any] = [collection]
    router.add_api_route(
        f"/{collection}",
        list_records,
        methods=["GET"],
        response_model=ListEnvelope[read_schema],  # type: ignore[valid-type]
        responses=READ_ERRORS,
        name=f"{collection}.list",
        tags=tags,
    )
    router.add_api_route(
        f"/{collection}",
        create_record,
        methods=["POST"],
        status_code=201,
        response_model=read_schema,
        responses={200: {"model": read_schema, "description": "Updated"}, **WRITE_ERRORS},
        name=f"{collection}.upsert",
        dependencies=[Idempotent],
        tags=tags,
    )
    router.add_api_route(
        f"/{collection}/{{record_id}}",
        get_record,
        methods=["GET"],
        response_model=read_schema,
        responses=READ_ERRORS,
        name=f"{collection}.get",
        tags=tags,
    )
    router.add_api_route(
        f"/{collection}/{{record_id}}",
        put_record,
        methods=["PUT"],
        response_model=read_schema,
        responses=WRITE_ERRORS,
        name=f"{collection}.put",
        tags=tags,
    )
    _ = id_name


_routes(
    "providers",
    "providerId",
    "provider",
    ProviderWrite,
    ProviderRead,
    provider_read,
    directory.upsert_provider,
)
_routes(
    "locations",
    "locationId",
    "location",
    LocationWrite,
    LocationRead,
    location_read,
    directory.upsert_location,
)
_routes("payers", "payerId", "payer", PayerWrite, PayerRead, payer_read, directory.upsert_payer)
