"""Patient record export: the clinical record sent to a named recipient, as JSON.

An export is a disclosure: it names its recipient, goes through the 42 CFR Part 2 gate
(services.consents.authorize_disclosure) and never contains psychotherapy notes unless an
admin explicitly asks (`includePsychotherapyNotes=true`, audited). Only signed notes leave.
"""

from __future__ import annotations

from typing import Any

from bhlink.domain.clock import utcnow
from bhlink.domain.roles import Entitlement
from bhlink.schemas.base import dump, format_utc
from bhlink.schemas.chart import allergy_read, diagnosis_read, medication_read
from bhlink.schemas.documents import document_read
from bhlink.schemas.notes import note_read
from bhlink.schemas.treatment_plans import plan_read
from bhlink.services import audit, consents, notes
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.store.tables import PatientAllergy, PatientDiagnosis, PatientMedication
from bhlink.store.unit_of_work import UnitOfWork


def export_patient_record(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    recipient: str,
    *,
    include_psychotherapy_notes: bool = False,
) -> dict[str, Any]:
    """GET /patients/{id}/export?recipient=...: the patient's clinical record for a recipient."""
    require(actor, Entitlement.PATIENTS)
    require(actor, Entitlement.NOTES)
    patient = uow.patients.get(actor.integration_id, patient_id, with_children=False)
    if patient is None:
        raise not_found("patient")
    ensure_patient_visible(uow, actor, patient_id)
    disclosed_notes = notes.disclosable_notes(
        uow, actor, patient_id, include_psychotherapy_notes=include_psychotherapy_notes
    )
    disclosure = consents.authorize_disclosure(
        uow, actor, patient, recipient, what="patient_record", resource_id=patient_id
    )
    if include_psychotherapy_notes:
        audit.record(
            uow,
            actor,
            "note.psychotherapy_note_released",
            resource_type="patient_record",
            resource_id=patient_id,
            patient_id=patient_id,
        )
    integration = actor.integration_id
    plans = uow.plans.for_patient(integration, patient_id)
    audit.record(
        uow,
        actor,
        "patient_record.exported",
        resource_type="patient",
        resource_id=patient_id,
        patient_id=patient_id,
        detail={"recipient": disclosure.recipient, "notes": len(disclosed_notes)},
    )
    return {
        "exportedAt": format_utc(utcnow()),
        "patient": {
            "patientId": patient.id,
            "mrn": patient.mrn,
            "firstName": patient.first_name,
            "lastName": patient.last_name,
            "dob": patient.dob.isoformat(),
        },
        "disclosure": disclosure.as_json(),
        "diagnoses": [
            dump(diagnosis_read(r))
            for r in uow.chart.all_for_patient(PatientDiagnosis, integration, patient_id)
        ],
        "medications": [
            dump(medication_read(r))
            for r in uow.chart.all_for_patient(PatientMedication, integration, patient_id)
        ],
        "allergies": [
            dump(allergy_read(r))
            for r in uow.chart.all_for_patient(PatientAllergy, integration, patient_id)
        ],
        "treatmentPlans": [dump(plan_read(p)) for p in plans],
        "notes": [dump(note_read(n)) for n in disclosed_notes],
        "documents": [
            dump(document_read(d)) for d in uow.documents.for_patient(integration, patient_id)
        ],
    }
