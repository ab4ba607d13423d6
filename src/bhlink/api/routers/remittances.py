"""/remittances (835 upload and posting), the exceptions queue, balances, reconciliation, pickup."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import Field, ValidationError
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, SettingsDep, UowDep, bad_query
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response
from bhlink.api.routing import TransactionalRoute
from bhlink.domain.errors import FieldProblem, InvalidInput
from bhlink.schemas.base import ListEnvelope, WriteModel
from bhlink.schemas.claims import (
    BalanceRead,
    ExceptionRead,
    ImportResult,
    ReconciliationReport,
    RemittanceRead,
    RemittanceUpload,
    balance_read,
    exception_read,
    reconciliation_report,
    reconciliation_row,
    remittance_read,
)
from bhlink.services import billing_setup, edi_channels, edi_inbound, remittances
from bhlink.services.access import require_admin
from bhlink.store.queries.remittances import RemittanceFilter

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["remittances"]
)
_ID = r"^[a-z]+_[0-9a-z]+$"
_RAW_TYPES = ("text/plain", "application/edi-x12", "application/edi")


async def upload_body(request: Request) -> tuple[bytes, str | None]:
    """The 835 as raw X12 (text/plain, application/edi-x12) or JSON {content, filename}."""
    body = await request.body()
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in _RAW_TYPES:
        return body, request.headers.get("x-filename")
    try:
        upload = RemittanceUpload.model_validate(orjson.loads(body or b"null"))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise InvalidInput(
            detail="send the 835 as text/plain or application/edi-x12, or JSON {content}",
            errors=[FieldProblem("content", "is required")],
        ) from exc
    return upload.content.encode(), upload.filename


Upload = Annotated[tuple[bytes, str | None], Depends(upload_body)]


def _import_result(outcome: edi_inbound.ImportOutcome) -> ImportResult:
    return ImportResult(
        file_id=outcome.file.id,
        kind=outcome.file.kind,
        duplicate=outcome.duplicate,
        remittances=[remittance_read(r) for r in outcome.remittances],
        claims_updated=outcome.claims_updated,
        exceptions=outcome.exceptions,
    )


@router.post(
    "/remittances",
    response_model=ImportResult,
    status_code=201,
    responses={
        200: {"model": ImportResult, "description": "The same file was applied before"},
        **WRITE_ERRORS,
    },
    dependencies=[Idempotent],
    openapi_extra={
        "requestBody": {
            "content": {
                "application/edi-x12": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
                "application/json": {"schema": RemittanceUpload.model_json_schema()},
            }
        }
    },
    name="remittances.upload",
)
def upload_remittance(upload: Upload, actor: CurrentActor, uow: UowDep) -> Response:
    """Post an 835 (999 and 277CA files are accepted here too); a file posts once."""
    content, filename = upload
    outcome = edi_inbound.import_file(uow, actor, content, filename=filename, source="upload")
    return json_response(_import_result(outcome), 200 if outcome.duplicate else 201)


@router.get(
    "/remittances",
    response_model=ListEnvelope[RemittanceRead],
    responses=READ_ERRORS,
    name="remittances.list",
)
def list_remittances(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    payer_id: Annotated[
        str | None, Query(alias="payerId", min_length=3, max_length=40, pattern=_ID)
    ] = None,
    trace_number: Annotated[str | None, Query(alias="traceNumber", max_length=80)] = None,
    paid_from: Annotated[date | None, Query(alias="from")] = None,
    paid_to: Annotated[date | None, Query(alias="to")] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Posted payments by payer, check/EFT trace number or payment date."""
    flt = RemittanceFilter(
        payer_id=payer_id, trace_number=trace_number, paid_from=paid_from, paid_to=paid_to
    )
    paging = listing.start(
        box, actor.integration_id, {"remittances": flt.__dict__}, cursor, page_size
    )
    page = remittances.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(box, paging, page, remittance_read)


@router.get(
    "/remittances/exceptions",
    response_model=list[ExceptionRead],
    responses=READ_ERRORS,
    name="remittances.exceptions",
)
def list_exceptions(
    actor: CurrentActor,
    uow: UowDep,
    status: Annotated[str | None, Query(pattern="^(open|resolved)$")] = "open",
) -> Response:
    """What could not be posted automatically (unmatched claims or lines, state conflicts)."""
    rows = remittances.exceptions(uow, actor, status)
    body = (
        b"["
        + b",".join(exception_read(r).model_dump_json(by_alias=True).encode() for r in rows)
        + b"]"
    )
    return Response(body, media_type="application/json")


class ExceptionResolution(WriteModel):
    """How an exception was dealt with (kept in the audit trail)."""

    note: Annotated[str, Field(min_length=3, max_length=500)]


@router.post(
    "/remittances/exceptions/{exception_id}/resolve",
    response_model=ExceptionRead,
    responses=WRITE_ERRORS,
    name="remittances.exceptions.resolve",
)
def resolve_exception(
    exception_id: Annotated[int, Path(ge=1)],
    body: ExceptionResolution,
    actor: CurrentActor,
    uow: UowDep,
) -> Response:
    """Close an exceptions-queue item once a person has posted or dismissed it."""
    return json_response(
        exception_read(remittances.resolve_exception(uow, actor, exception_id, body.note))
    )


@router.get(
    "/remittances/{remittance_id}",
    response_model=RemittanceRead,
    responses=READ_ERRORS,
    name="remittances.get",
)
def get_remittance(remittance_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One payment with each claim's adjudication (CARC/RARC described)."""
    row, items = remittances.get(uow, actor, remittance_id)
    return json_response(remittance_read(row, items))


@router.get(
    "/patients/{patient_id}/balance",
    response_model=BalanceRead,
    responses=READ_ERRORS,
    name="patients.balance",
    tags=["patients"],
)
def get_balance(patient_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """Charges, insurance payments, adjustments and what the patient owes."""
    result = remittances.balance(uow, actor, patient_id)
    return json_response(balance_read(patient_id, result))


@router.get(
    "/reports/reconciliation",
    response_model=ReconciliationReport,
    responses={200: {"content": {"text/csv": {}}}, **READ_ERRORS},
    name="reports.reconciliation",
    tags=["reports"],
)
def reconciliation(
    actor: CurrentActor,
    uow: UowDep,
    payer_id: Annotated[
        str | None, Query(alias="payerId", min_length=3, max_length=40, pattern=_ID)
    ] = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    output: Annotated[str, Query(alias="format", pattern="^(json|csv)$")] = "json",
) -> Response:
    """Payments by payer and check/EFT number over a period: paid, adjusted, posted, unmatched."""
    if start is not None and end is not None and end < start:
        raise bad_query("to", "must not be before from")
    lines = remittances.reconciliation(uow, actor, remittances.period_filter(payer_id, start, end))
    rows = [reconciliation_row(line) for line in lines]
    report = reconciliation_report(payer_id, start, end, rows)
    if output == "csv":
        data = [row.model_dump(mode="json", by_alias=True) for row in rows]
        totals = {
            "remittanceId": "TOTAL",
            **report.model_dump(mode="json", by_alias=True)["totals"],
        }
        return Response(
            remittances.reconciliation_csv([*data, totals]),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="reconciliation.csv"'},
        )
    return json_response(report)


class PickupRequest(WriteModel):
    """POST /edi/pickup: which channel's inbound files to apply."""

    channel: str = "outbox"


@router.post(
    "/edi/pickup",
    responses=WRITE_ERRORS,
    name="edi.pickup",
    tags=["remittances"],
)
def pickup(
    body: PickupRequest,
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    settings: SettingsDep,
    request: Request,
) -> Response:
    """Apply the 999/277CA/835 files waiting in a channel's inbound folder (admin)."""
    require_admin(actor)
    config = billing_setup.load_config(uow, actor.integration_id)
    if body.channel not in config.channels:
        raise InvalidInput(
            detail="unknown channel", errors=[FieldProblem("channel", "names no channel")]
        )
    channel = edi_channels.open_channel(
        body.channel,
        config.channels[body.channel],
        integration_id=actor.integration_id,
        outbox_root=settings.edi_outbox,
        inbox_root=settings.edi_inbox,
        box=box,
    )
    uow.commit()
    results = edi_inbound.pickup(request.app.state.db, actor, channel)
    return Response(
        orjson.dumps(
            [
                {
                    "name": r.name,
                    "ok": r.ok,
                    "kind": r.kind,
                    "duplicate": r.duplicate,
                    "message": r.message,
                }
                for r in results
            ]
        ),
        media_type="application/json",
    )
