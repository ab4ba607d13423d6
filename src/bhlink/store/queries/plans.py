"""Queries over treatment plans, their items (with measurable objectives) and versions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.queries.patients import _on_caseload
from bhlink.store.tables import Patient, PlanItem, PlanVersion, Task, TreatmentPlan

_WITH_CHILDREN = (selectinload(TreatmentPlan.items), selectinload(TreatmentPlan.signatures))
# Plans whose objectives still count: signed and in force, or still being drafted.
LIVE_STATUSES = ("draft", "active")


@dataclass(frozen=True)
class PlanFilter:
    """GET /treatment-plans filters plus the caller's visibility limits."""

    patient_id: str | None = None
    provider_id: str | None = None
    status: str | None = None
    review_due_before: date | None = None
    updated_after: datetime | None = None
    caseload_provider_ids: Sequence[str] | None = None


class PlanQueries:
    """Treatment plan lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, integration_id: str, plan_id: str) -> TreatmentPlan | None:
        """A plan with its items and signatures, or None."""
        return self._s.scalar(
            select(TreatmentPlan)
            .where(TreatmentPlan.id == plan_id, TreatmentPlan.integration_id == integration_id)
            .options(*_WITH_CHILDREN)
        )

    def by_reference(self, integration_id: str, reference_id: str) -> TreatmentPlan | None:
        """A plan by the caller's referenceId."""
        return self._s.scalar(
            select(TreatmentPlan)
            .where(
                TreatmentPlan.integration_id == integration_id,
                TreatmentPlan.reference_id == reference_id,
            )
            .options(*_WITH_CHILDREN)
        )

    def for_patient(self, integration_id: str, patient_id: str) -> list[TreatmentPlan]:
        """Every plan of a patient (exports), oldest first."""
        return list(
            self._s.scalars(
                select(TreatmentPlan)
                .where(
                    TreatmentPlan.integration_id == integration_id,
                    TreatmentPlan.patient_id == patient_id,
                )
                .order_by(TreatmentPlan.created_at)
                .options(*_WITH_CHILDREN)
            )
        )

    def items(self, integration_id: str, item_ids: Sequence[str]) -> list[PlanItem]:
        """Plan items by id (one query for a whole request)."""
        if not item_ids:
            return []
        return list(
            self._s.scalars(
                select(PlanItem).where(
                    PlanItem.integration_id == integration_id, PlanItem.id.in_(item_ids)
                )
            )
        )

    def item_with_plan(
        self, integration_id: str, item_id: str
    ) -> tuple[PlanItem, TreatmentPlan] | None:
        """One item and its plan (children loaded), or None."""
        item = self._s.scalar(
            select(PlanItem).where(
                PlanItem.integration_id == integration_id, PlanItem.id == item_id
            )
        )
        if item is None:
            return None
        plan = self.get(integration_id, item.plan_id)
        return (item, plan) if plan is not None else None

    def measurable_objectives(
        self, patient_id: str, instrument: str
    ) -> list[tuple[PlanItem, TreatmentPlan]]:
        """Objectives of the patient's live plans measured on `instrument` (case-insensitive).

        Patient ids are unique across integrations, so the patient alone scopes the lookup.
        """
        rows = self._s.execute(
            select(PlanItem, TreatmentPlan)
            .join(TreatmentPlan, TreatmentPlan.id == PlanItem.plan_id)
            .where(
                PlanItem.kind == "objective",
                PlanItem.measure_instrument.is_not(None),
                TreatmentPlan.patient_id == patient_id,
                TreatmentPlan.status.in_(LIVE_STATUSES),
            )
            .order_by(TreatmentPlan.effective_date, PlanItem.position)
        )
        wanted = instrument.strip().upper()
        return [
            (item, plan) for item, plan in rows if (item.measure_instrument or "").upper() == wanted
        ]

    def versions(self, plan_id: str) -> list[PlanVersion]:
        """Every version snapshot of a plan, oldest first."""
        return list(
            self._s.scalars(
                select(PlanVersion)
                .where(PlanVersion.plan_id == plan_id)
                .order_by(PlanVersion.version)
            )
        )

    def review_due_without_task(
        self, integration_id: str, due_on_or_before: date, task_type: str, limit: int
    ) -> list[TreatmentPlan]:
        """Active plans whose review is due and that have no review task for that due date."""
        has_task = exists().where(
            Task.integration_id == integration_id,
            Task.task_type == task_type,
            Task.resource_id == TreatmentPlan.id,
            Task.status == "open",
        )
        return list(
            self._s.scalars(
                select(TreatmentPlan)
                .where(
                    TreatmentPlan.integration_id == integration_id,
                    TreatmentPlan.status == "active",
                    TreatmentPlan.review_due_date <= due_on_or_before,
                    ~has_task,
                )
                .order_by(TreatmentPlan.review_due_date)
                .limit(limit)
            )
        )

    def page(
        self, integration_id: str, flt: PlanFilter, *, after_seq: int | None, limit: int
    ) -> Page[TreatmentPlan]:
        """A page of plans in change order."""
        filters: list[ColumnElement[bool]] = [TreatmentPlan.integration_id == integration_id]
        for column, value in (
            (TreatmentPlan.patient_id, flt.patient_id),
            (TreatmentPlan.provider_id, flt.provider_id),
            (TreatmentPlan.status, flt.status),
        ):
            if value is not None:
                filters.append(column == value)
        if flt.review_due_before is not None:
            filters.append(TreatmentPlan.review_due_date < flt.review_due_before)
        if flt.updated_after is not None:
            filters.append(TreatmentPlan.updated_at > flt.updated_after)
        if flt.caseload_provider_ids is not None:
            ids = flt.caseload_provider_ids
            filters.append(
                or_(
                    TreatmentPlan.provider_id.in_(ids),
                    TreatmentPlan.patient_id.in_(select(Patient.id).where(_on_caseload(ids))),
                )
            )
        return keyset_page(
            self._s,
            TreatmentPlan,
            filters,
            after_seq=after_seq,
            limit=limit,
            options=_WITH_CHILDREN,
        )
