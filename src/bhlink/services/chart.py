"""The chart lists under a patient: problem list (ICD-10-CM), medications, allergies.

Diagnoses are validated against the shipped ICD-10-CM subset (bhlink.domain.codes; an
unknown or non-billable code is a 422 naming `code`); a patient has at most one active
primary diagnosis and never the same code active twice. Reading these lists needs the
`notes` entitlement (billers, who need diagnoses for claims, may read the problem list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic.alias_generators import to_camel

from bhlink.domain.codes import lookup_icd10, normalize_icd10, validate_diagnosis_code
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput, PreconditionFailed
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.schemas.base import WriteModel
from bhlink.services import audit, outbox
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import flush_unique_reference, stamp_new, stamp_update
from bhlink.store.queries.paging import Page
from bhlink.store.tables import PatientAllergy, PatientDiagnosis, PatientMedication, Provider
from bhlink.store.unit_of_work import UnitOfWork

ChartRow = PatientDiagnosis | PatientMedication | PatientAllergy


@dataclass(frozen=True)
class ChartKind:
    """One chart list: its table, names, create defaults and required fields."""

    model: type[PatientDiagnosis] | type[PatientMedication] | type[PatientAllergy]
    resource: str
    prefix: str
    required: tuple[str, ...]
    defaults: tuple[tuple[str, str], ...]


DIAGNOSES = ChartKind(
    PatientDiagnosis, "diagnosis", "dx", ("code",), (("rank", "secondary"), ("status", "active"))
)
MEDICATIONS = ChartKind(
    PatientMedication, "medication", "med", ("name",), (("status", "active"), ("source", "manual"))
)
ALLERGIES = ChartKind(
    PatientAllergy,
    "allergy",
    "alg",
    ("substance",),
    (("category", "medication"), ("status", "active")),
)


def _require_read(actor: Actor, kind: ChartKind) -> None:
    if kind is DIAGNOSES and Entitlement.CLAIMS in actor.entitlements:
        return
    require(actor, Entitlement.NOTES)


def _patient(uow: UnitOfWork, actor: Actor, patient_id: str) -> None:
    if uow.patients.get(actor.integration_id, patient_id, with_children=False) is None:
        raise not_found("patient")
    ensure_patient_visible(uow, actor, patient_id)


def _values(uow: UnitOfWork, actor: Actor, kind: ChartKind, body: WriteModel) -> dict[str, Any]:
    sent = body.model_fields_set - {"reference_id"}
    values = {name: getattr(body, name) for name in sent}
    problems: list[FieldProblem] = []
    if kind is DIAGNOSES and values.get("code") is not None:
        found = validate_diagnosis_code(values["code"], "code")
        problems += [FieldProblem(p.field, p.message) for p in found]
        if not found:
            values["code"] = normalize_icd10(values["code"])
            entry = lookup_icd10(values["code"])
            values["description"] = entry.description if entry else values["code"]
    for name in ("prescriber_provider_id", "diagnosed_by_provider_id"):
        ref = values.get(name)
        if ref is not None and uow.practice.get(Provider, actor.integration_id, ref) is None:
            problems.append(FieldProblem(to_camel(name), "no such provider in this integration"))
    for name in kind.required:
        if name in values and values[name] is None:
            problems.append(FieldProblem(to_camel(name), "cannot be null"))
    if problems:
        raise InvalidInput(detail=f"the {kind.resource} cannot be saved as sent", errors=problems)
    return values


def _check_diagnosis_rules(uow: UnitOfWork, actor: Actor, row: PatientDiagnosis) -> None:
    if row.resolved_date is not None and row.status == "active":
        row.status = "resolved"
    if row.status != "active":
        return
    for other in uow.chart.active_diagnoses(actor.integration_id, row.patient_id):
        if other.id == row.id:
            continue
        if other.code == row.code:
            raise Conflict(
                detail="this diagnosis is already active on the problem list",
                errors=[FieldProblem("code", f"is already active as {other.id}")],
                code="diagnosis_already_active",
            )
        if row.rank == "primary" and other.rank == "primary":
            raise Conflict(
                detail="the patient already has an active primary diagnosis; make it secondary first",
                errors=[FieldProblem("rank", f"{other.id} is the active primary diagnosis")],
                code="primary_diagnosis_exists",
            )


_DATE_PAIRS = (("onset_date", "resolved_date"), ("start_date", "stop_date"))


def _check_dates(row: ChartRow) -> None:
    """The stored dates, after this change, must still be in order."""
    for start_name, end_name in _DATE_PAIRS:
        start, end = getattr(row, start_name, None), getattr(row, end_name, None)
        if start is not None and end is not None and end < start:
            raise InvalidInput(
                detail="the dates are out of order",
                errors=[
                    FieldProblem(to_camel(end_name), f"must not be before {to_camel(start_name)}")
                ],
            )


def _save(
    uow: UnitOfWork, actor: Actor, kind: ChartKind, row: ChartRow, created: bool, changed: list[str]
) -> None:
    _check_dates(row)
    if isinstance(row, PatientDiagnosis):
        _check_diagnosis_rules(uow, actor, row)
    seq, at = stamp_new(uow, row) if created else stamp_update(uow, row)
    if created:
        uow.add(row)
    flush_unique_reference(uow, kind.resource)
    event = f"{kind.resource}.{'created' if created else 'updated'}"
    audit.record(
        uow,
        actor,
        event,
        resource_type=kind.resource,
        resource_id=row.id,
        patient_id=row.patient_id,
        detail={"fields": changed},
    )
    outbox.emit(
        uow,
        actor,
        event,
        kind.resource,
        row.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=changed,
    )


def create(
    uow: UnitOfWork, actor: Actor, kind: ChartKind, patient_id: str, body: WriteModel
) -> tuple[ChartRow, bool]:
    """POST: add an entry, or update the one named by referenceId."""
    require(actor, Entitlement.NOTES, write=True)
    _patient(uow, actor, patient_id)
    reference = getattr(body, "reference_id", None)
    if reference is not None:
        existing = uow.chart.by_reference(kind.model, actor.integration_id, reference)
        if existing is not None:
            if existing.patient_id != patient_id:
                raise Conflict(
                    detail=f"the referenceId names a {kind.resource} of another patient",
                    errors=[FieldProblem("referenceId", "already used")],
                    code="duplicate_reference",
                )
            return _update(uow, actor, kind, existing, body), False
    values = _values(uow, actor, kind, body)
    missing = [name for name in kind.required if values.get(name) is None]
    if missing:
        raise InvalidInput(
            detail=f"a new {kind.resource} needs these fields",
            errors=[FieldProblem(to_camel(name), "is required") for name in missing],
        )
    for name, default in kind.defaults:
        if values.get(name) is None:
            values[name] = default
    row = kind.model(
        id=new_id(kind.prefix),
        integration_id=actor.integration_id,
        patient_id=patient_id,
        reference_id=reference,
        **values,
    )
    _save(uow, actor, kind, row, True, ["*"])
    return row, True


def _update(
    uow: UnitOfWork, actor: Actor, kind: ChartKind, row: ChartRow, body: WriteModel
) -> ChartRow:
    values = _values(uow, actor, kind, body)
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if not changed:
        return row
    _save(uow, actor, kind, row, False, sorted(to_camel(name) for name in changed))
    return row


def _load(
    uow: UnitOfWork, actor: Actor, kind: ChartKind, patient_id: str, entry_id: str
) -> ChartRow:
    _patient(uow, actor, patient_id)
    row = uow.chart.get(kind.model, actor.integration_id, patient_id, entry_id)
    if row is None:
        raise not_found(kind.resource)
    return row


def patch(
    uow: UnitOfWork,
    actor: Actor,
    kind: ChartKind,
    patient_id: str,
    entry_id: str,
    body: WriteModel,
    if_match: int | None,
) -> ChartRow:
    """PATCH: change some fields (If-Match, when sent, guards the version)."""
    require(actor, Entitlement.NOTES, write=True)
    row = _load(uow, actor, kind, patient_id, entry_id)
    if if_match is not None and if_match != row.version:
        raise PreconditionFailed(
            detail=f"the {kind.resource} changed since you read it", code="version_mismatch"
        )
    return _update(uow, actor, kind, row, body)


def get(uow: UnitOfWork, actor: Actor, kind: ChartKind, patient_id: str, entry_id: str) -> ChartRow:
    """GET one entry (audited read)."""
    _require_read(actor, kind)
    row = _load(uow, actor, kind, patient_id, entry_id)
    audit.record(
        uow,
        actor,
        f"{kind.resource}.read",
        resource_type=kind.resource,
        resource_id=row.id,
        patient_id=patient_id,
    )
    return row


def page(
    uow: UnitOfWork,
    actor: Actor,
    kind: ChartKind,
    patient_id: str,
    *,
    status: str | None,
    updated_after: datetime | None,
    after_seq: int | None,
    limit: int,
) -> Page[Any]:
    """GET the list (audited, one event per entry read)."""
    _require_read(actor, kind)
    _patient(uow, actor, patient_id)
    result: Page[Any] = uow.chart.page(
        kind.model,
        actor.integration_id,
        patient_id,
        status=status,
        updated_after=updated_after,
        after_seq=after_seq,
        limit=limit,
    )
    audit.record_many(
        uow,
        actor,
        f"{kind.resource}.read",
        kind.resource,
        [(r.id, patient_id) for r in result.rows],
    )
    return result
