"""Table definitions, one module per capability; importing this package registers them all."""

from bhlink.store.tables.assessments import (
    AssessmentAssignment,
    AssessmentBaseline,
    AssessmentResult,
    RiskFlag,
)
from bhlink.store.tables.authorizations import Authorization, AuthorizationAlert
from bhlink.store.tables.base import Base
from bhlink.store.tables.billing import (
    Charge,
    FeeScheduleEntry,
    LedgerEntry,
    PayerBillingRules,
    RevenueSettings,
)
from bhlink.store.tables.chart import PatientAllergy, PatientDiagnosis, PatientMedication
from bhlink.store.tables.claims import (
    Claim,
    ClaimBatch,
    ClaimEvent,
    ClaimLine,
    EdiControlCounter,
    EdiFile,
)
from bhlink.store.tables.clinical import ClinicalNote, NoteAddendum, NoteSignature, NoteVersion
from bhlink.store.tables.documents import Consent, Document
from bhlink.store.tables.patients import CareTeamMember, InsurancePolicy, Patient
from bhlink.store.tables.plans import PlanItem, PlanSignature, PlanVersion, TreatmentPlan
from bhlink.store.tables.practice import Location, Payer, Provider
from bhlink.store.tables.records import AuditChainHead, AuditEvent, IdempotencyKey, OutboxEvent
from bhlink.store.tables.remittances import Remittance, RemittanceClaim, RemittanceException
from bhlink.store.tables.scheduling import Appointment, AppointmentAttendee
from bhlink.store.tables.tasks import Task
from bhlink.store.tables.tenancy import ApiClient, AuthSession, Integration, User
from bhlink.store.tables.webhooks import DeliveryAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiClient",
    "Appointment",
    "AppointmentAttendee",
    "AssessmentAssignment",
    "AssessmentBaseline",
    "AssessmentResult",
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
    "ClinicalNote",
    "Consent",
    "DeliveryAttempt",
    "Document",
    "EdiControlCounter",
    "EdiFile",
    "FeeScheduleEntry",
    "IdempotencyKey",
    "InsurancePolicy",
    "Integration",
    "LedgerEntry",
    "Location",
    "NoteAddendum",
    "NoteSignature",
    "NoteVersion",
    "OutboxEvent",
    "Patient",
    "PatientAllergy",
    "PatientDiagnosis",
    "PatientMedication",
    "Payer",
    "PayerBillingRules",
    "PlanItem",
    "PlanSignature",
    "PlanVersion",
    "Provider",
    "Remittance",
    "RemittanceClaim",
    "RemittanceException",
    "RevenueSettings",
    "RiskFlag",
    "Task",
    "TreatmentPlan",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
