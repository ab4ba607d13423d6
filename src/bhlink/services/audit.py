"""The audit trail: append hash-chained events in the caller's transaction, verify, report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from bhlink.domain.clock import utcnow
from bhlink.domain.ids import new_id
from bhlink.services.context import Actor
from bhlink.store.queries.audit import GENESIS_HASH, AuditFilter, ChainTip
from bhlink.store.tables import AuditEvent
from bhlink.store.unit_of_work import UnitOfWork

AUDIT_CHAINS = 4
_HASHED_FIELDS = (
    "id",
    "integration_id",
    "chain",
    "chain_seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "resource_type",
    "resource_id",
    "patient_id",
    "outcome",
    "source_ip",
    "request_id",
    "detail",
)


def _row_hash(prev_hash: str, values: dict[str, Any]) -> str:
    canonical = orjson.dumps(
        [prev_hash, *(values[name] for name in _HASHED_FIELDS)],
        default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v),
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(canonical).hexdigest()


def _values(row: AuditEvent) -> dict[str, Any]:
    values = {name: getattr(row, name) for name in _HASHED_FIELDS}
    values["occurred_at"] = row.occurred_at.isoformat()
    return values


def record(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    *,
    resource_type: str | None = None,
    resource_id: str | None = None,
    patient_id: str | None = None,
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Audit one event of the actor's integration, in the caller's transaction.

    The row is appended to a chain when the transaction commits (all of a transaction's rows
    together, in the order they were recorded): the chain head stays locked only for that
    moment, not for the whole request, and a rolled-back transaction leaves no row. Nothing
    is acknowledged before the commit, so no acknowledged audit row can be lost.
    """
    uow.audit.stage(
        {
            "id": new_id("aud"),
            "integration_id": actor.integration_id,
            "occurred_at": now or utcnow(),
            "actor_type": actor.actor_type,
            "actor_id": actor.actor_id,
            "action": action,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "patient_id": patient_id,
            "outcome": outcome,
            "source_ip": actor.source_ip,
            "request_id": actor.request_id,
            "detail": detail,
        }
    )
    uow.before_commit("audit", lambda: _append_staged(uow))


def _append_staged(uow: UnitOfWork) -> None:
    """Chain the transaction's staged rows (hash over the previous row) and write them."""
    staged = uow.audit.take_staged()
    by_integration: dict[str, list[dict[str, Any]]] = {}
    for values in staged:
        by_integration.setdefault(values["integration_id"], []).append(values)
    for integration_id, rows in by_integration.items():
        tip = uow.audit.lock_head(integration_id)
        seq, prev_hash = tip.last_seq, tip.last_hash
        for values in rows:
            seq += 1
            values["chain"] = tip.chain
            values["chain_seq"] = seq
            values["prev_hash"] = prev_hash
            hashed = {name: values[name] for name in _HASHED_FIELDS}
            hashed["occurred_at"] = values["occurred_at"].isoformat()
            values["hash"] = prev_hash = _row_hash(prev_hash, hashed)
        uow.audit.insert(rows)
        uow.audit.advance_head(integration_id, ChainTip(tip.chain, seq, prev_hash))


def record_many(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    resource_type: str,
    resources: list[tuple[str, str | None]],
    *,
    now: datetime | None = None,
) -> None:
    """Audit a read of several records (a list page): one event per record, one timestamp."""
    at = now or utcnow()
    for resource_id, patient_id in resources:
        record(
            uow,
            actor,
            action,
            resource_type=resource_type,
            resource_id=resource_id,
            patient_id=patient_id,
            now=at,
        )


@dataclass(frozen=True)
class ChainBreak:
    """Where verification failed: the first bad row (or the chain head) and why."""

    chain: int
    row_id: str | None
    chain_seq: int
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    """Verification of every chain of one integration."""

    integration_id: str
    rows_checked: int
    breaks: list[ChainBreak]

    @property
    def ok(self) -> bool:
        """True when no chain is broken."""
        return not self.breaks


def verify(uow: UnitOfWork, integration_id: str) -> VerifyResult:
    """Recompute every chain; report the first row where each one breaks.

    Detects edited rows (hash mismatch), deleted or inserted rows (sequence gap or prev-hash
    mismatch), reordering, and truncation of the tail (the head names a later row).
    """
    breaks: list[ChainBreak] = []
    checked = 0
    for head in uow.audit.heads(integration_id):
        expected_seq, prev = 1, GENESIS_HASH
        broken: ChainBreak | None = None
        for row in uow.audit.chain_rows(integration_id, head.chain):
            checked += 1
            if row.chain_seq != expected_seq:
                broken = ChainBreak(head.chain, row.id, row.chain_seq, "sequence gap: rows missing")
            elif row.prev_hash != prev:
                broken = ChainBreak(head.chain, row.id, row.chain_seq, "previous-hash mismatch")
            elif _row_hash(prev, _values(row)) != row.hash:
                broken = ChainBreak(
                    head.chain, row.id, row.chain_seq, "content hash mismatch: row edited"
                )
            if broken:
                break
            expected_seq, prev = expected_seq + 1, row.hash
        if broken is None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
            broken = ChainBreak(
                head.chain,
                None,
                expected_seq,
                "chain head does not match the last row: rows removed",
            )
        if broken:
            breaks.append(broken)
    return VerifyResult(integration_id=integration_id, rows_checked=checked, breaks=breaks)


AUDIT_SORTABLE = (
    "occurred_at",
    "actor_id",
    "action",
    "resource_type",
    "resource_id",
    "patient_id",
    "outcome",
    "source_ip",
)


def report(
    uow: UnitOfWork,
    actor: Actor,
    flt: AuditFilter,
    *,
    sort: list[tuple[str, bool]],
    offset: int,
    limit: int,
) -> tuple[list[AuditEvent], int]:
    """A page of the audit report; reading the audit log is itself audited."""
    rows, total = uow.audit.page(actor.integration_id, flt, sort=sort, offset=offset, limit=limit)
    record(uow, actor, "audit.read", resource_type="audit_event", detail={"rows": len(rows)})
    return rows, total
