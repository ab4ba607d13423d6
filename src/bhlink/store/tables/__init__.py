"""Table definitions, one module per capability; importing this package registers them all."""

from bhlink.store.tables.base import Base
from bhlink.store.tables.patients import CareTeamMember, InsurancePolicy, Patient
from bhlink.store.tables.practice import Location, Payer, Provider
from bhlink.store.tables.records import AuditChainHead, AuditEvent, IdempotencyKey, OutboxEvent
from bhlink.store.tables.scheduling import Appointment, AppointmentAttendee
from bhlink.store.tables.tenancy import ApiClient, AuthSession, Integration, User
from bhlink.store.tables.webhooks import DeliveryAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiClient",
    "Appointment",
    "AppointmentAttendee",
    "AuditChainHead",
    "AuditEvent",
    "AuthSession",
    "Base",
    "CareTeamMember",
    "DeliveryAttempt",
    "IdempotencyKey",
    "InsurancePolicy",
    "Integration",
    "Location",
    "OutboxEvent",
    "Patient",
    "Payer",
    "Provider",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]
