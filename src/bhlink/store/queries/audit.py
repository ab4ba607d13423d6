"""The audit log: appends under a chain-head lock, reads for reports and verification."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bhlink.store.tables import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditFilter:
    """Audit report filters."""

    start: datetime | None = None
    end: datetime | None = None
    actor_id: str | None = None
    patient_id: str | None = None
    action: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    outcome: str | None = None


class AuditQueries:
    """Audit chain heads and rows."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._held: dict[str, AuditChainHead] = {}

    def create_chains(self, integration_id: str, chains: int) -> None:
        """Start `chains` empty chains for a new integration."""
        for chain in range(chains):
            self._s.add(
                AuditChainHead(
                    integration_id=integration_id, chain=chain, last_seq=0, last_hash=GENESIS_HASH
                )
            )

    def lock_head(self, integration_id: str) -> AuditChainHead:
        """Lock one chain head of the integration for the rest of this transaction.

        On PostgreSQL, SKIP LOCKED picks a chain no concurrent transaction holds, so requests
        append in parallel; SQLite has a single writer anyway and always uses chain 0.
        """
        held = self._held.get(integration_id)
        if held is not None:
            return held
        bind = self._s.get_bind()
        base = select(AuditChainHead).where(AuditChainHead.integration_id == integration_id)
        head: AuditChainHead | None
        if bind.dialect.name == "postgresql":
            head = self._s.scalar(
                base.order_by(func.random()).limit(1).with_for_update(skip_locked=True)
            )
            if head is None:  # every chain busy: wait for one
                head = self._s.scalar(base.order_by(func.random()).limit(1).with_for_update())
        else:
            head = self._s.scalar(base.where(AuditChainHead.chain == 0))
        if head is None:
            raise LookupError("integration has no audit chain")
        self._held[integration_id] = head
        return head

    def heads(self, integration_id: str) -> list[AuditChainHead]:
        """Every chain head of the integration."""
        return list(
            self._s.scalars(
                select(AuditChainHead)
                .where(AuditChainHead.integration_id == integration_id)
                .order_by(AuditChainHead.chain)
            )
        )

    def chain_rows(
        self, integration_id: str, chain: int, batch: int = 2000
    ) -> Iterator[AuditEvent]:
        """Rows of one chain in chain order, streamed in batches."""
        last = 0
        while True:
            rows = list(
                self._s.scalars(
                    select(AuditEvent)
                    .where(
                        AuditEvent.integration_id == integration_id,
                        AuditEvent.chain == chain,
                        AuditEvent.chain_seq > last,
                    )
                    .order_by(AuditEvent.chain_seq)
                    .limit(batch)
                )
            )
            if not rows:
                return
            yield from rows
            last = rows[-1].chain_seq

    def page(
        self,
        integration_id: str,
        flt: AuditFilter,
        *,
        sort: Sequence[tuple[str, bool]],
        offset: int,
        limit: int,
    ) -> tuple[list[AuditEvent], int]:
        """A sorted page of audit rows and the filtered total (audit reports sort by any field)."""
        filters: list[ColumnElement[bool]] = [AuditEvent.integration_id == integration_id]
        if flt.start is not None:
            filters.append(AuditEvent.occurred_at >= flt.start)
        if flt.end is not None:
            filters.append(AuditEvent.occurred_at < flt.end)
        for column, value in (
            (AuditEvent.actor_id, flt.actor_id),
            (AuditEvent.patient_id, flt.patient_id),
            (AuditEvent.action, flt.action),
            (AuditEvent.resource_type, flt.resource_type),
            (AuditEvent.resource_id, flt.resource_id),
            (AuditEvent.outcome, flt.outcome),
        ):
            if value is not None:
                filters.append(column == value)
        order = []
        for name, descending in sort:
            column = getattr(AuditEvent, name)
            order.append(column.desc() if descending else column.asc())
        order.append(AuditEvent.id.asc())
        rows = list(
            self._s.scalars(
                select(AuditEvent).where(*filters).order_by(*order).offset(offset).limit(limit)
            )
        )
        total = int(
            self._s.scalar(select(func.count()).select_from(AuditEvent).where(*filters)) or 0
        )
        return rows, total
