"""Clinical notes: drafts (AI, import or clinician), signing, co-signing, locking, addenda.

The lifecycle and hashing rules are bhlink.domain.notes; this module stores their results.
Identity: the domain's author is the note's provider (the rendering clinician) and its
supervisor is that provider's supervisor at signing time, so any user linked to the provider
acts as the author and any user linked to the supervisor may co-sign.

* Content changes only while a note is a draft (PATCH needs If-Match). Whoever posted a draft
  (e.g. an AI drafting service account) may also update it until someone signs it.
* Signing records the signer, the time and two SHA-256 hashes: the domain's hash of the
  clinical content (`clinical_hash`) and the hash of the whole record including the
  encounter context (`content_hash`, the one shown in the API and in signatures).
* Signed notes lock on their own `note_auto_lock_hours` after signing: every access checks
  and applies due locks first (no worker needed); `bhlink notes lock-due` does it in bulk.
* Psychotherapy notes (45 CFR 164.501) are seen only by their author, their supervising
  clinician (164.508(a)(2)(i)(B): supervised training) and admins.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from pydantic.alias_generators import to_camel

from bhlink.config import Settings
from bhlink.domain import notes as rules
from bhlink.domain.clock import utcnow
from bhlink.domain.codes import (
    normalize_icd10,
    normalize_service_code,
    validate_diagnosis_code,
    validate_service_code,
)
from bhlink.domain.errors import (
    FieldProblem,
    Forbidden,
    InvalidInput,
    PreconditionFailed,
    PreconditionRequired,
)
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.events.event_types import EventType
from bhlink.schemas.notes import AddendumWrite, NoteContent, NotePatch, NoteWrite
from bhlink.services import audit, outbox, tasks
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import flush_unique_reference, stamp_new, stamp_update
from bhlink.services.rules import rule_errors
from bhlink.store.queries.notes import NoteFilter, attendee_patients
from bhlink.store.queries.paging import Page
from bhlink.store.tables import (
    ClinicalNote,
    NoteAddendum,
    NoteSignature,
    NoteVersion,
    Provider,
)
from bhlink.store.unit_of_work import UnitOfWork

PSYCHOTHERAPY_NOTE = rules.NoteType.PSYCHOTHERAPY_NOTE.value
# Reasons that correct signed content: POST /amend accepts only these (addenda take any).
CORRECTION_REASONS = frozenset(
    {
        rules.AddendumReason.CORRECTION_OF_ERROR,
        rules.AddendumReason.PATIENT_REQUEST_AMENDMENT,
        rules.AddendumReason.OTHER_WITH_EXPLANATION,
    }
)
_LOCK_BATCH = 200


# ---------------------------------------------------------------------------------------------
# Rebuilding domain notes and hashing stored content


def domain_note(row: ClinicalNote) -> rules.Note:
    """The domain Note a stored row represents (raises ProblemsError on unreadable content)."""
    return rules.Note(
        note_id=row.id,
        note_type=rules.NoteType(row.note_type),
        note_format=rules.NoteFormat(row.note_format),
        author_id=row.provider_id,
        supervisor_id=row.supervisor_provider_id,
        status=rules.NoteStatus(row.status),
        sections=MappingProxyType(dict(row.sections or {})),
        diagnosis_codes=tuple(row.diagnosis_codes or ()),
        risk_assessment=(
            rules.parse_risk_assessment(row.risk_assessment)
            if row.risk_assessment is not None
            else None
        ),
        mental_status_exam=(
            rules.parse_mental_status_exam(row.mental_status_exam)
            if row.mental_status_exam is not None
            else None
        ),
        signatures=tuple(
            rules.Signature(
                s.signer_provider_id,
                rules.SignatureRole(s.role),
                s.signed_at,
                row.clinical_hash or "",
            )
            for s in row.signatures
        ),
        signed_content_hash=row.clinical_hash,
        addenda=tuple(
            rules.Addendum(
                a.author_provider_id,
                rules.AddendumReason(a.reason),
                a.text,
                a.explanation,
                a.added_at,
                a.previous_hash,
                a.content_hash,
            )
            for a in row.addenda
        ),
        locked_at=row.locked_at,
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def record_content(row: ClinicalNote, note: rules.Note) -> dict[str, object]:
    """The whole signed record: the domain's content fields plus the encounter context."""
    return {
        **note.content_fields(),
        "patientId": row.patient_id,
        "appointmentId": row.appointment_id,
        "source": row.source,
        "interventions": list(row.interventions or []),
        "goalsAddressed": [dict(g) for g in row.goals_addressed or []],
        "serviceCode": row.service_code,
        "sessionStart": _iso(row.session_start),
        "sessionEnd": _iso(row.session_end),
        "durationMinutes": row.duration_minutes,
        "telehealth": row.telehealth,
    }


def record_hash(row: ClinicalNote, note: rules.Note) -> str:
    """SHA-256 of the canonical whole record (bhlink.domain.notes.canonical_content)."""
    return rules.content_hash(record_content(row, note))


def verify(row: ClinicalNote) -> tuple[bool, str | None]:
    """Whether stored content still matches its hashes, and the record hash computed now.

    Checks the domain's clinical hash and addendum chain (verify_note_content) and the whole
    record hash recorded at signing. A draft has nothing signed to verify.
    """
    try:
        note = domain_note(row)
        computed = record_hash(row, note)
    except (rules.NoteError, ValueError):
        return False, None
    if row.status == rules.NoteStatus.DRAFT:
        return True, computed
    return rules.verify_note_content(note) and computed == row.content_hash, computed


def _version_content(row: ClinicalNote, note: rules.Note) -> dict[str, Any]:
    content: dict[str, Any] = dict(record_content(row, note))
    content["addenda"] = [
        {
            "addendumId": a.id,
            "kind": a.kind,
            "reason": a.reason,
            "text": a.text,
            "explanation": a.explanation,
            "authorProviderId": a.author_provider_id,
            "addedAt": a.added_at.isoformat(),
            "contentHash": a.content_hash,
        }
        for a in row.addenda
    ]
    return content


def _add_version(
    uow: UnitOfWork, actor: Actor, row: ClinicalNote, reason: str, at: datetime
) -> None:
    content = _version_content(row, domain_note(row))
    uow.add(
        NoteVersion(
            note_id=row.id,
            version=row.content_version,
            integration_id=row.integration_id,
            reason=reason,
            content=content,
            content_hash=rules.content_hash(content),
            created_at=at,
            created_by=actor.actor_id,
        )
    )


# ---------------------------------------------------------------------------------------------
# Access


def _domain_actor(actor: Actor) -> rules.Actor:
    # Users act for their provider; a user without one can never be a note's author.
    return rules.Actor(user_id=actor.provider_id or f"user:{actor.actor_id}")


def can_see_psychotherapy_note(actor: Actor, row: ClinicalNote) -> bool:
    """Author, supervising clinician and admins only (45 CFR 164.508(a)(2))."""
    if actor.is_admin:
        return True
    return actor.provider_id is not None and actor.provider_id in (
        row.provider_id,
        row.supervisor_provider_id,
    )


def _ensure_visible(uow: UnitOfWork, actor: Actor, row: ClinicalNote) -> None:
    if row.note_type == PSYCHOTHERAPY_NOTE and not can_see_psychotherapy_note(actor, row):
        raise not_found("note")
    if actor.caseload_provider_ids is None or row.provider_id in actor.caseload_provider_ids:
        return
    if not uow.patients.is_on_caseload(row.patient_id, actor.caseload_provider_ids):
        raise not_found("note")


def load(uow: UnitOfWork, actor: Actor, note_id: str, settings: Settings) -> ClinicalNote:
    """A note the actor may see, with any due auto-lock applied first."""
    require(actor, Entitlement.NOTES)
    row = uow.notes.get(actor.integration_id, note_id)
    if row is None:
        raise not_found("note")
    _ensure_visible(uow, actor, row)
    _lock_if_due(uow, row, settings, utcnow())
    return row


# ---------------------------------------------------------------------------------------------
# Writing drafts


def _check_content(
    uow: UnitOfWork, actor: Actor, body: NoteContent, patient_id: str, note_format: str
) -> dict[str, Any]:
    """Validate the sent content fields; return the column values to store."""
    sent = body.model_fields_set
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    if "sections" in sent:
        sections = dict(body.sections or {})
        problems += [
            FieldProblem(p.field, p.message)
            for p in rules.validate_sections(rules.NoteFormat(note_format), sections)
            if p.code == "note.section_unknown"
        ]
        values["sections"] = sections
    if "diagnosis_codes" in sent:
        codes: list[str] = []
        for index, code in enumerate(body.diagnosis_codes or []):
            found = validate_diagnosis_code(code, f"diagnosisCodes[{index}]")
            problems += [FieldProblem(p.field, p.message) for p in found]
            if not found:
                normalized = normalize_icd10(code)
                if normalized in codes:
                    problems.append(
                        FieldProblem(f"diagnosisCodes[{index}]", "repeats an earlier code")
                    )
                codes.append(normalized)
        values["diagnosis_codes"] = codes
    if "interventions" in sent:
        values["interventions"] = list(body.interventions or [])
    if "mental_status_exam" in sent:
        values["mental_status_exam"] = (
            _parsed(
                problems,
                lambda: rules.parse_mental_status_exam(body.mental_status_exam or {}).to_dict(),
            )
            if body.mental_status_exam is not None
            else None
        )
    if "risk_assessment" in sent:
        # An absent risk assessment stays absent: "not assessed" is never filled in for anyone.
        values["risk_assessment"] = (
            _parsed(
                problems,
                lambda: rules.parse_risk_assessment(body.risk_assessment or {}).to_dict(),
            )
            if body.risk_assessment is not None
            else None
        )
    if "service_code" in sent:
        if body.service_code is None:
            values["service_code"] = None
        else:
            found = validate_service_code(body.service_code, "serviceCode")
            problems += [FieldProblem(p.field, p.message) for p in found]
            values["service_code"] = normalize_service_code(body.service_code)
    for name in ("session_start", "session_end", "duration_minutes"):
        if name in sent:
            values[name] = getattr(body, name)
    if "telehealth" in sent:
        values["telehealth"] = bool(body.telehealth)
    if "appointment_id" in sent:
        values["appointment_id"] = body.appointment_id
        if body.appointment_id is not None:
            problems += _check_appointment(uow, actor, body.appointment_id, patient_id)
    if "goals_addressed" in sent:
        goals, goal_problems = _check_goals(uow, actor, body, patient_id)
        values["goals_addressed"] = goals
        problems += goal_problems
    if problems:
        raise InvalidInput(detail="the note cannot be saved as sent", errors=problems)
    return values


def _parsed(problems: list[FieldProblem], parse: Any) -> Any:
    try:
        return parse()
    except rules.NoteError as error:
        problems.extend(FieldProblem(p.field, p.message) for p in error.problems)
        return None


def _check_appointment(
    uow: UnitOfWork, actor: Actor, appointment_id: str, patient_id: str
) -> list[FieldProblem]:
    appointment = uow.appointments.get(actor.integration_id, appointment_id)
    if appointment is None:
        return [FieldProblem("appointmentId", "no such appointment in this integration")]
    if patient_id not in attendee_patients(appointment) and appointment.patient_id != patient_id:
        return [FieldProblem("appointmentId", "is not an appointment of this patient")]
    return []


def _check_goals(
    uow: UnitOfWork, actor: Actor, body: NoteContent, patient_id: str
) -> tuple[list[dict[str, Any]], list[FieldProblem]]:
    wanted = body.goals_addressed or []
    ids = [g.goal_id or g.objective_id or "" for g in wanted]
    items = {item.id: item for item in uow.plans.items(actor.integration_id, ids)}
    plans = {
        plan_id: uow.plans.get(actor.integration_id, plan_id)
        for plan_id in {item.plan_id for item in items.values()}
    }
    goals: list[dict[str, Any]] = []
    problems: list[FieldProblem] = []
    for index, goal in enumerate(wanted):
        kind, item_id = ("goal", goal.goal_id) if goal.goal_id else ("objective", goal.objective_id)
        path = f"goalsAddressed[{index}].{kind}Id"
        item = items.get(item_id or "")
        plan = plans.get(item.plan_id) if item is not None else None
        if item is None or plan is None or item.kind != kind:
            problems.append(FieldProblem(path, f"no such treatment-plan {kind}"))
        elif plan.patient_id != patient_id:
            problems.append(FieldProblem(path, f"is a {kind} of another patient's plan"))
        else:
            entry: dict[str, Any] = {"treatmentPlanId": plan.id, f"{kind}Id": item.id}
            if goal.comment:
                entry["comment"] = goal.comment
            goals.append(entry)
    return goals, problems


def _check_times(row: ClinicalNote) -> None:
    problems: list[FieldProblem] = []
    if row.session_start and row.session_end:
        if row.session_end <= row.session_start:
            problems.append(FieldProblem("sessionEnd", "must be after sessionStart"))
        else:
            span = int((row.session_end - row.session_start).total_seconds() // 60)
            if row.duration_minutes is None:
                row.duration_minutes = span
            elif row.duration_minutes > span:
                problems.append(
                    FieldProblem("durationMinutes", "is longer than sessionStart to sessionEnd")
                )
    if problems:
        raise InvalidInput(detail="the session times are not consistent", errors=problems)


def _flush(uow: UnitOfWork) -> None:
    flush_unique_reference(uow, "note")


def _record(
    uow: UnitOfWork,
    actor: Actor,
    row: ClinicalNote,
    event: EventType,
    seq: int,
    at: datetime,
    changed: list[str],
    detail: dict[str, Any] | None = None,
) -> None:
    audit.record(
        uow,
        actor,
        event,
        resource_type="note",
        resource_id=row.id,
        patient_id=row.patient_id,
        detail={"fields": changed, **(detail or {})},
    )
    outbox.emit(
        uow, actor, event, "note", row.id, change_seq=seq, occurred_at=at, changed_fields=changed
    )


def upsert(
    uow: UnitOfWork, actor: Actor, body: NoteWrite, settings: Settings, *, if_match: int | None
) -> tuple[ClinicalNote, bool]:
    """POST /clinical-notes: update the draft named by referenceId, else create a draft."""
    require(actor, Entitlement.NOTES, write=True)
    if body.reference_id is not None:
        existing = uow.notes.by_reference(actor.integration_id, body.reference_id)
        if existing is not None:
            _ensure_visible(uow, actor, existing)
            _lock_if_due(uow, existing, settings, utcnow())
            for name, value in (
                ("patientId", body.patient_id != existing.patient_id),
                ("noteType", body.note_type != existing.note_type),
                ("format", body.note_format != existing.note_format),
                (
                    "providerId",
                    body.provider_id is not None and body.provider_id != existing.provider_id,
                ),
            ):
                if value:
                    raise InvalidInput(
                        detail="a note's patient, provider, type and format never change",
                        errors=[FieldProblem(name, "differs from the stored note")],
                    )
            return _update(uow, actor, existing, body, if_match=if_match), False
    return _create(uow, actor, body), True


def _create(uow: UnitOfWork, actor: Actor, body: NoteWrite) -> ClinicalNote:
    ensure_patient_visible(uow, actor, body.patient_id)
    problems: list[FieldProblem] = []
    if uow.patients.get(actor.integration_id, body.patient_id, with_children=False) is None:
        problems.append(FieldProblem("patientId", "no such patient in this integration"))
    provider_id = body.provider_id or actor.provider_id
    if provider_id is None:
        problems.append(FieldProblem("providerId", "is required (the note's author)"))
    elif uow.practice.get(Provider, actor.integration_id, provider_id) is None:
        problems.append(FieldProblem("providerId", "no such provider in this integration"))
    elif actor.caseload_provider_ids is not None and provider_id != actor.provider_id:
        problems.append(FieldProblem("providerId", "clinicians write notes as themselves"))
    writes_own = provider_id is not None and provider_id == actor.provider_id
    source = body.source or ("clinician" if writes_own else None)
    if source is None:
        problems.append(
            FieldProblem("source", "is required for a note written for another provider")
        )
    elif source == "clinician" and not writes_own:
        problems.append(
            FieldProblem(
                "source",
                "a note posted for another provider is ai_draft or import; "
                "it stays a draft until that clinician signs it",
            )
        )
    if problems:
        raise InvalidInput(detail="the note cannot be created as sent", errors=problems)
    assert provider_id is not None and source is not None
    values = _check_content(uow, actor, body, body.patient_id, body.note_format)
    row = ClinicalNote(
        id=new_id("note"),
        integration_id=actor.integration_id,
        patient_id=body.patient_id,
        provider_id=provider_id,
        created_by_user_id=actor.actor_id,
        note_type=body.note_type,
        note_format=body.note_format,
        status=rules.NoteStatus.DRAFT.value,
        source=source,
        sections={},
        diagnosis_codes=[],
        interventions=[],
        goals_addressed=[],
        telehealth=False,
        content_version=1,
        reference_id=body.reference_id,
        signatures=[],
        addenda=[],
    )
    for name, value in values.items():
        setattr(row, name, value)
    _check_times(row)
    with rule_errors("the note cannot be created as sent"):
        rules.new_note(row.id, row.note_type, row.note_format, row.provider_id)
    seq, at = stamp_new(uow, row)
    uow.add(row)
    _flush(uow)
    _add_version(uow, actor, row, "created", at)
    _record(uow, actor, row, EventType.NOTE_CREATED, seq, at, ["*"], {"source": source})
    return row


def _may_edit_draft(actor: Actor, row: ClinicalNote) -> rules.Actor:
    """The domain actor for a draft edit: the author, or the user who posted the draft."""
    if row.status == rules.NoteStatus.DRAFT and row.created_by_user_id == actor.actor_id:
        return rules.Actor(user_id=row.provider_id)
    return _domain_actor(actor)


def _update(
    uow: UnitOfWork, actor: Actor, row: ClinicalNote, body: NoteContent, *, if_match: int | None
) -> ClinicalNote:
    if if_match is not None and if_match != row.version:
        raise PreconditionFailed(
            detail="the note changed since you read it; fetch it again", code="version_mismatch"
        )
    note = domain_note(row)
    with rule_errors("the note cannot be edited"):
        rules.edit_draft(note, _may_edit_draft(actor, row))
    values = _check_content(uow, actor, body, row.patient_id, row.note_format)
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    _check_times(row)
    if not changed:
        return row
    row.content_version += 1
    seq, at = stamp_update(uow, row)
    _flush(uow)
    api_names = sorted(to_camel(name) for name in changed)
    _add_version(uow, actor, row, "edited", at)
    _record(uow, actor, row, EventType.NOTE_UPDATED, seq, at, api_names)
    return row


def patch(
    uow: UnitOfWork,
    actor: Actor,
    note_id: str,
    body: NotePatch,
    settings: Settings,
    *,
    if_match: int | None,
) -> ClinicalNote:
    """PATCH /clinical-notes/{id}: change a draft; If-Match is required (428 without it)."""
    require(actor, Entitlement.NOTES, write=True)
    row = load(uow, actor, note_id, settings)
    if if_match is None:
        raise PreconditionRequired(
            detail='send If-Match with the ETag you read (e.g. W/"3")', code="if_match_required"
        )
    return _update(uow, actor, row, body, if_match=if_match)


# ---------------------------------------------------------------------------------------------
# Signing, co-signing, locking


def sign(uow: UnitOfWork, actor: Actor, note_id: str, settings: Settings) -> ClinicalNote:
    """POST /{id}/sign: the author signs; a supervised author's note waits for a co-signature."""
    require(actor, Entitlement.NOTES, write=True)
    row = load(uow, actor, note_id, settings)
    if row.status == rules.NoteStatus.DRAFT:
        provider = uow.practice.get(Provider, actor.integration_id, row.provider_id)
        supervisor = provider.supervisor_id if provider is not None else None
        row.supervisor_provider_id = supervisor if supervisor != row.provider_id else None
    note = domain_note(row)
    seq, at = stamp_update(uow, row)
    with rule_errors("the note cannot be signed"):
        signed = rules.sign_note(note, _domain_actor(actor), at)
    digest = record_hash(row, signed)
    row.status = signed.status.value
    row.clinical_hash = signed.signed_content_hash
    row.content_hash = digest
    row.signed_at = at
    row.signed_by_user_id = actor.actor_id
    row.signatures.append(
        NoteSignature(
            id=new_id("sig"),
            integration_id=row.integration_id,
            role=rules.SignatureRole.AUTHOR.value,
            signer_user_id=actor.actor_id,
            signer_provider_id=row.provider_id,
            signed_at=at,
            content_hash=digest,
        )
    )
    _flush(uow)
    _record(uow, actor, row, EventType.NOTE_SIGNED, seq, at, ["status"], {"status": row.status})
    if signed.status is rules.NoteStatus.PENDING_COSIGN:
        tasks.create_task(
            uow,
            actor,
            tasks.COSIGN_NOTE,
            row.patient_id,
            row.supervisor_provider_id,
            at + timedelta(days=settings.unsigned_note_days),
            row.id,
            resource_type="note",
            resource_id=row.id,
        )
    else:
        _note_counts_as_signed(uow, actor, row)
    return row


def cosign(uow: UnitOfWork, actor: Actor, note_id: str, settings: Settings) -> ClinicalNote:
    """POST /{id}/cosign: the supervisor of the author's provider co-signs; the note is signed."""
    require(actor, Entitlement.NOTES, write=True)
    row = load(uow, actor, note_id, settings)
    note = domain_note(row)
    seq, at = stamp_update(uow, row)
    with rule_errors("the note cannot be co-signed"):
        cosigned = rules.cosign_note(note, _domain_actor(actor), at)
    row.status = cosigned.status.value
    row.cosigned_at = at
    row.cosigned_by_user_id = actor.actor_id
    row.signatures.append(
        NoteSignature(
            id=new_id("sig"),
            integration_id=row.integration_id,
            role=rules.SignatureRole.COSIGNER.value,
            signer_user_id=actor.actor_id,
            signer_provider_id=actor.provider_id or "",
            signed_at=at,
            content_hash=row.content_hash or "",
        )
    )
    _flush(uow)
    _record(uow, actor, row, EventType.NOTE_COSIGNED, seq, at, ["status"])
    tasks.complete_open(uow, actor, tasks.COSIGN_NOTE, row.id)
    _note_counts_as_signed(uow, actor, row)
    return row


def _note_counts_as_signed(uow: UnitOfWork, actor: Actor, row: ClinicalNote) -> None:
    """A signed note for an appointment closes its unsigned-note task once all are signed."""
    if row.appointment_id is None:
        return
    appointment = uow.appointments.get(actor.integration_id, row.appointment_id)
    if appointment is None:
        return
    signed = uow.notes.signed_for_appointments(actor.integration_id, [appointment.id])
    if all((appointment.id, p) in signed for p in attendee_patients(appointment)):
        tasks.complete_open(uow, actor, tasks.UNSIGNED_NOTE, appointment.id)


def lock(uow: UnitOfWork, actor: Actor, note_id: str, settings: Settings) -> ClinicalNote:
    """POST /{id}/lock: the author, their supervisor or an admin locks a signed note."""
    require(actor, Entitlement.NOTES, write=True)
    row = load(uow, actor, note_id, settings)
    if not actor.is_admin and actor.provider_id not in (
        row.provider_id,
        row.supervisor_provider_id,
    ):
        raise Forbidden(
            detail="only the author, their supervisor or an admin locks a note",
            code="not_allowed_to_lock",
        )
    seq, at = stamp_update(uow, row)
    with rule_errors("the note cannot be locked"):
        locked = rules.lock_note(domain_note(row), at)
    row.status = locked.status.value
    row.locked_at = at
    _flush(uow)
    _record(uow, actor, row, EventType.NOTE_LOCKED, seq, at, ["status", "lockedAt"])
    return row


def _lock_if_due(uow: UnitOfWork, row: ClinicalNote, settings: Settings, now: datetime) -> bool:
    if (
        row.locked_at is not None
        or row.signed_at is None
        or row.status not in (rules.NoteStatus.SIGNED, rules.NoteStatus.AMENDED)
    ):
        return False
    due = row.signed_at + timedelta(hours=settings.note_auto_lock_hours)
    if due > now:
        return False
    system = Actor.system(row.integration_id, "bhlink auto-lock")
    try:
        locked = rules.lock_note(domain_note(row), due)
    except rules.NoteError:
        # Content no longer matches its hash: never lock over it; the packet reports it.
        audit.record(
            uow,
            system,
            "note.integrity_failed",
            resource_type="note",
            resource_id=row.id,
            patient_id=row.patient_id,
            outcome="failure",
        )
        return False
    seq, at = stamp_update(uow, row)
    row.status = locked.status.value
    row.locked_at = due
    _record(
        uow, system, row, EventType.NOTE_LOCKED, seq, at, ["status", "lockedAt"], {"auto": True}
    )
    return True


def lock_due(
    uow: UnitOfWork, integration_id: str, settings: Settings, now: datetime | None = None
) -> int:
    """Lock every signed note of an integration past its auto-lock time; how many were locked."""
    moment = now or utcnow()
    cutoff = moment - timedelta(hours=settings.note_auto_lock_hours)
    locked = 0
    while True:
        due = uow.notes.lock_due(integration_id, cutoff, _LOCK_BATCH)
        batch = sum(1 for row in due if _lock_if_due(uow, row, settings, moment))
        locked += batch
        if len(due) < _LOCK_BATCH or batch == 0:
            return locked


def lock_due_everywhere(
    uow: UnitOfWork, settings: Settings, now: datetime | None = None
) -> dict[str, int]:
    """`bhlink notes lock-due`: lock due notes in every integration."""
    moment = now or utcnow()
    cutoff = moment - timedelta(hours=settings.note_auto_lock_hours)
    return {
        integration_id: lock_due(uow, integration_id, settings, moment)
        for integration_id in uow.notes.integrations_with_lock_due(cutoff)
    }


# ---------------------------------------------------------------------------------------------
# Addenda and amendments


def add_addendum(
    uow: UnitOfWork,
    actor: Actor,
    note_id: str,
    body: AddendumWrite,
    settings: Settings,
    *,
    amendment: bool,
) -> ClinicalNote:
    """POST /{id}/addenda (any reason) or /{id}/amend (a correcting reason).

    The signed content stays as it was; the addendum is appended, hashed together with the
    hash before it, and the note becomes `amended` with a new content version.
    """
    require(actor, Entitlement.NOTES, write=True)
    row = load(uow, actor, note_id, settings)
    if amendment and body.reason not in CORRECTION_REASONS:
        allowed = ", ".join(sorted(CORRECTION_REASONS))
        raise InvalidInput(
            detail="an amendment corrects signed content; use /addenda for other additions",
            errors=[FieldProblem("reason", f"must be one of {allowed} for an amendment")],
        )
    seq, at = stamp_update(uow, row)
    with rule_errors("the addendum cannot be added"):
        amended = rules.amend_note(
            domain_note(row), _domain_actor(actor), body.reason, body.text, at, body.explanation
        )
    added = amended.addenda[-1]
    row.status = amended.status.value
    row.content_version += 1
    row.addenda.append(
        NoteAddendum(
            id=new_id("add"),
            integration_id=row.integration_id,
            position=len(row.addenda) + 1,
            kind="amendment" if amendment else "addendum",
            author_user_id=actor.actor_id,
            author_provider_id=added.author_id,
            reason=added.reason.value,
            text=added.text,
            explanation=added.explanation,
            added_at=added.added_at,
            previous_hash=added.previous_hash,
            content_hash=added.content_hash,
        )
    )
    _flush(uow)
    _add_version(uow, actor, row, "amendment" if amendment else "addendum", at)
    event = EventType.NOTE_AMENDED if amendment else EventType.NOTE_ADDENDUM_ADDED
    _record(uow, actor, row, event, seq, at, ["addenda", "status"], {"reason": body.reason})
    return row


# ---------------------------------------------------------------------------------------------
# Reads


def get(uow: UnitOfWork, actor: Actor, note_id: str, settings: Settings) -> ClinicalNote:
    """GET /clinical-notes/{id} (audited read)."""
    row = load(uow, actor, note_id, settings)
    audit.record(
        uow, actor, "note.read", resource_type="note", resource_id=row.id, patient_id=row.patient_id
    )
    return row


def versions(uow: UnitOfWork, actor: Actor, note_id: str, settings: Settings) -> list[NoteVersion]:
    """GET /clinical-notes/{id}/versions (audited read)."""
    row = load(uow, actor, note_id, settings)
    audit.record(
        uow,
        actor,
        "note.versions.read",
        resource_type="note",
        resource_id=row.id,
        patient_id=row.patient_id,
    )
    return uow.notes.versions(row.id)


def page(
    uow: UnitOfWork,
    actor: Actor,
    flt: NoteFilter,
    settings: Settings,
    *,
    after_seq: int | None,
    limit: int,
) -> Page[ClinicalNote]:
    """GET /clinical-notes: caseload-limited, psychotherapy notes only for author and admins."""
    require(actor, Entitlement.NOTES)
    if flt.patient_id is not None:
        ensure_patient_visible(uow, actor, flt.patient_id)
    # Apply due locks first, so the page shows (and pages by) their final change numbers.
    lock_due(uow, actor.integration_id, settings)
    updates: dict[str, Any] = {}
    if actor.caseload_provider_ids is not None:
        updates["caseload_provider_ids"] = actor.caseload_provider_ids
    if not actor.is_admin:
        updates["psychotherapy_provider_ids"] = [actor.provider_id] if actor.provider_id else []
    if updates:
        flt = NoteFilter(**{**flt.__dict__, **updates})
    result = uow.notes.page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record_many(uow, actor, "note.read", "note", [(n.id, n.patient_id) for n in result.rows])
    return result


def disclosable_notes(
    uow: UnitOfWork, actor: Actor, patient_id: str, *, include_psychotherapy_notes: bool = False
) -> list[ClinicalNote]:
    """A patient's signed notes for exports, FHIR output and AI inputs.

    Psychotherapy notes are left out unless an admin explicitly asks for them (the caller
    audits that request); drafts and notes awaiting a co-signature are never included.
    """
    if include_psychotherapy_notes and not actor.is_admin:
        raise Forbidden(
            detail="only an admin may include psychotherapy notes",
            errors=[FieldProblem("includePsychotherapyNotes", "requires the admin role")],
            code="psychotherapy_notes_admin_only",
        )
    rows = uow.notes.for_patient(
        actor.integration_id, patient_id, include_psychotherapy=include_psychotherapy_notes
    )
    return [r for r in rows if r.status in ("signed", "locked", "amended")]


def content_mapping(row: ClinicalNote) -> Mapping[str, object]:
    """The record content of a stored note (for packets and exports)."""
    return record_content(row, domain_note(row))


def appointment_has_signed_note(uow: UnitOfWork, integration_id: str, appointment_id: str) -> bool:
    """Whether the appointment's session is documented by a signed note (billing asks this)."""
    return bool(uow.notes.signed_for_appointments(integration_id, [appointment_id]))
