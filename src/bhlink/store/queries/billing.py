"""Queries over authorizations, charges, fee schedules, payer rules, settings and the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.tables import (
    Appointment,
    Authorization,
    AuthorizationAlert,
    Charge,
    FeeScheduleEntry,
    LedgerEntry,
    Payer,
    PayerBillingRules,
    RevenueSettings,
)

# Appointments that will still happen (or be completed): they draw on authorizations.
OPEN_APPOINTMENT_STATUSES = ("scheduled", "confirmed", "checked_in")


@dataclass(frozen=True)
class AuthorizationFilter:
    """GET /authorizations filters."""

    patient_id: str | None = None
    payer_id: str | None = None
    status: str | None = None
    active_on: date | None = None
    updated_after: datetime | None = None


@dataclass(frozen=True)
class ChargeFilter:
    """GET /charges filters."""

    patient_id: str | None = None
    appointment_id: str | None = None
    status: str | None = None
    updated_after: datetime | None = None


class BillingQueries:
    """Billing lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    # --- settings, fee schedules, payer rules ---------------------------------------------

    def settings(self, integration_id: str) -> RevenueSettings | None:
        """The integration's revenue settings row, if any."""
        return self._s.get(RevenueSettings, integration_id)

    def fee_schedule(self, integration_id: str, payer_id: str) -> list[FeeScheduleEntry]:
        """A payer's rates in code/modifier order."""
        return list(
            self._s.scalars(
                select(FeeScheduleEntry)
                .where(
                    FeeScheduleEntry.integration_id == integration_id,
                    FeeScheduleEntry.payer_id == payer_id,
                )
                .order_by(FeeScheduleEntry.service_code, FeeScheduleEntry.modifier)
            )
        )

    def payer_rules(self, integration_id: str, payer_id: str) -> PayerBillingRules | None:
        """A payer's billing rules row, if configured."""
        row = self._s.get(PayerBillingRules, payer_id)
        return row if row is not None and row.integration_id == integration_id else None

    def payer_by_edi_id(self, integration_id: str, edi_payer_id: str) -> Payer | None:
        """The payer with this EDI payer id (how an 835's N1*PR/REF*2U is matched)."""
        return self._s.scalar(
            select(Payer)
            .where(Payer.integration_id == integration_id, Payer.edi_payer_id == edi_payer_id)
            .limit(1)
        )

    # --- authorizations -------------------------------------------------------------------

    def authorization(self, integration_id: str, authorization_id: str) -> Authorization | None:
        """One authorization of this integration."""
        return self._s.scalar(
            select(Authorization).where(
                Authorization.id == authorization_id,
                Authorization.integration_id == integration_id,
            )
        )

    def authorization_by_reference(
        self, integration_id: str, reference_id: str
    ) -> Authorization | None:
        """An authorization by the caller's referenceId."""
        return self._s.scalar(
            select(Authorization).where(
                Authorization.integration_id == integration_id,
                Authorization.reference_id == reference_id,
            )
        )

    def patient_authorizations(
        self, integration_id: str, patient_id: str, *, status: str | None = "active"
    ) -> list[Authorization]:
        """A patient's authorizations (active ones by default), oldest first."""
        query = select(Authorization).where(
            Authorization.integration_id == integration_id,
            Authorization.patient_id == patient_id,
        )
        if status is not None:
            query = query.where(Authorization.status == status)
        return list(self._s.scalars(query.order_by(Authorization.start_date, Authorization.id)))

    def authorization_page(
        self, integration_id: str, flt: AuthorizationFilter, *, after_seq: int | None, limit: int
    ) -> Page[Authorization]:
        """A page of authorizations in change order."""
        filters: list[ColumnElement[bool]] = [Authorization.integration_id == integration_id]
        if flt.patient_id is not None:
            filters.append(Authorization.patient_id == flt.patient_id)
        if flt.payer_id is not None:
            filters.append(Authorization.payer_id == flt.payer_id)
        if flt.status is not None:
            filters.append(Authorization.status == flt.status)
        if flt.active_on is not None:
            filters.append(Authorization.start_date <= flt.active_on)
            filters.append(Authorization.end_date >= flt.active_on)
        if flt.updated_after is not None:
            filters.append(Authorization.updated_at > flt.updated_after)
        return keyset_page(self._s, Authorization, filters, after_seq=after_seq, limit=limit)

    def used_units(self, authorization_ids: Sequence[str]) -> dict[str, int]:
        """Units of live (not void) charges drawn on each authorization."""
        if not authorization_ids:
            return {}
        rows = self._s.execute(
            select(Charge.authorization_id, func.coalesce(func.sum(Charge.units), 0))
            .where(Charge.authorization_id.in_(authorization_ids), Charge.status != "void")
            .group_by(Charge.authorization_id)
        )
        return {str(auth_id): int(units) for auth_id, units in rows}

    def scheduled_appointments(
        self, integration_id: str, authorization: Authorization, *, exclude_id: str | None = None
    ) -> list[Appointment]:
        """Open appointments that will draw on the authorization.

        Those naming it, and those of the same patient naming no authorization whose code
        and day fall under it; appointments that already have a live charge are used, not
        scheduled.
        """
        start = datetime.combine(authorization.start_date, time.min, tzinfo=UTC)
        end = datetime.combine(authorization.end_date, time.max, tzinfo=UTC)
        charged = select(Charge.appointment_id).where(
            Charge.integration_id == integration_id,
            Charge.appointment_id.is_not(None),
            Charge.status != "void",
        )
        matching = and_(
            Appointment.authorization_id.is_(None),
            Appointment.patient_id == authorization.patient_id,
            Appointment.service_code.in_(list(authorization.service_codes)),
            Appointment.start_time >= start,
            Appointment.start_time <= end,
        )
        query = select(Appointment).where(
            Appointment.integration_id == integration_id,
            Appointment.status.in_(OPEN_APPOINTMENT_STATUSES),
            or_(Appointment.authorization_id == authorization.id, matching),
            Appointment.id.not_in(charged),
        )
        if exclude_id is not None:
            query = query.where(Appointment.id != exclude_id)
        return list(self._s.scalars(query))

    def open_alert(self, authorization_id: str, kind: str) -> AuthorizationAlert | None:
        """The unresolved alert of this kind, if one was raised."""
        return self._s.scalar(
            select(AuthorizationAlert).where(
                AuthorizationAlert.authorization_id == authorization_id,
                AuthorizationAlert.kind == kind,
                AuthorizationAlert.resolved_at.is_(None),
            )
        )

    def alerts(self, integration_id: str, authorization_id: str) -> list[AuthorizationAlert]:
        """Every alert raised on an authorization, oldest first."""
        return list(
            self._s.scalars(
                select(AuthorizationAlert)
                .where(
                    AuthorizationAlert.integration_id == integration_id,
                    AuthorizationAlert.authorization_id == authorization_id,
                )
                .order_by(AuthorizationAlert.id)
            )
        )

    # --- charges --------------------------------------------------------------------------

    def charge(self, integration_id: str, charge_id: str) -> Charge | None:
        """One charge of this integration."""
        return self._s.scalar(
            select(Charge).where(Charge.id == charge_id, Charge.integration_id == integration_id)
        )

    def charges(self, integration_id: str, charge_ids: Sequence[str]) -> dict[str, Charge]:
        """Charges by id (those that exist in this integration)."""
        if not charge_ids:
            return {}
        rows = self._s.scalars(
            select(Charge).where(
                Charge.integration_id == integration_id, Charge.id.in_(list(charge_ids))
            )
        )
        return {row.id: row for row in rows}

    def charge_by_reference(self, integration_id: str, reference_id: str) -> Charge | None:
        """A charge by the caller's referenceId."""
        return self._s.scalar(
            select(Charge).where(
                Charge.integration_id == integration_id, Charge.reference_id == reference_id
            )
        )

    def appointment_charges(self, integration_id: str, appointment_id: str) -> list[Charge]:
        """Live (not void) charges of an appointment."""
        return list(
            self._s.scalars(
                select(Charge).where(
                    Charge.integration_id == integration_id,
                    Charge.appointment_id == appointment_id,
                    Charge.status != "void",
                )
            )
        )

    def charge_page(
        self, integration_id: str, flt: ChargeFilter, *, after_seq: int | None, limit: int
    ) -> Page[Charge]:
        """A page of charges in change order."""
        filters: list[ColumnElement[bool]] = [Charge.integration_id == integration_id]
        if flt.patient_id is not None:
            filters.append(Charge.patient_id == flt.patient_id)
        if flt.appointment_id is not None:
            filters.append(Charge.appointment_id == flt.appointment_id)
        if flt.status is not None:
            filters.append(Charge.status == flt.status)
        if flt.updated_after is not None:
            filters.append(Charge.updated_at > flt.updated_after)
        return keyset_page(self._s, Charge, filters, after_seq=after_seq, limit=limit)

    # --- ledger ---------------------------------------------------------------------------

    def ledger_totals(self, integration_id: str, patient_id: str) -> dict[tuple[str, str], int]:
        """Sum of a patient's ledger entries by (kind, category)."""
        rows = self._s.execute(
            select(LedgerEntry.kind, LedgerEntry.category, func.sum(LedgerEntry.amount_cents))
            .where(
                LedgerEntry.integration_id == integration_id,
                LedgerEntry.patient_id == patient_id,
            )
            .group_by(LedgerEntry.kind, LedgerEntry.category)
        )
        totals: dict[tuple[str, str], int] = {}
        for kind, category, total in rows:
            key = (str(kind), str(category or ""))
            totals[key] = totals.get(key, 0) + int(total or 0)
        return totals
