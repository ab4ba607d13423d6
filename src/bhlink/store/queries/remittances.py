"""Queries over posted remittances, their claims, the exceptions queue and reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.tables import Remittance, RemittanceClaim, RemittanceException


@dataclass(frozen=True)
class RemittanceFilter:
    """GET /remittances and the reconciliation report's filters."""

    payer_id: str | None = None
    trace_number: str | None = None
    paid_from: date | None = None
    paid_to: date | None = None
    updated_after: datetime | None = None


class RemittanceQueries:
    """Remittance lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, integration_id: str, remittance_id: str) -> Remittance | None:
        """One remittance."""
        return self._s.scalar(
            select(Remittance).where(
                Remittance.id == remittance_id, Remittance.integration_id == integration_id
            )
        )

    def for_file(self, integration_id: str, edi_file_id: str) -> list[Remittance]:
        """The remittances posted from one file."""
        return list(
            self._s.scalars(
                select(Remittance)
                .where(
                    Remittance.integration_id == integration_id,
                    Remittance.edi_file_id == edi_file_id,
                )
                .order_by(Remittance.transaction_index)
            )
        )

    def _filters(self, integration_id: str, flt: RemittanceFilter) -> list[ColumnElement[bool]]:
        filters: list[ColumnElement[bool]] = [Remittance.integration_id == integration_id]
        if flt.payer_id is not None:
            filters.append(Remittance.payer_id == flt.payer_id)
        if flt.trace_number is not None:
            filters.append(Remittance.trace_number == flt.trace_number)
        day = func.coalesce(Remittance.payment_date, Remittance.production_date)
        if flt.paid_from is not None:
            filters.append(day >= flt.paid_from)
        if flt.paid_to is not None:
            filters.append(day <= flt.paid_to)
        if flt.updated_after is not None:
            filters.append(Remittance.updated_at > flt.updated_after)
        return filters

    def page(
        self, integration_id: str, flt: RemittanceFilter, *, after_seq: int | None, limit: int
    ) -> Page[Remittance]:
        """A page of remittances in change order."""
        return keyset_page(
            self._s,
            Remittance,
            self._filters(integration_id, flt),
            after_seq=after_seq,
            limit=limit,
        )

    def matching(self, integration_id: str, flt: RemittanceFilter) -> list[Remittance]:
        """Every remittance matching the filters, by payment date (the report's rows)."""
        return list(
            self._s.scalars(
                select(Remittance)
                .where(*self._filters(integration_id, flt))
                .order_by(Remittance.payment_date, Remittance.trace_number, Remittance.id)
            )
        )

    def claims(self, integration_id: str, remittance_id: str) -> list[RemittanceClaim]:
        """The claim payments of one remittance, in file order."""
        return list(
            self._s.scalars(
                select(RemittanceClaim)
                .where(
                    RemittanceClaim.integration_id == integration_id,
                    RemittanceClaim.remittance_id == remittance_id,
                )
                .order_by(RemittanceClaim.position)
            )
        )

    def for_claim(self, integration_id: str, claim_id: str) -> list[RemittanceClaim]:
        """A claim's payment history, oldest first."""
        return list(
            self._s.scalars(
                select(RemittanceClaim)
                .where(
                    RemittanceClaim.integration_id == integration_id,
                    RemittanceClaim.claim_id == claim_id,
                )
                .order_by(RemittanceClaim.id)
            )
        )

    def exception(self, integration_id: str, exception_id: int) -> RemittanceException | None:
        """One exceptions-queue item."""
        return self._s.scalar(
            select(RemittanceException).where(
                RemittanceException.id == exception_id,
                RemittanceException.integration_id == integration_id,
            )
        )

    def exceptions(
        self,
        integration_id: str,
        *,
        status: str | None,
        remittance_id: str | None = None,
        limit: int = 500,
    ) -> list[RemittanceException]:
        """Exceptions, oldest first."""
        query = select(RemittanceException).where(
            RemittanceException.integration_id == integration_id
        )
        if status is not None:
            query = query.where(RemittanceException.status == status)
        if remittance_id is not None:
            query = query.where(RemittanceException.remittance_id == remittance_id)
        return list(self._s.scalars(query.order_by(RemittanceException.id).limit(limit)))
