"""Queries over assessment results, baselines, form assignments, risk flags and follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.queries.patients import _on_caseload
from bhlink.store.tables import (
    AssessmentAssignment,
    AssessmentBaseline,
    AssessmentResult,
    Patient,
    RiskFlag,
)

# (patient id, instrument id, episode id or None)
SeriesKey = tuple[str, str, str | None]


@dataclass(frozen=True)
class ResultFilter:
    """Seed 003 `GET /assessments/results` filters plus the caller's visibility limits."""

    patient_id: str | None = None
    instrument_id: str | None = None
    completed_after: datetime | None = None
    provider_id: str | None = None
    episode_id: str | None = None
    # None: every patient of the integration; a list: only these providers' caseloads.
    caseload_provider_ids: Sequence[str] | None = None


class AssessmentQueries:
    """Assessment lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    # -- results ---------------------------------------------------------------------------

    def get(self, integration_id: str, result_id: str) -> AssessmentResult | None:
        """One result of this integration, or None."""
        return self._s.scalar(
            select(AssessmentResult).where(
                AssessmentResult.id == result_id,
                AssessmentResult.integration_id == integration_id,
            )
        )

    def by_reference(self, integration_id: str, reference_id: str) -> AssessmentResult | None:
        """A result by the caller's referenceId."""
        return self._s.scalar(
            select(AssessmentResult).where(
                AssessmentResult.integration_id == integration_id,
                AssessmentResult.reference_id == reference_id,
            )
        )

    def page(
        self, integration_id: str, flt: ResultFilter, *, after_seq: int | None, limit: int
    ) -> Page[AssessmentResult]:
        """A page of results in change order."""
        filters: list[ColumnElement[bool]] = [AssessmentResult.integration_id == integration_id]
        if flt.patient_id is not None:
            filters.append(AssessmentResult.patient_id == flt.patient_id)
        if flt.instrument_id is not None:
            filters.append(AssessmentResult.instrument_id == flt.instrument_id)
        if flt.completed_after is not None:
            filters.append(AssessmentResult.completed_at > flt.completed_after)
        if flt.provider_id is not None:
            filters.append(AssessmentResult.provider_id == flt.provider_id)
        if flt.episode_id is not None:
            filters.append(AssessmentResult.episode_id == flt.episode_id)
        if flt.caseload_provider_ids is not None:
            visible = select(Patient.id).where(_on_caseload(flt.caseload_provider_ids))
            filters.append(AssessmentResult.patient_id.in_(visible))
        return keyset_page(self._s, AssessmentResult, filters, after_seq=after_seq, limit=limit)

    def series(
        self, integration_id: str, patient_id: str, instrument_id: str | None = None
    ) -> list[AssessmentResult]:
        """Every result of a patient (optionally one instrument), oldest completion first."""
        query = select(AssessmentResult).where(
            AssessmentResult.integration_id == integration_id,
            AssessmentResult.patient_id == patient_id,
        )
        if instrument_id is not None:
            query = query.where(AssessmentResult.instrument_id == instrument_id)
        return list(
            self._s.scalars(
                query.order_by(
                    AssessmentResult.instrument_id,
                    AssessmentResult.completed_at,
                    AssessmentResult.id,
                )
            )
        )

    def first_results(
        self,
        integration_id: str,
        patient_ids: Sequence[str],
        instrument_ids: Sequence[str],
        *,
        per_episode: bool,
    ) -> dict[SeriesKey, AssessmentResult]:
        """The earliest completed result with a total per patient and instrument (and episode).

        One query for a whole page: ROW_NUMBER() over each series, ordered by completion
        time and then id so that two results completed at the same instant have a fixed
        order. Without `per_episode` the key's episode part is None.
        """
        if not patient_ids or not instrument_ids:
            return {}
        partition: list[InstrumentedAttribute[Any]] = [
            AssessmentResult.patient_id,
            AssessmentResult.instrument_id,
        ]
        if per_episode:
            partition.append(AssessmentResult.episode_id)
        rank = (
            func.row_number()
            .over(
                partition_by=partition,
                order_by=(AssessmentResult.completed_at, AssessmentResult.id),
            )
            .label("rank")
        )
        ranked = (
            select(AssessmentResult.id.label("result_id"), rank)
            .where(
                AssessmentResult.integration_id == integration_id,
                AssessmentResult.patient_id.in_(set(patient_ids)),
                AssessmentResult.instrument_id.in_(set(instrument_ids)),
                AssessmentResult.total.is_not(None),
            )
            .subquery()
        )
        firsts = self._s.scalars(
            select(AssessmentResult).where(
                AssessmentResult.id.in_(select(ranked.c.result_id).where(ranked.c.rank == 1))
            )
        )
        return {
            (row.patient_id, row.instrument_id, row.episode_id if per_episode else None): row
            for row in firsts
        }

    # -- explicit baselines ----------------------------------------------------------------

    def explicit_baselines(
        self, integration_id: str, patient_ids: Sequence[str], instrument_ids: Sequence[str]
    ) -> dict[tuple[str, str], AssessmentResult]:
        """The chosen baseline result per (patient, instrument) among those given."""
        if not patient_ids or not instrument_ids:
            return {}
        rows = self._s.execute(
            select(
                AssessmentBaseline.patient_id, AssessmentBaseline.instrument_id, AssessmentResult
            )
            .join(AssessmentResult, AssessmentResult.id == AssessmentBaseline.result_id)
            .where(
                AssessmentBaseline.integration_id == integration_id,
                AssessmentBaseline.patient_id.in_(set(patient_ids)),
                AssessmentBaseline.instrument_id.in_(set(instrument_ids)),
            )
        )
        return {(patient, instrument): result for patient, instrument, result in rows}

    def baseline_choice(
        self, integration_id: str, patient_id: str, instrument_id: str
    ) -> AssessmentBaseline | None:
        """The explicit baseline record of one patient and instrument, or None."""
        return self._s.scalar(
            select(AssessmentBaseline).where(
                AssessmentBaseline.integration_id == integration_id,
                AssessmentBaseline.patient_id == patient_id,
                AssessmentBaseline.instrument_id == instrument_id,
            )
        )

    # -- assignments -----------------------------------------------------------------------

    def assignment(self, integration_id: str, assignment_id: str) -> AssessmentAssignment | None:
        """One assignment of this integration, or None."""
        return self._s.scalar(
            select(AssessmentAssignment).where(
                AssessmentAssignment.id == assignment_id,
                AssessmentAssignment.integration_id == integration_id,
            )
        )

    def assignment_by_token_hash(
        self, token_hash: str, *, for_update: bool = False
    ) -> AssessmentAssignment | None:
        """The assignment a link's token belongs to (any integration: the token is the key).

        `for_update` locks the row until commit, so two submissions of one link cannot
        both see it unused (PostgreSQL; SQLite's write transaction already serialises them).
        """
        query = select(AssessmentAssignment).where(AssessmentAssignment.token_hash == token_hash)
        if for_update:
            query = query.with_for_update()
        return self._s.scalar(query)

    # -- risk flags and follow-ups ---------------------------------------------------------

    def risk_flag(
        self, integration_id: str, flag_id: str, *, for_update: bool = False
    ) -> RiskFlag | None:
        """One risk flag of this integration, or None."""
        query = select(RiskFlag).where(
            RiskFlag.id == flag_id, RiskFlag.integration_id == integration_id
        )
        if for_update:
            query = query.with_for_update()
        return self._s.scalar(query)

    def risk_flag_page(
        self,
        integration_id: str,
        patient_id: str,
        *,
        status: str | None,
        after_seq: int | None,
        limit: int,
    ) -> Page[RiskFlag]:
        """A patient's risk flags in change order."""
        filters: list[ColumnElement[bool]] = [
            RiskFlag.integration_id == integration_id,
            RiskFlag.patient_id == patient_id,
        ]
        if status is not None:
            filters.append(RiskFlag.status == status)
        return keyset_page(self._s, RiskFlag, filters, after_seq=after_seq, limit=limit)
