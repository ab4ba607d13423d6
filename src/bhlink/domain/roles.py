"""Roles and entitlements: who may touch which family of resources."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's job in the practice."""

    ADMIN = "admin"
    CLINICIAN = "clinician"
    SUPERVISOR = "supervisor"
    BILLER = "biller"
    FRONT_DESK = "front_desk"
    READONLY = "readonly"


class Entitlement(StrEnum):
    """A resource family a user may use (seed 003 `user.entitlements`)."""

    PATIENTS = "patients"
    APPOINTMENTS = "appointments"
    NOTES = "notes"
    TREATMENT_PLANS = "treatmentPlans"
    ASSESSMENTS = "assessments"
    AUTHORIZATIONS = "authorizations"
    CLAIMS = "claims"
    REMITTANCES = "remittances"
    WEBHOOKS = "webhooks"
    AUDIT = "audit"


_CLINICAL = {
    Entitlement.PATIENTS,
    Entitlement.APPOINTMENTS,
    Entitlement.NOTES,
    Entitlement.TREATMENT_PLANS,
    Entitlement.ASSESSMENTS,
}

DEFAULT_ENTITLEMENTS: dict[Role, frozenset[Entitlement]] = {
    Role.ADMIN: frozenset(Entitlement),
    Role.CLINICIAN: frozenset(_CLINICAL),
    Role.SUPERVISOR: frozenset(_CLINICAL),
    Role.BILLER: frozenset(
        {
            Entitlement.PATIENTS,
            Entitlement.APPOINTMENTS,
            Entitlement.AUTHORIZATIONS,
            Entitlement.CLAIMS,
            Entitlement.REMITTANCES,
        }
    ),
    Role.FRONT_DESK: frozenset(
        {Entitlement.PATIENTS, Entitlement.APPOINTMENTS, Entitlement.AUTHORIZATIONS}
    ),
    Role.READONLY: frozenset(
        {Entitlement.PATIENTS, Entitlement.APPOINTMENTS, Entitlement.ASSESSMENTS}
    ),
}

# Roles whose patient access is limited to a caseload (primary provider or care team).
CASELOAD_ROLES = frozenset({Role.CLINICIAN, Role.SUPERVISOR})


def entitlements_for(
    roles: list[Role], explicit: list[Entitlement] | None
) -> frozenset[Entitlement]:
    """Explicit entitlements win; otherwise the union of the roles' defaults."""
    if explicit is not None:
        return frozenset(explicit)
    granted: set[Entitlement] = set()
    for role in roles:
        granted |= DEFAULT_ENTITLEMENTS[role]
    return frozenset(granted)


def sorted_entitlements(values: frozenset[Entitlement]) -> list[str]:
    """Entitlements in their declaration order, as the API shows them."""
    return [e.value for e in Entitlement if e in values]
