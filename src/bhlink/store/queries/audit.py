"""The audit log: appends under a chain-head lock, reads for reports and verification."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, insert, select, update
from sqlalchemy.orm import Session

from bhlink.store.tables import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
# The tables themselves, for Core statements on the hot path (no ORM bookkeeping per row).
_EVENTS = cast(Table, AuditEvent.__table__)
_HEADS = cast(Table, AuditChainHead.__table__)


@dataclass(frozen=True)
class ChainTip:
    """The last row of one audit chain: its number and hash."""

    chain: int
    last_seq: int
    last_hash: str


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
        self._staged: list[dict[str, Any]] = []

    def stage(self, values: dict[str, Any]) -> None:
        """Keep an audit row (without its chain fields) until the transaction commits."""
        self._staged.append(values)

    def take_staged(self) -> list[dict[str, Any]]:
        """The staged rows, oldest first, and forget them."""
        staged, self._staged = self._staged, []
        return staged

    def discard_staged(self) -> None:
        """Drop staged rows (their transaction rolled back)."""
        self._staged = []

    def insert(self, rows: list[dict[str, Any]]) -> None:
        """Write finished audit rows with one executemany (Core: no per-row ORM bookkeeping)."""
        if rows:
            self._s.execute(insert(_EVENTS), rows)

    def create_chains(self, integration_id: str, chains: int) -> None:
        """Start `chains` empty chains for a new integration."""
        for chain in range(chains):
            self._s.add(
                AuditChainHead(
                    integration_id=integration_id, chain=chain, last_seq=0, last_hash=GENESIS_HASH
                )
            )

    def lock_head(self, integration_id: str) -> ChainTip:
        """Lock one chain head of the integration for the rest of this transaction.

        On PostgreSQL, SKIP LOCKED picks a chain no concurrent transaction holds, so requests
        append in parallel; SQLite has a single writer anyway and always uses chain 0.
        """
        heads = _HEADS
        columns = (heads.c.chain, heads.c.last_seq, heads.c.last_hash)
        row: Any
        if self._s.get_bind().dialect.name == "postgresql":
            base = select(*columns).where(heads.c.integration_id == integration_id)
            picked = base.order_by(func.random()).limit(1)
            row = self._s.execute(picked.with_for_update(skip_locked=True)).first()
            if row is None:  # every chain busy: wait for one
                row = self._s.execute(picked.with_for_update()).first()
        else:
            # SQLite has no SELECT … FOR UPDATE: this no-op write makes a reader transaction
            # the writer first (store.db upgrades it), so the head is read under the lock.
            row = self._s.execute(
                update(heads)
                .where(heads.c.integration_id == integration_id, heads.c.chain == 0)
                .values(last_seq=heads.c.last_seq)
                .returning(*columns)
            ).first()
        if row is None:
            raise LookupError("integration has no audit chain")
        return ChainTip(int(row[0]), int(row[1]), str(row[2]))

    def advance_head(self, integration_id: str, tip: ChainTip) -> None:
        """Record the new last row of a chain locked with `lock_head`."""
        heads = _HEADS
        self._s.execute(
            update(heads)
            .where(heads.c.integration_id == integration_id, heads.c.chain == tip.chain)
            .values(last_seq=tip.last_seq, last_hash=tip.last_hash)
        )

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
