"""Queries over claims, their lines and history, batches, EDI files and control numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.tables import (
    Claim,
    ClaimBatch,
    ClaimEvent,
    ClaimLine,
    EdiControlCounter,
    EdiFile,
)

_WITH_LINES = (selectinload(Claim.lines),)
# Claims whose lines count as billed for duplicate detection.
_NOT_BILLED = ("voided", "rejected")


@dataclass(frozen=True)
class ClaimFilter:
    """GET /claims filters."""

    patient_id: str | None = None
    payer_id: str | None = None
    status: str | None = None
    updated_after: datetime | None = None


class ClaimQueries:
    """Claim lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, integration_id: str, claim_id: str) -> Claim | None:
        """A claim with its lines."""
        return self._s.scalar(
            select(Claim)
            .where(Claim.id == claim_id, Claim.integration_id == integration_id)
            .options(*_WITH_LINES)
        )

    def by_reference(self, integration_id: str, reference_id: str) -> Claim | None:
        """A claim by the caller's referenceId."""
        return self._s.scalar(
            select(Claim)
            .where(Claim.integration_id == integration_id, Claim.reference_id == reference_id)
            .options(*_WITH_LINES)
        )

    def by_control_number(self, integration_id: str, control_number: str) -> Claim | None:
        """The claim whose CLM01 (or full id, if a payer echoed that) is `control_number`."""
        value = control_number.strip()
        return self._s.scalar(
            select(Claim)
            .where(
                Claim.integration_id == integration_id,
                (Claim.patient_control_number == value.upper()) | (Claim.id == value.lower()),
            )
            .options(*_WITH_LINES)
        )

    def in_status(
        self, integration_id: str, status: str, payer_id: str | None = None
    ) -> list[Claim]:
        """Claims in one status (optionally of one payer), oldest first, lines loaded."""
        query = select(Claim).where(Claim.integration_id == integration_id, Claim.status == status)
        if payer_id is not None:
            query = query.where(Claim.payer_id == payer_id)
        return list(self._s.scalars(query.options(*_WITH_LINES).order_by(Claim.id)))

    def in_batch(self, integration_id: str, batch_id: str) -> list[Claim]:
        """The claims sent in one batch."""
        return list(
            self._s.scalars(
                select(Claim)
                .where(Claim.integration_id == integration_id, Claim.batch_id == batch_id)
                .options(*_WITH_LINES)
                .order_by(Claim.id)
            )
        )

    def page(
        self, integration_id: str, flt: ClaimFilter, *, after_seq: int | None, limit: int
    ) -> Page[Claim]:
        """A page of claims in change order."""
        filters: list[ColumnElement[bool]] = [Claim.integration_id == integration_id]
        if flt.patient_id is not None:
            filters.append(Claim.patient_id == flt.patient_id)
        if flt.payer_id is not None:
            filters.append(Claim.payer_id == flt.payer_id)
        if flt.status is not None:
            filters.append(Claim.status == flt.status)
        if flt.updated_after is not None:
            filters.append(Claim.updated_at > flt.updated_after)
        return keyset_page(
            self._s, Claim, filters, after_seq=after_seq, limit=limit, options=_WITH_LINES
        )

    def billed_lines(
        self, integration_id: str, patient_id: str, exclude_claim_ids: Sequence[str]
    ) -> list[ClaimLine]:
        """Lines of the patient's live claims (for duplicate detection)."""
        query = (
            select(ClaimLine)
            .join(Claim, Claim.id == ClaimLine.claim_id)
            .where(
                Claim.integration_id == integration_id,
                Claim.patient_id == patient_id,
                Claim.status.not_in(_NOT_BILLED),
                Claim.frequency_code != "8",
                Claim.replaced_by_claim_id.is_(None),
            )
        )
        if exclude_claim_ids:
            query = query.where(Claim.id.not_in(list(exclude_claim_ids)))
        return list(self._s.scalars(query))

    def events(self, integration_id: str, claim_id: str) -> list[ClaimEvent]:
        """A claim's history, oldest first."""
        return list(
            self._s.scalars(
                select(ClaimEvent)
                .where(ClaimEvent.integration_id == integration_id, ClaimEvent.claim_id == claim_id)
                .order_by(ClaimEvent.id)
            )
        )

    # --- batches and files ----------------------------------------------------------------

    def batch(self, integration_id: str, batch_id: str) -> ClaimBatch | None:
        """One batch."""
        return self._s.scalar(
            select(ClaimBatch).where(
                ClaimBatch.id == batch_id, ClaimBatch.integration_id == integration_id
            )
        )

    def batches(self, integration_id: str, limit: int = 100) -> list[ClaimBatch]:
        """The newest batches first."""
        return list(
            self._s.scalars(
                select(ClaimBatch)
                .where(ClaimBatch.integration_id == integration_id)
                .order_by(ClaimBatch.created_at.desc(), ClaimBatch.id.desc())
                .limit(limit)
            )
        )

    def batch_by_file(self, integration_id: str, edi_file_id: str) -> ClaimBatch | None:
        """The batch that sent a file."""
        return self._s.scalar(
            select(ClaimBatch).where(
                ClaimBatch.integration_id == integration_id,
                ClaimBatch.edi_file_id == edi_file_id,
            )
        )

    def edi_file(self, integration_id: str, file_id: str) -> EdiFile | None:
        """One stored EDI file."""
        return self._s.scalar(
            select(EdiFile).where(EdiFile.id == file_id, EdiFile.integration_id == integration_id)
        )

    def edi_file_by_hash(self, integration_id: str, direction: str, sha256: str) -> EdiFile | None:
        """A stored file by its SHA-256 (how a file received twice is recognised)."""
        return self._s.scalar(
            select(EdiFile).where(
                EdiFile.integration_id == integration_id,
                EdiFile.direction == direction,
                EdiFile.sha256 == sha256,
            )
        )

    def outbound_by_group(self, integration_id: str, group_control_number: str) -> list[EdiFile]:
        """Outbound files with this GS06 (what a 999 AK102 names)."""
        return list(
            self._s.scalars(
                select(EdiFile).where(
                    EdiFile.integration_id == integration_id,
                    EdiFile.direction == "outbound",
                    EdiFile.group_control_number == group_control_number.lstrip("0"),
                )
            )
        )

    def claims_with_file(self, integration_id: str, edi_file_id: str) -> list[Claim]:
        """Claims whose own (review) file is this one."""
        return list(
            self._s.scalars(
                select(Claim)
                .where(Claim.integration_id == integration_id, Claim.edi_file_id == edi_file_id)
                .options(*_WITH_LINES)
            )
        )

    def next_control_number(self, integration_id: str, name: str) -> int:
        """The next value of a control-number counter, never handed out twice.

        The UPDATE takes the counter row's lock until commit, so concurrent writers queue
        and a number is only ever used by the transaction that committed it.
        """
        row = self._s.execute(
            update(EdiControlCounter)
            .where(
                EdiControlCounter.integration_id == integration_id,
                EdiControlCounter.name == name,
            )
            .values(last_value=EdiControlCounter.last_value + 1)
            .returning(EdiControlCounter.last_value)
        ).first()
        if row is not None:
            return int(row[0])
        dialect = self._s.get_bind().dialect.name
        values = {"integration_id": integration_id, "name": name, "last_value": 0}
        if dialect == "postgresql":
            self._s.execute(pg_insert(EdiControlCounter).values(values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            self._s.execute(
                sqlite_insert(EdiControlCounter).values(values).on_conflict_do_nothing()
            )
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            self._s.execute(insert(EdiControlCounter).values(values))
        return self.next_control_number(integration_id, name)
