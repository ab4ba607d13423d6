"""Table definitions, one module per capability; importing this package registers them all."""

from bhlink.store.tables.authorizations import Authorization, AuthorizationAlert
from bhlink.store.tables.base import Base
from bhlink.store.tables.billing import (
    Charge,
    FeeScheduleEntry,
    LedgerEntry,
    PayerBillingRules,
    RevenueSettings,
)
from bhlink.store.tables.claims import (
    Claim,
    ClaimBatch,
    ClaimEvent,
    ClaimLine,
    EdiControlCounter,
    EdiFile,
)
from bhlink.store.tables.patients import CareTeamMember, InsurancePolicy, Patient
from bhlink.store.tables.practice import Location, Payer, Provider
from bhlink.store.tables.records import AuditChainHead, AuditEvent, IdempotencyKey, OutboxEvent
from bhlink.store.tables.remittances import Remittance, RemittanceClaim, RemittanceException
from bhlink.store.tables.scheduling import Appointment, AppointmentAttendee
from bhlink.store.tables.tenancy import ApiClient, AuthSession, Integration, User

__all__ = [
    "ApiClient",
    "Appointment",
    "AppointmentAttendee",
    "AuditChainHead",
    "AuditEvent",
    "AuthSession",
    "Authorization",
    "AuthorizationAlert",
    "Base",
    "CareTeamMember",
    "Charge",
    "Claim",
    "ClaimBatch",
    "ClaimEvent",
    "ClaimLine",
    "EdiControlCounter",
    "EdiFile",
    "FeeScheduleEntry",
    "IdempotencyKey",
    "InsurancePolicy",
    "Integration",
    "LedgerEntry",
    "Location",
    "OutboxEvent",
    "Patient",
    "Payer",
    "PayerBillingRules",
    "Provider",
    "Remittance",
    "RemittanceClaim",
    "RemittanceException",
    "RevenueSettings",
    "User",
]
