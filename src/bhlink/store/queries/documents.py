"""Queries over documents and consents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.queries.patients import _on_caseload
from bhlink.store.tables import Consent, Document, Patient


@dataclass(frozen=True)
class DocumentFilter:
    """GET /documents filters plus the caller's visibility limits."""

    patient_id: str | None = None
    document_type: str | None = None
    updated_after: datetime | None = None
    caseload_provider_ids: Sequence[str] | None = None


class DocumentQueries:
    """Document and consent lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, integration_id: str, document_id: str) -> Document | None:
        """A document's metadata, or None."""
        return self._s.scalar(
            select(Document).where(
                Document.integration_id == integration_id, Document.id == document_id
            )
        )

    def for_patient(self, integration_id: str, patient_id: str) -> list[Document]:
        """Every document of a patient, oldest first."""
        return list(
            self._s.scalars(
                select(Document)
                .where(Document.integration_id == integration_id, Document.patient_id == patient_id)
                .order_by(Document.created_at)
            )
        )

    def page(
        self, integration_id: str, flt: DocumentFilter, *, after_seq: int | None, limit: int
    ) -> Page[Document]:
        """A page of documents in change order."""
        filters: list[ColumnElement[bool]] = [Document.integration_id == integration_id]
        if flt.patient_id is not None:
            filters.append(Document.patient_id == flt.patient_id)
        if flt.document_type is not None:
            filters.append(Document.document_type == flt.document_type)
        if flt.updated_after is not None:
            filters.append(Document.updated_at > flt.updated_after)
        if flt.caseload_provider_ids is not None:
            visible = select(Patient.id).where(_on_caseload(flt.caseload_provider_ids))
            filters.append(Document.patient_id.in_(visible))
        return keyset_page(self._s, Document, filters, after_seq=after_seq, limit=limit)

    def consent(self, integration_id: str, consent_id: str) -> Consent | None:
        """A consent, or None."""
        return self._s.scalar(
            select(Consent).where(
                Consent.integration_id == integration_id, Consent.id == consent_id
            )
        )

    def consent_by_reference(self, integration_id: str, reference_id: str) -> Consent | None:
        """A consent by the caller's referenceId."""
        return self._s.scalar(
            select(Consent).where(
                Consent.integration_id == integration_id, Consent.reference_id == reference_id
            )
        )

    def consents_of_type(
        self, integration_id: str, patient_id: str, consent_type: str
    ) -> list[Consent]:
        """A patient's consents of one type, newest first."""
        return list(
            self._s.scalars(
                select(Consent)
                .where(
                    Consent.integration_id == integration_id,
                    Consent.patient_id == patient_id,
                    Consent.consent_type == consent_type,
                )
                .order_by(Consent.created_at.desc())
            )
        )

    def consent_page(
        self,
        integration_id: str,
        patient_id: str,
        *,
        consent_type: str | None,
        updated_after: datetime | None,
        after_seq: int | None,
        limit: int,
    ) -> Page[Consent]:
        """A page of a patient's consents in change order."""
        filters: list[ColumnElement[bool]] = [
            Consent.integration_id == integration_id,
            Consent.patient_id == patient_id,
        ]
        if consent_type is not None:
            filters.append(Consent.consent_type == consent_type)
        if updated_after is not None:
            filters.append(Consent.updated_at > updated_after)
        return keyset_page(self._s, Consent, filters, after_seq=after_seq, limit=limit)
