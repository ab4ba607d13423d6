"""/billing/settings, /payers/{id}/fee-schedule, /payers/{id}/billing-rules and /charges."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response
from bhlink.api.routers.patients import PatientIdQuery, parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.billing import (
    ChargeRead,
    ChargeWrite,
    FeeScheduleRead,
    FeeScheduleWrite,
    PayerRulesRead,
    PayerRulesWrite,
    RevenueSettingsRead,
    RevenueSettingsWrite,
    charge_read,
    fee_schedule_read,
    payer_rules_read,
    settings_read,
)
from bhlink.services import billing_setup, charges
from bhlink.store.queries.billing import ChargeFilter

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["billing"]
)
_ID = r"^[a-z]+_[0-9a-z]+$"


@router.get(
    "/billing/settings",
    response_model=RevenueSettingsRead,
    responses=READ_ERRORS,
    name="billing.settings.get",
)
def get_settings(actor: CurrentActor, uow: UowDep) -> Response:
    """The practice's billing set-up (billing providers, submitter, channels, thresholds)."""
    config = billing_setup.get_settings(uow, actor)
    return json_response(
        settings_read(config.document, billing_setup.public_channels(config), config.version)
    )


@router.put(
    "/billing/settings",
    response_model=RevenueSettingsRead,
    responses=WRITE_ERRORS,
    name="billing.settings.put",
)
def put_settings(
    body: RevenueSettingsWrite, actor: CurrentActor, uow: UowDep, box: BoxDep
) -> Response:
    """Replace the billing set-up (admin); channel passwords are stored encrypted."""
    config = billing_setup.put_settings(uow, actor, body, box)
    return json_response(
        settings_read(config.document, billing_setup.public_channels(config), config.version)
    )


@router.get(
    "/payers/{payer_id}/fee-schedule",
    response_model=FeeScheduleRead,
    responses=READ_ERRORS,
    name="payers.fee_schedule.get",
    tags=["payers"],
)
def get_fee_schedule(payer_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """The payer's rates per code and pricing modifier."""
    rows = billing_setup.get_fee_schedule(uow, actor, payer_id)
    return json_response(fee_schedule_read(payer_id, rows))


@router.put(
    "/payers/{payer_id}/fee-schedule",
    response_model=FeeScheduleRead,
    responses=WRITE_ERRORS,
    name="payers.fee_schedule.put",
    tags=["payers"],
)
def put_fee_schedule(
    payer_id: str, body: FeeScheduleWrite, actor: CurrentActor, uow: UowDep
) -> Response:
    """Replace the payer's fee schedule (admin)."""
    rows = billing_setup.put_fee_schedule(uow, actor, payer_id, body)
    return json_response(fee_schedule_read(payer_id, rows))


@router.get(
    "/payers/{payer_id}/billing-rules",
    response_model=PayerRulesRead,
    responses=READ_ERRORS,
    name="payers.billing_rules.get",
    tags=["payers"],
)
def get_payer_rules(payer_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """What the scrubber enforces for this payer."""
    document, version = billing_setup.get_payer_rules(uow, actor, payer_id)
    return json_response(payer_rules_read(payer_id, document, version))


@router.put(
    "/payers/{payer_id}/billing-rules",
    response_model=PayerRulesRead,
    responses=WRITE_ERRORS,
    name="payers.billing_rules.put",
    tags=["payers"],
)
def put_payer_rules(
    payer_id: str, body: PayerRulesWrite, actor: CurrentActor, uow: UowDep
) -> Response:
    """Replace the payer's billing rules (admin)."""
    document, version = billing_setup.put_payer_rules(uow, actor, payer_id, body)
    return json_response(payer_rules_read(payer_id, document, version))


@router.get(
    "/charges",
    response_model=ListEnvelope[ChargeRead],
    responses=READ_ERRORS,
    name="charges.list",
    tags=["charges"],
)
def list_charges(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    patient_id: PatientIdQuery = None,
    appointment_id: Annotated[
        str | None, Query(alias="appointmentId", min_length=3, max_length=40, pattern=_ID)
    ] = None,
    status: Annotated[str | None, Query(pattern="^(open|billed|void)$")] = None,
    updated_after: Annotated[str | None, Query(alias="updatedAfter", max_length=40)] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Service tickets by patient, appointment, status or `updatedAfter`."""
    flt = ChargeFilter(
        patient_id=patient_id,
        appointment_id=appointment_id,
        status=status,
        updated_after=parse_timestamp("updatedAfter", updated_after),
    )
    paging = listing.start(box, actor.integration_id, {"charges": flt.__dict__}, cursor, page_size)
    page = charges.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(box, paging, page, charge_read)


@router.post(
    "/charges",
    response_model=ChargeRead,
    status_code=201,
    responses={200: {"model": ChargeRead, "description": "Already charged"}, **WRITE_ERRORS},
    dependencies=[Idempotent],
    name="charges.create",
    tags=["charges"],
)
def create_charge(body: ChargeWrite, actor: CurrentActor, uow: UowDep) -> Response:
    """A charge from a completed appointment (appointmentId) or entered directly."""
    charge, created = charges.create(uow, actor, body)
    return json_response(charge_read(charge), 201 if created else 200, etag_version=charge.version)


@router.get(
    "/charges/{charge_id}",
    response_model=ChargeRead,
    responses=READ_ERRORS,
    name="charges.get",
    tags=["charges"],
)
def get_charge(charge_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One charge."""
    charge = charges.get(uow, actor, charge_id)
    return json_response(charge_read(charge), etag_version=charge.version)


@router.post(
    "/charges/{charge_id}/void",
    response_model=ChargeRead,
    responses=WRITE_ERRORS,
    name="charges.void",
    tags=["charges"],
)
def void_charge(charge_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """Void an open charge (its units and amount stop counting)."""
    charge = charges.void(uow, actor, charge_id)
    return json_response(charge_read(charge), etag_version=charge.version)
