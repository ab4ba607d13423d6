"""Providers, locations and payers: create-or-update by id or referenceId, read, list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.schemas.directory import LocationWrite, PayerWrite, ProviderWrite
from bhlink.services import audit, outbox
from bhlink.services.access import not_found, require_admin
from bhlink.services.context import Actor
from bhlink.services.records import apply_changes, stamp_new, stamp_update
from bhlink.store.queries.paging import Page
from bhlink.store.tables import Location, Payer, Provider
from bhlink.store.unit_of_work import UniqueViolation, UnitOfWork

_KINDS: dict[type[Any], tuple[str, str, str]] = {
    Provider: ("provider", "prv", "providerId"),
    Location: ("location", "loc", "locationId"),
    Payer: ("payer", "payer", "payerId"),
}


def _values(body: ProviderWrite | LocationWrite | PayerWrite) -> dict[str, Any]:
    """Column values; nested documents (address, telehealth policy) stored as the API shows them."""
    values: dict[str, Any] = {}
    for name in type(body).model_fields:
        if name in ("provider_id", "location_id", "payer_id"):
            continue
        value = getattr(body, name)
        values[name] = (
            value.model_dump(mode="json", by_alias=True) if isinstance(value, BaseModel) else value
        )
    return values


def _upsert(
    uow: UnitOfWork, actor: Actor, model: type[Any], body: Any, record_id: str | None
) -> tuple[Any, bool]:
    kind, prefix, _id_field = _KINDS[model]
    require_admin(actor)
    existing = None
    if record_id is not None:
        existing = uow.practice.get(model, actor.integration_id, record_id)
        if existing is None:
            raise not_found(kind)
    elif body.reference_id is not None:
        existing = uow.practice.by_reference(model, actor.integration_id, body.reference_id)
    values = _values(body)
    if model is Provider:
        _check_provider(uow, actor, body, existing)
    if existing is None:
        record = model(id=new_id(prefix), integration_id=actor.integration_id, **values)
        seq, at = stamp_new(uow, record)
        uow.add(record)
        changed = list(values)
        event = f"{kind}.created"
    else:
        record = existing
        changed = apply_changes(record, values)
        if not changed:
            return record, False
        seq, at = stamp_update(uow, record)
        event = f"{kind}.updated"
    try:
        uow.flush()
    except UniqueViolation as exc:
        raise Conflict(
            detail=f"another {kind} has the same NPI or referenceId",
            errors=[FieldProblem("npi" if model is Provider else "referenceId", "already used")],
            code="duplicate",
        ) from exc
    audit.record(
        uow,
        actor,
        event,
        resource_type=kind,
        resource_id=record.id,
        detail={"fields": sorted(changed)},
    )
    outbox.emit(
        uow, actor, event, kind, record.id, change_seq=seq, occurred_at=at, changed_fields=changed
    )
    return record, existing is None


def _check_provider(
    uow: UnitOfWork, actor: Actor, body: ProviderWrite, existing: Provider | None
) -> None:
    if body.supervisor_id is None:
        return
    if existing is not None and body.supervisor_id == existing.id:
        raise InvalidInput(
            detail="a provider cannot supervise themselves",
            errors=[FieldProblem("supervisorId", "cannot be the provider itself")],
        )
    if uow.practice.get(Provider, actor.integration_id, body.supervisor_id) is None:
        raise InvalidInput(
            detail="unknown supervisor",
            errors=[FieldProblem("supervisorId", "no such provider in this integration")],
        )


def upsert_provider(
    uow: UnitOfWork, actor: Actor, body: ProviderWrite, provider_id: str | None = None
) -> tuple[Provider, bool]:
    """Create or update a provider (admin)."""
    record, created = _upsert(uow, actor, Provider, body, provider_id or body.provider_id)
    return record, created


def upsert_location(
    uow: UnitOfWork, actor: Actor, body: LocationWrite, location_id: str | None = None
) -> tuple[Location, bool]:
    """Create or update a location (admin)."""
    record, created = _upsert(uow, actor, Location, body, location_id or body.location_id)
    return record, created


def upsert_payer(
    uow: UnitOfWork, actor: Actor, body: PayerWrite, payer_id: str | None = None
) -> tuple[Payer, bool]:
    """Create or update a payer (admin)."""
    record, created = _upsert(uow, actor, Payer, body, payer_id or body.payer_id)
    return record, created


MODELS: dict[str, type[Any]] = {"provider": Provider, "location": Location, "payer": Payer}


def get(uow: UnitOfWork, actor: Actor, kind: str, record_id: str) -> Any:
    """One directory record; directory data is not PHI, any authenticated user may read it."""
    record = uow.practice.get(MODELS[kind], actor.integration_id, record_id)
    if record is None:
        raise not_found(kind)
    return record


def page(
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    *,
    updated_after: datetime | None,
    after_seq: int | None,
    limit: int,
    status: str | None,
) -> Page[Any]:
    """A page of directory records in change order."""
    return uow.practice.page(
        MODELS[kind],
        actor.integration_id,
        updated_after=updated_after,
        after_seq=after_seq,
        limit=limit,
        status=status,
    )
