"""Access decisions: entitlements per resource family and the clinician caseload rule."""

from __future__ import annotations

from bhlink.domain.errors import Forbidden, NotFound
from bhlink.domain.roles import Entitlement
from bhlink.services.context import Actor
from bhlink.store.unit_of_work import UnitOfWork


def require(actor: Actor, entitlement: Entitlement, *, write: bool = False) -> None:
    """Raise Forbidden unless the actor holds `entitlement` (and may write, if asked)."""
    if entitlement not in actor.entitlements:
        raise Forbidden(
            detail=f"the '{entitlement.value}' entitlement is required", code="missing_entitlement"
        )
    if write and actor.read_only:
        raise Forbidden(detail="read-only users cannot change records", code="read_only")


def require_admin(actor: Actor) -> None:
    """Raise Forbidden unless the actor is an admin."""
    if not actor.is_admin:
        raise Forbidden(detail="the admin role is required", code="admin_only")


def ensure_patient_visible(uow: UnitOfWork, actor: Actor, patient_id: str) -> None:
    """404 unless the patient exists in the actor's integration and is on their caseload.

    Outside the caseload answers 404, not 403, so ids cannot be probed for existence.
    """
    if actor.caseload_provider_ids is None:
        return
    if not uow.patients.is_on_caseload(patient_id, actor.caseload_provider_ids):
        raise NotFound(detail="patient not found", code="patient_not_found")


def not_found(kind: str) -> NotFound:
    """The same 404 whether the id is unknown, of another integration or out of reach."""
    return NotFound(detail=f"{kind} not found", code=f"{kind}_not_found")
