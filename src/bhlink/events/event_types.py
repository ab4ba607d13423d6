"""The catalogue of event types bhlink emits, and endpoint subscription filters over them.

Names follow Standard Webhooks 1.0 "Event types": hierarchical, full-stop delimited, each
identifier limited to ``[a-zA-Z0-9_]`` (we use lower case only), e.g. ``appointment.created``.
An endpoint subscribes with a list of patterns: an exact type, ``<group>.*`` for every type of
one group, or ``*`` for everything.

Descriptions say what happened, never what the payload holds: payloads are thin (ids, not PHI),
as the spec recommends for auditable access.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class EventType(StrEnum):
    """Every event type bhlink emits. Emit with a member, never a bare string."""

    PATIENT_CREATED = "patient.created"
    PATIENT_UPDATED = "patient.updated"
    PROVIDER_CREATED = "provider.created"
    PROVIDER_UPDATED = "provider.updated"
    LOCATION_CREATED = "location.created"
    LOCATION_UPDATED = "location.updated"
    PAYER_CREATED = "payer.created"
    PAYER_UPDATED = "payer.updated"
    APPOINTMENT_CREATED = "appointment.created"
    APPOINTMENT_UPDATED = "appointment.updated"
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    APPOINTMENT_COMPLETED = "appointment.completed"
    APPOINTMENT_NO_SHOW = "appointment.no_show"
    APPOINTMENT_CHECKED_IN = "appointment.checked_in"
    APPOINTMENT_CONFIRMED = "appointment.confirmed"
    NOTE_CREATED = "note.created"
    NOTE_UPDATED = "note.updated"
    NOTE_SIGNED = "note.signed"
    NOTE_COSIGNED = "note.cosigned"
    NOTE_LOCKED = "note.locked"
    NOTE_AMENDED = "note.amended"
    NOTE_ADDENDUM_ADDED = "note.addendum_added"
    TREATMENT_PLAN_CREATED = "treatment_plan.created"
    TREATMENT_PLAN_UPDATED = "treatment_plan.updated"
    TREATMENT_PLAN_SIGNED = "treatment_plan.signed"
    TREATMENT_PLAN_REVIEW_DUE = "treatment_plan.review_due"
    TREATMENT_PLAN_OBJECTIVE_MET = "treatment_plan.objective_met"
    ASSESSMENT_COMPLETED = "assessment.completed"
    ASSESSMENT_CRITICAL_ITEM = "assessment.critical_item"
    ASSESSMENT_RELIABLE_CHANGE = "assessment.reliable_change"
    ASSESSMENT_ASSIGNED = "assessment.assigned"
    RISK_FLAG_ACKNOWLEDGED = "risk_flag.acknowledged"
    DOCUMENT_UPLOADED = "document.uploaded"
    CONSENT_CREATED = "consent.created"
    CONSENT_REVOKED = "consent.revoked"
    DIAGNOSIS_CREATED = "diagnosis.created"
    DIAGNOSIS_UPDATED = "diagnosis.updated"
    MEDICATION_CREATED = "medication.created"
    MEDICATION_UPDATED = "medication.updated"
    ALLERGY_CREATED = "allergy.created"
    ALLERGY_UPDATED = "allergy.updated"
    AUTHORIZATION_CREATED = "authorization.created"
    AUTHORIZATION_UPDATED = "authorization.updated"
    AUTHORIZATION_EXHAUSTED = "authorization.exhausted"
    AUTHORIZATION_EXPIRING = "authorization.expiring"
    CHARGE_CREATED = "charge.created"
    CHARGE_VOIDED = "charge.voided"
    CLAIM_CREATED = "claim.created"
    CLAIM_UPDATED = "claim.updated"
    CLAIM_SUBMITTED = "claim.submitted"
    CLAIM_ACCEPTED = "claim.accepted"
    CLAIM_REJECTED = "claim.rejected"
    CLAIM_PAID = "claim.paid"
    CLAIM_PARTIALLY_PAID = "claim.partially_paid"
    CLAIM_DENIED = "claim.denied"
    CLAIM_VOIDED = "claim.voided"
    REMITTANCE_POSTED = "remittance.posted"
    TASK_CREATED = "task.created"
    TASK_COMPLETED = "task.completed"
    WEBHOOK_ENDPOINT_DISABLED = "webhook.endpoint_disabled"
    WEBHOOK_TEST = "webhook.test"


_DESCRIPTIONS: dict[EventType, str] = {
    EventType.PATIENT_CREATED: "A patient record was created.",
    EventType.PATIENT_UPDATED: "A patient's demographics, contacts or coverage changed.",
    EventType.PROVIDER_CREATED: "A provider (clinician or billing provider) was added.",
    EventType.PROVIDER_UPDATED: "A provider's details, credentials or status changed.",
    EventType.LOCATION_CREATED: "A practice location or place of service was added.",
    EventType.LOCATION_UPDATED: "A location's details or status changed.",
    EventType.PAYER_CREATED: "An insurance payer was added to the practice's payer list.",
    EventType.PAYER_UPDATED: "A payer's identifiers or settings changed.",
    EventType.APPOINTMENT_CREATED: "An appointment was scheduled.",
    EventType.APPOINTMENT_UPDATED: "An appointment's time, provider, location or details changed.",
    EventType.APPOINTMENT_CANCELLED: "An appointment was cancelled by the practice or the patient.",
    EventType.APPOINTMENT_COMPLETED: "An appointment took place and was marked completed.",
    EventType.APPOINTMENT_NO_SHOW: "The patient did not attend an appointment.",
    EventType.APPOINTMENT_CHECKED_IN: "The patient was checked in for an appointment.",
    EventType.APPOINTMENT_CONFIRMED: "The patient confirmed an upcoming appointment.",
    EventType.NOTE_CREATED: "A clinical note was started (draft).",
    EventType.NOTE_UPDATED: "A draft clinical note was edited.",
    EventType.NOTE_SIGNED: "A clinical note was signed by its author.",
    EventType.NOTE_COSIGNED: "A clinical note was co-signed by a supervisor.",
    EventType.NOTE_LOCKED: "A signed note was locked against further edits.",
    EventType.NOTE_AMENDED: "A signed note was amended, creating a new version.",
    EventType.NOTE_ADDENDUM_ADDED: "An addendum was attached to a signed note.",
    EventType.TREATMENT_PLAN_CREATED: "A treatment plan was created.",
    EventType.TREATMENT_PLAN_UPDATED: "A treatment plan's problems, goals or objectives changed.",
    EventType.TREATMENT_PLAN_SIGNED: "A treatment plan was signed.",
    EventType.TREATMENT_PLAN_REVIEW_DUE: "A treatment plan reached its scheduled review date.",
    EventType.TREATMENT_PLAN_OBJECTIVE_MET: "An objective of a treatment plan was marked met.",
    EventType.ASSESSMENT_COMPLETED: "A measurement-based-care assessment was completed and scored.",
    EventType.ASSESSMENT_CRITICAL_ITEM: "An assessment answer endorsed a critical (risk) item.",
    EventType.ASSESSMENT_RELIABLE_CHANGE: "An assessment score changed reliably since baseline.",
    EventType.ASSESSMENT_ASSIGNED: "An assessment was assigned to a patient to complete.",
    EventType.RISK_FLAG_ACKNOWLEDGED: "A clinician acknowledged a risk flag raised for a patient.",
    EventType.DOCUMENT_UPLOADED: "A document was uploaded to a patient's chart.",
    EventType.CONSENT_CREATED: "A consent (including a 42 CFR Part 2 consent) was recorded.",
    EventType.CONSENT_REVOKED: "A patient revoked a consent.",
    EventType.DIAGNOSIS_CREATED: "A diagnosis was added to a patient's problem list.",
    EventType.DIAGNOSIS_UPDATED: "A diagnosis changed (status, rank or dates).",
    EventType.MEDICATION_CREATED: "A medication was added to a patient's medication list.",
    EventType.MEDICATION_UPDATED: "A medication entry changed or was discontinued.",
    EventType.ALLERGY_CREATED: "An allergy or intolerance was recorded.",
    EventType.ALLERGY_UPDATED: "An allergy entry changed or was resolved.",
    EventType.AUTHORIZATION_CREATED: "A payer prior authorization was recorded.",
    EventType.AUTHORIZATION_UPDATED: "A prior authorization's units, dates or status changed.",
    EventType.AUTHORIZATION_EXHAUSTED: "All units or visits of a prior authorization are used.",
    EventType.AUTHORIZATION_EXPIRING: "A prior authorization is close to its end date or units.",
    EventType.CHARGE_CREATED: "A billable service line (charge) was created.",
    EventType.CHARGE_VOIDED: "A charge was voided and no longer counts against the account.",
    EventType.CLAIM_CREATED: "A claim was created from charges.",
    EventType.CLAIM_UPDATED: "A claim's lines or details changed before submission.",
    EventType.CLAIM_SUBMITTED: "A claim was sent to the payer or clearinghouse (X12 837).",
    EventType.CLAIM_ACCEPTED: "A claim passed front-end checks (999 / 277CA acceptance).",
    EventType.CLAIM_REJECTED: "A claim was rejected at the front end (999 / 277CA rejection).",
    EventType.CLAIM_PAID: "A claim was paid in full (X12 835).",
    EventType.CLAIM_PARTIALLY_PAID: "A claim was paid in part (X12 835).",
    EventType.CLAIM_DENIED: "A payer adjudicated a claim as denied (X12 835).",
    EventType.CLAIM_VOIDED: "A claim was voided or cancelled.",
    EventType.REMITTANCE_POSTED: "A remittance advice (X12 835) was posted to claims.",
    EventType.TASK_CREATED: "A work-queue task was created.",
    EventType.TASK_COMPLETED: "A work-queue task was completed.",
    EventType.WEBHOOK_ENDPOINT_DISABLED: (
        "A webhook endpoint was disabled after a 410 or 5 days of failures."
    ),
    EventType.WEBHOOK_TEST: "A test event sent on request to check an endpoint.",
}

DESCRIPTIONS: Mapping[EventType, str] = MappingProxyType(_DESCRIPTIONS)

WILDCARD_ALL = "*"
_WILDCARD_SUFFIX = ".*"

_KNOWN_TYPES: frozenset[str] = frozenset(member.value for member in EventType)
GROUPS: frozenset[str] = frozenset(name.split(".", 1)[0] for name in _KNOWN_TYPES)

_IDENTIFIER = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True, slots=True)
class FilterProblem:
    """One problem in a subscription filter, shaped like an RFC 9457 ``errors`` entry."""

    field: str
    message: str


def is_known(event_type: str) -> bool:
    """True when ``event_type`` is in the catalogue."""
    return event_type in _KNOWN_TYPES


def describe(event_type: str) -> str:
    """The one-line description of a catalogued type; ``ValueError`` for an unknown one."""
    return DESCRIPTIONS[EventType(event_type)]


def _pattern_matches(pattern: str, event_type: str) -> bool:
    if pattern == WILDCARD_ALL:
        return True
    if pattern.endswith(_WILDCARD_SUFFIX):
        group = pattern[: -len(_WILDCARD_SUFFIX)]
        return group in GROUPS and event_type.split(".", 1)[0] == group
    return pattern == event_type


def matches(filter_patterns: Sequence[str], event_type: str) -> bool:
    """True when any pattern selects ``event_type``.

    Patterns are assumed validated (see :func:`validate_filter`); a malformed one selects
    nothing. An empty filter selects nothing. An unknown ``event_type`` is a programming error
    in the emitter and raises ``ValueError``.
    """
    if not is_known(event_type):
        raise ValueError("event_type is not in the catalogue")
    return any(
        isinstance(pattern, str) and _pattern_matches(pattern, event_type)
        for pattern in filter_patterns
    )


def _pattern_problem(pattern: object) -> str | None:
    if not isinstance(pattern, str):
        return "must be a string"
    if pattern == WILDCARD_ALL or is_known(pattern):
        return None
    if pattern.endswith(_WILDCARD_SUFFIX):
        group = pattern[: -len(_WILDCARD_SUFFIX)]
        if not _IDENTIFIER.fullmatch(group):
            return "malformed pattern: use an event type, '<group>.*' or '*'"
        if group not in GROUPS:
            return "unknown event group"
        return None
    parts = pattern.split(".")
    if len(parts) != 2 or not all(_IDENTIFIER.fullmatch(part) for part in parts):
        return "malformed pattern: use an event type, '<group>.*' or '*'"
    return "unknown event type"


def validate_filter(patterns: object, field: str = "eventTypes") -> list[FilterProblem]:
    """Return every problem in a subscription filter (empty list when it is valid).

    ``patterns`` is raw input: anything that is not a non-empty list of strings is reported.
    Each problem names its item, e.g. ``eventTypes[2]``. Duplicates are reported too, since a
    client sending one almost certainly meant something else.
    """
    if not isinstance(patterns, list | tuple):
        return [FilterProblem(field, "must be a list of event types or patterns")]
    if not patterns:
        return [FilterProblem(field, "must contain at least one event type or pattern")]
    problems: list[FilterProblem] = []
    seen: set[str] = set()
    for index, pattern in enumerate(patterns):
        item = f"{field}[{index}]"
        message = _pattern_problem(pattern)
        if message is not None:
            problems.append(FilterProblem(item, message))
        elif pattern in seen:
            problems.append(FilterProblem(item, "duplicate pattern"))
        if isinstance(pattern, str):
            seen.add(pattern)
    return problems
