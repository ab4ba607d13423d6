"""Charges (service tickets): from completed appointments or entered directly, priced and unitised.

Units come from the service time by the CPT time rules (domain.billing.units_for_service,
with the payer's part-unit rounding); the amount is units x the payer's fee schedule rate
unless the caller gives one. A charge draws on the patient's authorization for its payer and
code; billing beyond what is left is refused with 409 unless overridden (audited).

`create_charge_from_appointment` is the seam for documentation-to-billing: when the
`requireSignedNote` setting is on (possible only once the notes module registered its check
with billing_setup.register_signed_note_check) the appointment's note must be signed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from bhlink.domain.billing import BillingError, charge_amount, units_for_service
from bhlink.domain.codes import (
    TELEHEALTH_PLACES_OF_SERVICE,
    normalize_icd10,
    validate_diagnosis_code,
)
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.domain.scheduling import AppointmentStatus, duration_minutes
from bhlink.schemas.billing import AuthorizationOverride, ChargeWrite
from bhlink.services import audit, authorizations, billing_setup, outbox
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import stamp_new, stamp_update
from bhlink.store.queries.billing import ChargeFilter
from bhlink.store.queries.paging import Page
from bhlink.store.tables import Appointment, Charge, LedgerEntry, Location, Payer, Provider
from bhlink.store.unit_of_work import UniqueViolation, UnitOfWork


def local_date(uow: UnitOfWork, integration_id: str, appt: Appointment) -> date:
    """The appointment's day in the practice's time zone (the date of service)."""
    integration = uow.tenancy.integration(integration_id)
    zone = ZoneInfo(integration.timezone) if integration else None
    return appt.start_time.astimezone(zone).date() if zone else appt.start_time.date()


def _price(
    uow: UnitOfWork,
    integration_id: str,
    payer_id: str | None,
    code: str,
    modifiers: list[str],
    units: int,
    given: Decimal | None,
    field_name: str,
) -> int:
    if given is not None:
        return int(given * 100)
    if payer_id is not None:
        rate = billing_setup.fee_schedule_of(uow, integration_id, payer_id).rate_for(
            payer_id, code, modifiers
        )
        if rate is not None:
            return int(charge_amount(units, rate) * 100)
    raise InvalidInput(
        detail="no fee schedule rate applies; give chargeAmount",
        errors=[
            FieldProblem(field_name, "the payer's fee schedule has no rate for this service code")
        ],
    )


def _units(
    uow: UnitOfWork, integration_id: str, payer_id: str | None, code: str, minutes: int
) -> int:
    rounding = billing_setup.unit_rounding_of(uow, integration_id, payer_id)
    try:
        units = units_for_service(code, minutes, rounding)
    except BillingError as exc:
        raise InvalidInput(
            detail="the service time does not support this service code",
            errors=[FieldProblem("minutes", p.message) for p in exc.problems],
        ) from exc
    if units < 1:
        raise InvalidInput(
            detail="the service time is too short to bill a unit",
            errors=[FieldProblem("minutes", "is under the first unit of this code")],
        )
    return units


def _telehealth_modifiers(
    uow: UnitOfWork, integration_id: str, payer_id: str | None, telehealth: bool
) -> list[str]:
    """The payer's telehealth modifier for a telehealth service (none for others)."""
    if not telehealth or payer_id is None:
        return []
    payer = uow.practice.get(Payer, integration_id, payer_id)
    modifier = (payer.telehealth_policy or {}).get("modifier") if payer else None
    return [str(modifier)] if modifier else []


def _diagnoses(codes: list[str] | None) -> list[str]:
    if not codes:
        return []
    problems: list[FieldProblem] = []
    result: list[str] = []
    for index, code in enumerate(codes):
        found = validate_diagnosis_code(code, f"diagnosisCodes[{index}]")
        problems += [FieldProblem(p.field, p.message) for p in found]
        if not found:
            result.append(normalize_icd10(code))
    if problems:
        raise InvalidInput(detail="invalid diagnosis codes", errors=problems)
    return result


def _save(
    uow: UnitOfWork,
    actor: Actor,
    charge: Charge,
    override: AuthorizationOverride | None,
    *,
    exclude_appointment: str | None,
) -> Charge:
    found = authorizations.coverage(
        uow,
        actor.integration_id,
        patient_id=charge.patient_id,
        payer_id=charge.payer_id,
        service_code=charge.service_code,
        on=charge.service_date,
        units=charge.units,
        authorization_id=charge.authorization_id,
        exclude_appointment=exclude_appointment,
        count_scheduled=False,
    )
    authorizations.refuse_or_override(
        uow,
        actor,
        found,
        override,
        action="charge",
        resource_type="charge",
        resource_id=charge.id,
        patient_id=charge.patient_id,
    )
    if found.authorization is not None:
        charge.authorization_id = found.authorization.id
    seq, at = stamp_new(uow, charge)
    uow.add(charge)
    uow.add(
        LedgerEntry(
            integration_id=actor.integration_id,
            patient_id=charge.patient_id,
            payer_id=charge.payer_id,
            charge_id=charge.id,
            kind="charge",
            amount_cents=charge.charge_cents,
            posted_at=at,
        )
    )
    try:
        uow.flush()
    except UniqueViolation as exc:
        raise Conflict(
            detail="another charge has this referenceId",
            errors=[FieldProblem("referenceId", "already used")],
            code="duplicate_reference",
        ) from exc
    audit.record(
        uow,
        actor,
        "charge.created",
        resource_type="charge",
        resource_id=charge.id,
        patient_id=charge.patient_id,
    )
    outbox.emit(
        uow,
        actor,
        "charge.created",
        "charge",
        charge.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["*"],
    )
    if charge.authorization_id is not None:
        row = uow.billing.authorization(actor.integration_id, charge.authorization_id)
        if row is not None:
            authorizations.refresh_alerts(uow, actor, row)
    return charge


def create_charge_from_appointment(
    uow: UnitOfWork,
    actor: Actor,
    appointment_id: str,
    body: ChargeWrite | None = None,
    *,
    source: str = "appointment",
) -> tuple[Charge, bool]:
    """A charge for a completed appointment (the existing one if it was already charged).

    Duration gives the units; the patient's coverage on the day gives the payer; the
    appointment gives code, POS, diagnoses and rendering provider (the body may override
    modifiers, units, POS, amount and the authorization).
    """
    require(actor, Entitlement.CLAIMS, write=True)
    body = body or ChargeWrite()
    appt = uow.appointments.get(actor.integration_id, appointment_id)
    if appt is None:
        raise InvalidInput(
            detail="unknown appointment",
            errors=[FieldProblem("appointmentId", "no such appointment in this integration")],
        )
    if appt.patient_id is None:
        raise InvalidInput(
            detail="group sessions are charged per attendee with patientId",
            errors=[
                FieldProblem("appointmentId", "is a group session; send one charge per patient")
            ],
        )
    ensure_patient_visible(uow, actor, appt.patient_id)
    existing = uow.billing.appointment_charges(actor.integration_id, appt.id)
    if existing:
        return existing[0], False
    if appt.status != AppointmentStatus.COMPLETED.value:
        raise Conflict(
            detail="only completed appointments are billed",
            errors=[FieldProblem("appointmentId", f"the appointment is {appt.status}")],
            code="appointment_not_completed",
        )
    config = billing_setup.load_config(uow, actor.integration_id)
    check = billing_setup.signed_note_check()
    if (
        config.require_signed_note
        and check is not None
        and not check(uow, actor.integration_id, appt.id)
    ):
        raise Conflict(
            detail="the appointment's note must be signed before it is billed",
            errors=[FieldProblem("appointmentId", "has no signed note")],
            code="note_not_signed",
        )
    code = body.service_code or appt.service_code
    if not code:
        raise InvalidInput(
            detail="the appointment has no service code",
            errors=[FieldProblem("serviceCode", "is required (the appointment has none)")],
        )
    code = code.upper()
    service_date = local_date(uow, actor.integration_id, appt)
    payer_id = body.payer_id or authorizations.patient_payer(
        uow, actor.integration_id, appt.patient_id, service_date
    )
    minutes = duration_minutes(appt.start_time, appt.end_time)
    units = body.units or _units(uow, actor.integration_id, payer_id, code, minutes)
    pos = body.place_of_service or appt.place_of_service
    if pos is None and appt.location_id is not None:
        location = uow.practice.get(Location, actor.integration_id, appt.location_id)
        pos = location.default_place_of_service if location else None
    pos = pos or "11"
    telehealth = appt.telehealth_enabled or pos in TELEHEALTH_PLACES_OF_SERVICE
    modifiers = (
        [m.upper() for m in body.modifiers]
        if body.modifiers is not None
        else _telehealth_modifiers(uow, actor.integration_id, payer_id, telehealth)
    )
    charge = Charge(
        id=new_id("svc"),
        integration_id=actor.integration_id,
        patient_id=appt.patient_id,
        payer_id=payer_id,
        provider_id=appt.provider_id,
        appointment_id=appt.id,
        authorization_id=body.authorization_id or appt.authorization_id,
        location_id=appt.location_id,
        service_code=code,
        modifiers=modifiers,
        units=units,
        minutes=minutes,
        place_of_service=pos,
        diagnosis_codes=_diagnoses(body.diagnosis_codes) or list(appt.diagnosis_codes or []),
        service_date=service_date,
        charge_cents=_price(
            uow,
            actor.integration_id,
            payer_id,
            code,
            modifiers,
            units,
            body.charge_amount,
            "chargeAmount",
        ),
        status="open",
        source=source,
        reference_id=body.reference_id,
    )
    return _save(uow, actor, charge, body.authorization_override, exclude_appointment=appt.id), True


def create(uow: UnitOfWork, actor: Actor, body: ChargeWrite) -> tuple[Charge, bool]:
    """POST /charges: from an appointment, or entered directly with every field."""
    require(actor, Entitlement.CLAIMS, write=True)
    if body.reference_id is not None:
        existing = uow.billing.charge_by_reference(actor.integration_id, body.reference_id)
        if existing is not None:
            return existing, False
    if body.appointment_id is not None:
        return create_charge_from_appointment(uow, actor, body.appointment_id, body)
    problems = [
        FieldProblem(name, "is required for a charge without appointmentId")
        for name, value in (
            ("patientId", body.patient_id),
            ("providerId", body.provider_id),
            ("serviceCode", body.service_code),
            ("serviceDate", body.service_date),
        )
        if value is None
    ]
    if body.units is None and body.minutes is None:
        problems.append(FieldProblem("minutes", "give minutes (or units) of service"))
    if problems:
        raise InvalidInput(detail="the charge is incomplete", errors=problems)
    assert body.patient_id and body.provider_id and body.service_code and body.service_date
    if uow.patients.get(actor.integration_id, body.patient_id, with_children=False) is None:
        raise InvalidInput(
            detail="unknown patient",
            errors=[FieldProblem("patientId", "no such patient in this integration")],
        )
    ensure_patient_visible(uow, actor, body.patient_id)
    if uow.practice.get(Provider, actor.integration_id, body.provider_id) is None:
        raise InvalidInput(
            detail="unknown provider",
            errors=[FieldProblem("providerId", "no such provider in this integration")],
        )
    payer_id = body.payer_id or authorizations.patient_payer(
        uow, actor.integration_id, body.patient_id, body.service_date
    )
    if payer_id is not None and uow.practice.get(Payer, actor.integration_id, payer_id) is None:
        raise InvalidInput(
            detail="unknown payer",
            errors=[FieldProblem("payerId", "no such payer in this integration")],
        )
    code = body.service_code.upper()
    units = body.units or _units(uow, actor.integration_id, payer_id, code, body.minutes or 0)
    modifiers = [m.upper() for m in body.modifiers or []]
    charge = Charge(
        id=new_id("svc"),
        integration_id=actor.integration_id,
        patient_id=body.patient_id,
        payer_id=payer_id,
        provider_id=body.provider_id,
        authorization_id=body.authorization_id,
        service_code=code,
        modifiers=modifiers,
        units=units,
        minutes=body.minutes,
        place_of_service=body.place_of_service or "11",
        diagnosis_codes=_diagnoses(body.diagnosis_codes),
        service_date=body.service_date,
        charge_cents=_price(
            uow,
            actor.integration_id,
            payer_id,
            code,
            modifiers,
            units,
            body.charge_amount,
            "chargeAmount",
        ),
        status="open",
        source="api",
        reference_id=body.reference_id,
    )
    return _save(uow, actor, charge, body.authorization_override, exclude_appointment=None), True


def void(uow: UnitOfWork, actor: Actor, charge_id: str) -> Charge:
    """POST /charges/{id}/void: an open charge stops counting (units and money)."""
    require(actor, Entitlement.CLAIMS, write=True)
    charge = uow.billing.charge(actor.integration_id, charge_id)
    if charge is None:
        raise not_found("charge")
    ensure_patient_visible(uow, actor, charge.patient_id)
    if charge.status == "void":
        return charge
    if charge.status != "open":
        raise Conflict(
            detail="a billed charge is changed through its claim (void or correct the claim)",
            errors=[FieldProblem("status", f"is {charge.status}")],
            code="charge_billed",
        )
    mark_void(uow, actor, charge)
    return charge


def mark_void(uow: UnitOfWork, actor: Actor, charge: Charge) -> None:
    """Void a charge and reverse its ledger entry (also used when a claim is voided)."""
    charge.status = "void"
    seq, at = stamp_update(uow, charge)
    uow.add(
        LedgerEntry(
            integration_id=actor.integration_id,
            patient_id=charge.patient_id,
            payer_id=charge.payer_id,
            charge_id=charge.id,
            claim_id=charge.claim_id,
            kind="charge",
            category="void",
            amount_cents=-charge.charge_cents,
            posted_at=at,
        )
    )
    audit.record(
        uow,
        actor,
        "charge.voided",
        resource_type="charge",
        resource_id=charge.id,
        patient_id=charge.patient_id,
    )
    outbox.emit(
        uow,
        actor,
        "charge.voided",
        "charge",
        charge.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["status"],
    )
    authorizations.refresh_for_patient(uow, actor, charge.patient_id)


def get(uow: UnitOfWork, actor: Actor, charge_id: str) -> Charge:
    """GET /charges/{id} (audited)."""
    require(actor, Entitlement.CLAIMS)
    charge = uow.billing.charge(actor.integration_id, charge_id)
    if charge is None:
        raise not_found("charge")
    ensure_patient_visible(uow, actor, charge.patient_id)
    audit.record(
        uow,
        actor,
        "charge.read",
        resource_type="charge",
        resource_id=charge.id,
        patient_id=charge.patient_id,
    )
    return charge


def page(
    uow: UnitOfWork, actor: Actor, flt: ChargeFilter, *, after_seq: int | None, limit: int
) -> Page[Charge]:
    """GET /charges (audited)."""
    require(actor, Entitlement.CLAIMS)
    if flt.patient_id is not None:
        ensure_patient_visible(uow, actor, flt.patient_id)
    result = uow.billing.charge_page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record_many(
        uow, actor, "charge.read", "charge", [(c.id, c.patient_id) for c in result.rows]
    )
    return result
