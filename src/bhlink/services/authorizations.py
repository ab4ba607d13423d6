"""Prior authorizations: records, counted usage, coverage checks for booking and billing, alerts.

Used units are the units of live charges drawn on an authorization; scheduled units are
those of open appointments that will draw on it (store/queries/billing.py says which).
Neither is ever typed in. Booking or billing beyond what is left, outside the dates or for
a code the authorization does not cover is refused with 409 unless the request carries
`authorizationOverride: {reason}`, which is audited.

Alerts: exhausted (nothing left to book), low_units (at or under the configured fraction)
and expiring (end date within the configured days) are each raised once per condition and
recorded in `authorization_alerts`, with the event `authorization.exhausted` or (for low
units and an end date near) `authorization.expiring`; they are resolved when the condition
clears (units added, dates extended); each alert also opens a task for the billing team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from bhlink.domain.authorizations import (
    AlertThresholds,
    ProposedService,
    UnitBalance,
    check_service,
    evaluate_alerts,
    make_authorization,
)
from bhlink.domain.authorizations import Authorization as AuthorizationRule
from bhlink.domain.billing import BillingError, units_for_service
from bhlink.domain.clock import utcnow
from bhlink.domain.codes import Problem
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.domain.scheduling import duration_minutes
from bhlink.schemas.billing import AuthorizationOverride, AuthorizationWrite
from bhlink.services import audit, billing_setup, outbox, tasks
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import apply_changes, flush_unique_reference, stamp_new, stamp_update
from bhlink.store.queries.billing import AuthorizationFilter
from bhlink.store.queries.paging import Page
from bhlink.store.tables import Appointment, Authorization, AuthorizationAlert, Payer
from bhlink.store.unit_of_work import UnitOfWork

ALERT_KINDS = ("exhausted", "low_units", "expiring")


@dataclass(frozen=True)
class AuthorizationView:
    """An authorization with its counted balance and alerts (what the API returns)."""

    row: Authorization
    balance: UnitBalance
    alerts: list[AuthorizationAlert]


def rule_of(row: Authorization) -> AuthorizationRule:
    """The domain rule for a stored authorization."""
    return make_authorization(
        row.service_codes, row.units_authorized, row.start_date, row.end_date, row.status, row.id
    )


def appointment_units(uow: UnitOfWork, integration_id: str, appt: Appointment) -> int:
    """Units an appointment will bill: its duration under the CPT time rules (at least 1)."""
    if not appt.service_code:
        return 1
    payer_id = _patient_payer(uow, integration_id, appt.patient_id, appt.start_time.date())
    rounding = billing_setup.unit_rounding_of(uow, integration_id, payer_id)
    try:
        units = units_for_service(
            appt.service_code, duration_minutes(appt.start_time, appt.end_time), rounding
        )
    except BillingError:
        return 1
    return max(units, 1)


def balance_of(
    uow: UnitOfWork, integration_id: str, row: Authorization, *, exclude_appointment: str | None
) -> UnitBalance:
    """Units authorized, used (charged) and scheduled (open appointments), counted now."""
    used = uow.billing.used_units([row.id]).get(row.id, 0)
    scheduled = sum(
        appointment_units(uow, integration_id, appt)
        for appt in uow.billing.scheduled_appointments(
            integration_id, row, exclude_id=exclude_appointment
        )
    )
    return UnitBalance(row.units_authorized, used, scheduled)


def _patient_payer(
    uow: UnitOfWork, integration_id: str, patient_id: str | None, on: date
) -> str | None:
    """The payer of the patient's first coverage in effect on a day."""
    if patient_id is None:
        return None
    patient = uow.patients.get(integration_id, patient_id)
    if patient is None:
        return None
    for policy in patient.insurance:
        if (policy.effective_start is None or policy.effective_start <= on) and (
            policy.effective_end is None or policy.effective_end >= on
        ):
            return policy.payer_id
    return None


def patient_payer(uow: UnitOfWork, integration_id: str, patient_id: str, on: date) -> str | None:
    """Public form of the coverage lookup (charges and claims use it)."""
    return _patient_payer(uow, integration_id, patient_id, on)


# --- coverage checks ----------------------------------------------------------------------------


def _problems_for(
    uow: UnitOfWork,
    integration_id: str,
    row: Authorization,
    code: str,
    on: date,
    units: int,
    *,
    exclude_appointment: str | None,
    count_scheduled: bool,
    already_counted: int = 0,
) -> list[Problem]:
    balance = balance_of(uow, integration_id, row, exclude_appointment=exclude_appointment)
    return check_service(
        rule_of(row),
        ProposedService(code, on, units),
        max(balance.used - already_counted, 0),
        balance.scheduled,
        count_scheduled=count_scheduled,
    )


@dataclass(frozen=True)
class Coverage:
    """Which authorization a service draws on, and why it is not covered (if it is not)."""

    authorization: Authorization | None
    problems: list[Problem]

    @property
    def covered(self) -> bool:
        """True when no authorization applies or the applicable one covers the service."""
        return not self.problems


def coverage(
    uow: UnitOfWork,
    integration_id: str,
    *,
    patient_id: str,
    payer_id: str | None,
    service_code: str,
    on: date,
    units: int,
    authorization_id: str | None,
    exclude_appointment: str | None,
    count_scheduled: bool,
    already_counted: int = 0,
) -> Coverage:
    """Find the authorization a service draws on and check it.

    A named authorization is always checked. Otherwise the patient's active authorizations
    for the payer and code apply: the first that covers the service wins; when none does,
    the one whose dates include the day (else the first) explains why. No authorization for
    the code means nothing to check. `already_counted` is how many of the used units are the
    service itself (a charge being put on a claim), so they are not counted twice.
    """
    if authorization_id is not None:
        row = uow.billing.authorization(integration_id, authorization_id)
        if row is None or row.patient_id != patient_id:
            raise InvalidInput(
                detail="unknown authorization",
                errors=[FieldProblem("authorizationId", "no such authorization for this patient")],
            )
        problems = _problems_for(
            uow,
            integration_id,
            row,
            service_code,
            on,
            units,
            exclude_appointment=exclude_appointment,
            count_scheduled=count_scheduled,
            already_counted=already_counted,
        )
        return Coverage(row, problems)
    code = service_code.strip().upper()
    candidates = [
        row
        for row in uow.billing.patient_authorizations(integration_id, patient_id)
        if code in row.service_codes and (payer_id is None or row.payer_id == payer_id)
    ]
    if not candidates:
        return Coverage(None, [])
    checked: list[tuple[Authorization, list[Problem]]] = []
    for row in candidates:
        problems = _problems_for(
            uow,
            integration_id,
            row,
            code,
            on,
            units,
            exclude_appointment=exclude_appointment,
            count_scheduled=count_scheduled,
            already_counted=already_counted,
        )
        if not problems:
            return Coverage(row, [])
        checked.append((row, problems))
    in_range = [item for item in checked if item[0].start_date <= on <= item[0].end_date]
    best, problems = (in_range or checked)[0]
    return Coverage(best, problems)


def refuse_or_override(
    uow: UnitOfWork,
    actor: Actor,
    found: Coverage,
    override: AuthorizationOverride | None,
    *,
    action: str,
    resource_type: str,
    resource_id: str | None,
    patient_id: str,
    field_prefix: str = "",
) -> None:
    """409 naming every problem, unless overridden (then the override is audited)."""
    if found.covered:
        return
    if override is None:
        raise Conflict(
            detail=(
                f"the authorization does not cover this {action}; send "
                "authorizationOverride: {reason} to go ahead anyway"
            ),
            errors=[FieldProblem(field_prefix + p.field, p.message) for p in found.problems],
            code="authorization_not_covered",
        )
    audit.record(
        uow,
        actor,
        "authorization.override",
        resource_type=resource_type,
        resource_id=resource_id,
        patient_id=patient_id,
        detail={
            "authorizationId": found.authorization.id if found.authorization else None,
            "action": action,
            "problems": sorted({p.code for p in found.problems}),
            "reason": override.reason,
        },
    )


def check_appointment(
    uow: UnitOfWork, actor: Actor, appt: Appointment, override: AuthorizationOverride | None
) -> None:
    """The scheduling hook: refuse booking beyond the authorization (409) unless overridden.

    Applies to individual appointments with a service code when the appointment names an
    authorization or the patient has an active one for the payer and code.
    """
    if appt.patient_id is None or not appt.service_code or appt.is_group:
        return
    on = appt.start_time.date()
    found = coverage(
        uow,
        actor.integration_id,
        patient_id=appt.patient_id,
        payer_id=_patient_payer(uow, actor.integration_id, appt.patient_id, on),
        service_code=appt.service_code,
        on=on,
        units=appointment_units(uow, actor.integration_id, appt),
        authorization_id=appt.authorization_id,
        exclude_appointment=appt.id,
        count_scheduled=True,
    )
    refuse_or_override(
        uow,
        actor,
        found,
        override,
        action="appointment",
        resource_type="appointment",
        resource_id=appt.id,
        patient_id=appt.patient_id,
    )


def refresh_for_patient(uow: UnitOfWork, actor: Actor, patient_id: str | None) -> None:
    """Re-evaluate the alerts of a patient's active authorizations after a change in usage."""
    if patient_id is None:
        return
    for row in uow.billing.patient_authorizations(actor.integration_id, patient_id):
        refresh_alerts(uow, actor, row)


# --- alerts -------------------------------------------------------------------------------------


def refresh_alerts(uow: UnitOfWork, actor: Actor, row: Authorization) -> None:
    """Raise newly true alerts once (event + row), resolve those no longer true."""
    if row.status != "active":
        return
    config = billing_setup.load_config(uow, actor.integration_id)
    balance = balance_of(uow, actor.integration_id, row, exclude_appointment=None)
    alerts = evaluate_alerts(
        rule_of(row),
        utcnow().date(),
        balance.used,
        balance.scheduled,
        AlertThresholds(config.alert_fraction, config.expiring_days),
    )
    state = {
        "exhausted": alerts.exhausted,
        "low_units": alerts.low_units,
        "expiring": alerts.expiring or alerts.expired,
    }
    for kind in ALERT_KINDS:
        current = uow.billing.open_alert(row.id, kind)
        if state[kind] and current is None:
            _raise_alert(uow, actor, row, kind, balance)
        elif not state[kind] and current is not None:
            current.resolved_at = utcnow()


def _raise_alert(
    uow: UnitOfWork, actor: Actor, row: Authorization, kind: str, balance: UnitBalance
) -> None:
    now = utcnow()
    uow.add(
        AuthorizationAlert(
            integration_id=actor.integration_id,
            authorization_id=row.id,
            kind=kind,
            raised_at=now,
            units_available=balance.available,
            detail={"endDate": row.end_date.isoformat(), "unitsAuthorized": row.units_authorized},
        )
    )
    # The billing team's work queue: renew the authorization or stop booking against it.
    tasks.create_task(
        uow,
        actor,
        f"authorization_{kind}",
        row.patient_id,
        None,
        datetime.combine(row.end_date, datetime.min.time(), tzinfo=UTC),
        f"{row.id}:{kind}:{now.isoformat()}",
        resource_type="authorization",
        resource_id=row.id,
    )
    seq, at = uow.next_change(actor.integration_id, now)
    # The event catalogue has exhausted and expiring ("close to its end date or units").
    event = "authorization.exhausted" if kind == "exhausted" else "authorization.expiring"
    outbox.emit(
        uow,
        actor,
        event,
        "authorization",
        row.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["unitsAvailable"] if kind != "expiring" else ["endDate"],
    )
    audit.record(
        uow,
        actor,
        f"authorization.{kind}",
        resource_type="authorization",
        resource_id=row.id,
        patient_id=row.patient_id,
        detail={"unitsAvailable": balance.available},
    )


# --- records ------------------------------------------------------------------------------------


def _view(uow: UnitOfWork, actor: Actor, row: Authorization) -> AuthorizationView:
    return AuthorizationView(
        row=row,
        balance=balance_of(uow, actor.integration_id, row, exclude_appointment=None),
        alerts=uow.billing.alerts(actor.integration_id, row.id),
    )


def upsert(
    uow: UnitOfWork, actor: Actor, body: AuthorizationWrite, authorization_id: str | None = None
) -> tuple[AuthorizationView, bool]:
    """POST /authorizations: create, or update the one named by id or referenceId."""
    require(actor, Entitlement.AUTHORIZATIONS, write=True)
    wanted = authorization_id or body.authorization_id
    existing: Authorization | None = None
    if wanted is not None:
        existing = uow.billing.authorization(actor.integration_id, wanted)
        if existing is None:
            raise not_found("authorization")
    elif body.reference_id is not None:
        existing = uow.billing.authorization_by_reference(actor.integration_id, body.reference_id)
    problems: list[FieldProblem] = []
    if uow.patients.get(actor.integration_id, body.patient_id, with_children=False) is None:
        problems.append(FieldProblem("patientId", "no such patient in this integration"))
    else:
        ensure_patient_visible(uow, actor, body.patient_id)
    if uow.practice.get(Payer, actor.integration_id, body.payer_id) is None:
        problems.append(FieldProblem("payerId", "no such payer in this integration"))
    if problems:
        raise InvalidInput(detail="the authorization cannot be saved as sent", errors=problems)
    values = {
        "patient_id": body.patient_id,
        "payer_id": body.payer_id,
        "member_id": body.member_id,
        "auth_number": body.auth_number,
        "service_codes": sorted({code.upper() for code in body.service_codes}),
        "units_authorized": body.units_authorized,
        "start_date": body.start_date,
        "end_date": body.end_date,
        "status": body.status,
        "notes": body.notes,
        "reference_id": body.reference_id,
    }
    if existing is None:
        row = Authorization(id=new_id("pa"), integration_id=actor.integration_id, **values)
        seq, at = stamp_new(uow, row)
        uow.add(row)
        changed = ["*"]
        event = "authorization.created"
    else:
        row = existing
        changed = apply_changes(row, values)
        if not changed:
            return _view(uow, actor, row), False
        seq, at = stamp_update(uow, row)
        event = "authorization.updated"
    flush_unique_reference(uow, "authorization")
    audit.record(
        uow,
        actor,
        event,
        resource_type="authorization",
        resource_id=row.id,
        patient_id=row.patient_id,
        detail={"fields": sorted(changed)},
    )
    outbox.emit(
        uow,
        actor,
        event,
        "authorization",
        row.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=changed,
    )
    refresh_alerts(uow, actor, row)
    return _view(uow, actor, row), existing is None


def get(uow: UnitOfWork, actor: Actor, authorization_id: str) -> AuthorizationView:
    """GET /authorizations/{id} (audited)."""
    require(actor, Entitlement.AUTHORIZATIONS)
    row = uow.billing.authorization(actor.integration_id, authorization_id)
    if row is None:
        raise not_found("authorization")
    ensure_patient_visible(uow, actor, row.patient_id)
    audit.record(
        uow,
        actor,
        "authorization.read",
        resource_type="authorization",
        resource_id=row.id,
        patient_id=row.patient_id,
    )
    return _view(uow, actor, row)


def page(
    uow: UnitOfWork, actor: Actor, flt: AuthorizationFilter, *, after_seq: int | None, limit: int
) -> tuple[Page[Authorization], list[AuthorizationView]]:
    """GET /authorizations (seeds 002/004): with counted usage, audited."""
    require(actor, Entitlement.AUTHORIZATIONS)
    if flt.patient_id is not None:
        ensure_patient_visible(uow, actor, flt.patient_id)
    result = uow.billing.authorization_page(
        actor.integration_id, flt, after_seq=after_seq, limit=limit
    )
    views = [_view(uow, actor, row) for row in result.rows]
    audit.record_many(
        uow,
        actor,
        "authorization.read",
        "authorization",
        [(row.id, row.patient_id) for row in result.rows],
    )
    return result, views
