"""Patients (clients): create-or-update by patientId, referenceId or MRN; patch; read; list."""

from __future__ import annotations

from typing import Any

from pydantic.alias_generators import to_camel

from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput, PreconditionFailed
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.schemas.patients import PatientFields, PatientPatch, PatientWrite
from bhlink.services import audit, outbox
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import stamp_new, stamp_update
from bhlink.store.queries.paging import Page
from bhlink.store.queries.patients import PatientFilter
from bhlink.store.tables import CareTeamMember, InsurancePolicy, Patient, Payer, Provider
from bhlink.store.unit_of_work import UniqueViolation, UnitOfWork

_RANK = {"primary": 1, "secondary": 2, "tertiary": 3}
_REQUIRED_ON_CREATE = ("first_name", "last_name", "dob", "sex")


def _check_references(uow: UnitOfWork, actor: Actor, body: PatientFields) -> None:
    """Every payer and provider the body names must exist in this integration."""
    problems: list[FieldProblem] = []
    sent = body.model_fields_set
    provider_refs: list[tuple[str, str]] = []
    if "primary_provider_id" in sent and body.primary_provider_id:
        provider_refs.append(("primaryProviderId", body.primary_provider_id))
    for index, member in enumerate(body.care_team or []):
        provider_refs.append((f"careTeam[{index}].providerId", member.provider_id))
    known = uow.practice.existing_ids(
        Provider, actor.integration_id, [ref for _, ref in provider_refs]
    )
    problems += [
        FieldProblem(f, "no such provider in this integration")
        for f, ref in provider_refs
        if ref not in known
    ]
    payer_refs = [
        (f"insurance[{i}].payerId", p.payer_id) for i, p in enumerate(body.insurance or [])
    ]
    known_payers = uow.practice.existing_ids(
        Payer, actor.integration_id, [ref for _, ref in payer_refs]
    )
    problems += [
        FieldProblem(f, "no such payer in this integration")
        for f, ref in payer_refs
        if ref not in known_payers
    ]
    if body.care_team is not None:
        ids = [m.provider_id for m in body.care_team]
        if len(ids) != len(set(ids)):
            problems.append(FieldProblem("careTeam", "a provider may appear once"))
    if problems:
        raise InvalidInput(detail="the patient names records that do not exist", errors=problems)


def _column_values(body: PatientFields) -> dict[str, Any]:
    """Map the sent API fields onto patient columns (children handled separately)."""
    sent = body.model_fields_set
    values: dict[str, Any] = {}
    simple = (
        "mrn",
        "first_name",
        "middle_name",
        "last_name",
        "preferred_name",
        "dob",
        "sex",
        "gender_identity",
        "primary_provider_id",
        "status",
        "active_from",
        "active_until",
        "part2",
        "reference_id",
    )
    for name in simple:
        if name in sent:
            values[name] = getattr(body, name)
    if "contact" in sent:
        contact = body.contact
        values["email"] = contact.email if contact else None
        values["phone"] = contact.phone if contact else None
    if "address" in sent:
        addr = body.address
        values.update(
            address_line1=addr.line1 if addr else None,
            address_line2=addr.line2 if addr else None,
            city=addr.city if addr else None,
            region=addr.region if addr else None,
            postal_code=addr.postal_code if addr else None,
            country=addr.country if addr else None,
        )
    if "portal_enrollment" in sent and body.portal_enrollment is not None:
        values["portal_status"] = body.portal_enrollment.status
        values["portal_invited_on"] = body.portal_enrollment.invited_on
    for name in ("status", "part2", "active_from"):
        if name in values and values[name] is None:
            values.pop(name)
    return values


def _set_children(patient: Patient, body: PatientFields) -> list[str]:
    changed: list[str] = []
    sent = body.model_fields_set
    if "insurance" in sent:
        policies = sorted(body.insurance or [], key=lambda p: _RANK[p.type])
        patient.insurance = [
            InsurancePolicy(
                id=new_id("ins"),
                integration_id=patient.integration_id,
                position=_RANK[p.type],
                type=p.type,
                payer_id=p.payer_id,
                member_id=p.member_id,
                group_number=p.group_number,
                relationship=p.relationship,
                subscriber_first_name=p.subscriber.first_name if p.subscriber else None,
                subscriber_last_name=p.subscriber.last_name if p.subscriber else None,
                subscriber_dob=p.subscriber.dob if p.subscriber else None,
                subscriber_sex=p.subscriber.sex if p.subscriber else None,
                effective_start=p.effective_start,
                effective_end=p.effective_end,
            )
            for p in policies
        ]
        changed.append("insurance")
    if "care_team" in sent:
        patient.care_team = [
            CareTeamMember(
                provider_id=m.provider_id, integration_id=patient.integration_id, role=m.role
            )
            for m in body.care_team or []
        ]
        changed.append("careTeam")
    return changed


def _api_names(columns: list[str]) -> list[str]:
    mapping = {
        "email": "contact",
        "phone": "contact",
        "portal_status": "portalEnrollment",
        "portal_invited_on": "portalEnrollment",
    }
    names = {
        mapping.get(
            c,
            "address"
            if c.startswith("address_") or c in ("city", "region", "postal_code", "country")
            else to_camel(c),
        )
        for c in columns
    }
    return sorted(names)


def _save(
    uow: UnitOfWork,
    actor: Actor,
    patient: Patient,
    created: bool,
    changed_columns: list[str],
    changed_children: list[str],
) -> None:
    changed = _api_names(changed_columns) + changed_children
    seq, at = stamp_new(uow, patient) if created else stamp_update(uow, patient)
    if created:
        uow.add(patient)
    try:
        uow.flush()
    except UniqueViolation as exc:
        raise Conflict(
            detail="another patient has the same mrn or referenceId",
            errors=[FieldProblem("mrn", "already used by another patient")],
            code="duplicate_patient",
        ) from exc
    action = "patient.created" if created else "patient.updated"
    audit.record(
        uow,
        actor,
        action,
        resource_type="patient",
        resource_id=patient.id,
        patient_id=patient.id,
        detail={"fields": changed},
    )
    outbox.emit(
        uow,
        actor,
        action,
        "patient",
        patient.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=changed,
    )


def upsert(uow: UnitOfWork, actor: Actor, body: PatientWrite) -> tuple[Patient, bool]:
    """POST /patients: update the patient named by patientId/referenceId/mrn, else create."""
    require(actor, Entitlement.PATIENTS, write=True)
    existing: Patient | None = None
    if body.patient_id is not None:
        existing = uow.patients.get(actor.integration_id, body.patient_id)
        if existing is None:
            raise not_found("patient")
    elif body.reference_id is not None:
        existing = uow.patients.by_reference(actor.integration_id, body.reference_id)
    if existing is None and body.mrn is not None:
        existing = uow.patients.by_mrn(actor.integration_id, body.mrn)
    if existing is not None:
        ensure_patient_visible(uow, actor, existing.id)
        return _update(uow, actor, existing, body), False
    return _create(uow, actor, body), True


def _create(uow: UnitOfWork, actor: Actor, body: PatientFields) -> Patient:
    missing = [f for f in _REQUIRED_ON_CREATE if getattr(body, f) is None]
    if missing:
        raise InvalidInput(
            detail="a new patient needs these fields",
            errors=[FieldProblem(to_camel(f), "is required to create a patient") for f in missing],
        )
    if (
        actor.caseload_provider_ids is not None
        and body.primary_provider_id is None
        and actor.provider_id
    ):
        # A clinician who registers a patient keeps them on their own caseload.
        body = body.model_copy(update={"primary_provider_id": actor.provider_id})
        body.model_fields_set.add("primary_provider_id")
    _check_references(uow, actor, body)
    values = _column_values(body)
    values.setdefault("mrn", "MRN-" + new_id("pt")[-10:].upper())
    values.setdefault("active_from", utcnow().date())
    patient = Patient(
        id=new_id("pt"), integration_id=actor.integration_id, insurance=[], care_team=[], **values
    )
    children = _set_children(patient, body)
    if actor.caseload_provider_ids is not None and not _on_caseload(
        patient, actor.caseload_provider_ids
    ):
        raise InvalidInput(
            detail="the patient would not be on your caseload",
            errors=[
                FieldProblem(
                    "primaryProviderId", "must be you or a provider whose caseload you see"
                )
            ],
        )
    _save(uow, actor, patient, True, list(values), children)
    return patient


def _on_caseload(patient: Patient, providers: tuple[str, ...]) -> bool:
    return patient.primary_provider_id in providers or any(
        m.provider_id in providers for m in patient.care_team
    )


def _update(uow: UnitOfWork, actor: Actor, patient: Patient, body: PatientFields) -> Patient:
    _check_references(uow, actor, body)
    values = _column_values(body)
    changed = [name for name, value in values.items() if getattr(patient, name) != value]
    for name in changed:
        setattr(patient, name, values[name])
    if patient.active_until is not None and patient.active_until < patient.active_from:
        raise InvalidInput(
            detail="activeUntil is before activeFrom",
            errors=[FieldProblem("activeUntil", "must not be before activeFrom")],
        )
    children = _set_children(patient, body)
    if not changed and not children:
        return patient
    _save(uow, actor, patient, False, changed, children)
    return patient


def patch(
    uow: UnitOfWork, actor: Actor, patient_id: str, body: PatientPatch, if_match: int | None
) -> Patient:
    """PATCH /patients/{id}: only the sent fields change; If-Match (optional) guards the version."""
    require(actor, Entitlement.PATIENTS, write=True)
    patient = uow.patients.get(actor.integration_id, patient_id)
    if patient is None:
        raise not_found("patient")
    ensure_patient_visible(uow, actor, patient.id)
    if if_match is not None and if_match != patient.version:
        raise PreconditionFailed(
            detail="the patient changed since you read it; fetch it again", code="version_mismatch"
        )
    for name in ("first_name", "last_name", "dob", "sex", "mrn"):
        if name in body.model_fields_set and getattr(body, name) is None:
            raise InvalidInput(
                detail="required field cleared",
                errors=[FieldProblem(to_camel(name), "cannot be null")],
            )
    return _update(uow, actor, patient, body)


def get(uow: UnitOfWork, actor: Actor, patient_id: str) -> Patient:
    """GET /patients/{id} (audited read)."""
    require(actor, Entitlement.PATIENTS)
    patient = uow.patients.get(actor.integration_id, patient_id)
    if patient is None:
        raise not_found("patient")
    ensure_patient_visible(uow, actor, patient.id)
    audit.record(
        uow,
        actor,
        "patient.read",
        resource_type="patient",
        resource_id=patient.id,
        patient_id=patient.id,
    )
    return patient


def page(
    uow: UnitOfWork, actor: Actor, flt: PatientFilter, *, after_seq: int | None, limit: int
) -> Page[Patient]:
    """GET /patients: a page in change order, limited to the caseload; each row read is audited."""
    require(actor, Entitlement.PATIENTS)
    if actor.caseload_provider_ids is not None:
        flt = PatientFilter(
            **{**flt.__dict__, "caseload_provider_ids": actor.caseload_provider_ids}
        )
    result = uow.patients.page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record_many(uow, actor, "patient.read", "patient", [(p.id, p.id) for p in result.rows])
    return result
