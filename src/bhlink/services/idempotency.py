"""Idempotency-Key with Stripe semantics: claim before the work, complete inside its transaction.

A key is scoped to (integration, principal, method, path). The claim is committed on its own so
a concurrent duplicate sees it (409); the completion, carrying the response, is written in the
same transaction as the side effect, so either both exist or neither does. A request that fails
releases its claim: nothing is saved for requests that did not succeed, and retrying them is safe.
A claim whose process died is released when its lease runs out, which is safe for the same reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.store.db import Database
from bhlink.store.tables import IdempotencyKey
from bhlink.store.unit_of_work import UniqueViolation, UnitOfWork

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Scope:
    """Where a key applies."""

    integration_id: str
    principal_id: str
    method: str
    path: str
    key: str


@dataclass(frozen=True)
class StoredResponse:
    """A response replayed for a repeated request."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Claim:
    """A held key: complete it in the work's transaction, or release it on failure."""

    key_id: str


def request_fingerprint(body: bytes) -> str:
    """What 'the same request' means: the same body bytes (method and path are in the scope)."""
    return hashlib.sha256(body).hexdigest()


def validate_key(key: str) -> None:
    """Keys are 1-255 printable ASCII characters."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            detail="Idempotency-Key must be 1-255 printable ASCII characters",
            errors=[FieldProblem("Idempotency-Key", "must be 1-255 printable ASCII characters")],
        )


def claim(
    db: Database, scope: Scope, fingerprint: str, *, lease_seconds: int, retention_hours: int
) -> Claim | StoredResponse:
    """Claim the key for this request, or return the stored response of its first success."""
    validate_key(scope.key)
    for _ in range(3):
        with db.unit_of_work() as uow:
            now = utcnow()
            row = uow.idempotency.find(
                scope.integration_id,
                scope.principal_id,
                scope.method,
                scope.path,
                scope.key,
                lock=True,
            )
            if row is not None and row.created_at < now - timedelta(hours=retention_hours):
                uow.delete(row)
                uow.flush()
                row = None
            if row is None:
                row = IdempotencyKey(
                    id=new_id("idk"),
                    integration_id=scope.integration_id,
                    principal_id=scope.principal_id,
                    method=scope.method,
                    path=scope.path,
                    key=scope.key,
                    request_hash=fingerprint,
                    status="in_progress",
                    locked_until=now + timedelta(seconds=lease_seconds),
                    created_at=now,
                )
                uow.add(row)
                try:
                    uow.commit()
                except UniqueViolation:
                    continue  # a concurrent request inserted it first: look again
                return Claim(key_id=row.id)
            if row.request_hash != fingerprint:
                raise InvalidInput(
                    detail="this Idempotency-Key was used with a different request body",
                    errors=[FieldProblem("Idempotency-Key", "reused with a different request")],
                    code="idempotency_key_mismatch",
                )
            if row.status == "completed":
                return StoredResponse(
                    status=row.response_status or 200,
                    headers=dict(row.response_headers or {}),
                    body=row.response_body or b"",
                )
            if row.locked_until > now:
                raise Conflict(
                    detail="a request with this Idempotency-Key is still in progress; retry later",
                    code="idempotency_key_in_use",
                )
            # The first attempt died without completing (its work rolled back): take over.
            row.locked_until = now + timedelta(seconds=lease_seconds)
            uow.commit()
            return Claim(key_id=row.id)
    raise Conflict(
        detail="a request with this Idempotency-Key is still in progress",
        code="idempotency_key_in_use",
    )


def complete(uow: UnitOfWork, held: Claim, response: StoredResponse) -> None:
    """Store the response in the caller's transaction (commits with the side effect)."""
    row = uow.idempotency.get(held.key_id)
    if row is None:
        return
    row.status = "completed"
    row.response_status = response.status
    row.response_headers = response.headers
    row.response_body = response.body


def release(db: Database, held: Claim) -> None:
    """Forget the claim of a request that failed, so the client may retry it."""
    with db.unit_of_work() as uow:
        row = uow.idempotency.get(held.key_id)
        if row is not None and row.status == "in_progress":
            uow.delete(row)
            uow.commit()
