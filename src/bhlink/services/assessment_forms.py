"""Patient self-report through one-time links: assign, open, submit.

An assignment holds the SHA-256 of a 32-byte random token; the link
`{public_base_url}/forms/{token}` is returned once, to its creator. Whoever holds the link
may open the form and submit it once before it expires; the submission is scored and
stored exactly like `POST /assessments` (collectedVia `patient_portal`), in the same
transaction that marks the link used, so a link yields at most one result.

Only instruments whose required items all have licensed wording can be assigned this way
(PHQ-9, PHQ-2, GAD-7, GAD-2 today): a patient at home cannot answer "Item 3", and the
EPDS and C-SSRS wording may not be republished. Others are recorded by the clinician with
`POST /assessments` (see docs/decisions/0601-assessments-api.md).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from bhlink.domain.clock import utcnow
from bhlink.domain.errors import FieldProblem, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.domain.instruments import Instrument, InstrumentValidationError, Item, get_instrument
from bhlink.domain.roles import Entitlement
from bhlink.events.event_types import EventType
from bhlink.schemas.assessments import AnswerIn, AssessmentWrite, AssignmentWrite
from bhlink.services import assessments, audit, outbox
from bhlink.services.access import not_found, require
from bhlink.services.assessment_settings import load
from bhlink.services.context import Actor
from bhlink.services.crypto import sha256_hex
from bhlink.services.records import stamp_new, stamp_update
from bhlink.store.tables import AssessmentAssignment, Provider
from bhlink.store.unit_of_work import UnitOfWork

TOKEN_BYTES = 32
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{43}$")


@dataclass(frozen=True)
class NewAssignment:
    """A created assignment and its link (the only time the link exists in clear)."""

    assignment: AssessmentAssignment
    url: str


def assign(
    uow: UnitOfWork, actor: Actor, body: AssignmentWrite, *, public_base_url: str
) -> NewAssignment:
    """POST /assessments/assignments: create a one-time, expiring form link."""
    require(actor, Entitlement.ASSESSMENTS, write=True)
    problems: list[FieldProblem] = []
    instrument: Instrument | None = None
    try:
        instrument = get_instrument(body.instrument)
    except InstrumentValidationError as exc:
        problems += [FieldProblem(e.field, e.message) for e in exc.errors]
    if instrument is not None and not assessments.patient_form_items(instrument)[0]:
        problems.append(
            FieldProblem(
                "instrument",
                f"{instrument.id} wording cannot be shown to patients (licence); "
                "record it with POST /assessments instead",
            )
        )
    visible = uow.patients.visible_ids(
        actor.integration_id, [body.patient_id], actor.caseload_provider_ids
    )
    if body.patient_id not in visible:
        problems.append(FieldProblem("patientId", "no such patient in this integration"))
    provider_id = body.provider_id or actor.provider_id
    if (
        body.provider_id is not None
        and uow.practice.get(Provider, actor.integration_id, body.provider_id) is None
    ):
        problems.append(FieldProblem("providerId", "no such provider in this integration"))
    if problems:
        raise InvalidInput(detail="the assessment cannot be assigned as sent", errors=problems)
    assert instrument is not None
    if provider_id is None:
        patient = uow.patients.get(actor.integration_id, body.patient_id, with_children=False)
        provider_id = patient.primary_provider_id if patient is not None else None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = AssessmentAssignment(
        id=new_id("asg"),
        integration_id=actor.integration_id,
        patient_id=body.patient_id,
        provider_id=provider_id,
        instrument_id=instrument.id,
        episode_id=body.episode_id,
        channel=body.channel,
        token_hash=sha256_hex(token),
        expires_at=utcnow(),  # replaced below, once the write has its timestamp
        created_by=actor.actor_id,
    )
    seq, at = stamp_new(uow, row)
    row.expires_at = at + timedelta(hours=body.expires_in_hours)
    uow.add(row)
    uow.flush()
    audit.record(
        uow,
        actor,
        EventType.ASSESSMENT_ASSIGNED.value,
        resource_type="assessment_assignment",
        resource_id=row.id,
        patient_id=row.patient_id,
        detail={"instrument": row.instrument_id, "channel": row.channel},
    )
    outbox.emit(
        uow,
        actor,
        EventType.ASSESSMENT_ASSIGNED.value,
        "assessment_assignment",
        row.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["*"],
    )
    return NewAssignment(row, f"{public_base_url.rstrip('/')}/forms/{token}")


def get_assignment(uow: UnitOfWork, actor: Actor, assignment_id: str) -> AssessmentAssignment:
    """GET /assessments/assignments/{id} (audited; the link itself is never shown again)."""
    require(actor, Entitlement.ASSESSMENTS)
    row = uow.assessments.assignment(actor.integration_id, assignment_id)
    if row is None or (
        actor.caseload_provider_ids is not None
        and not uow.patients.is_on_caseload(row.patient_id, actor.caseload_provider_ids)
    ):
        raise not_found("assessment_assignment")
    audit.record(
        uow,
        actor,
        "assessment_assignment.read",
        resource_type="assessment_assignment",
        resource_id=row.id,
        patient_id=row.patient_id,
    )
    return row


# -- the patient's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class FormRefusal:
    """Why a link cannot be used: unknown (404), or already used / expired (410)."""

    status: int
    reason: str  # unknown | used | expired


@dataclass(frozen=True)
class OpenForm:
    """What the form page shows: the instrument and the items a patient can answer."""

    assignment_id: str
    instrument: Instrument
    items: tuple[Item, ...]
    practice_name: str


@dataclass(frozen=True)
class FormRejected:
    """The submission cannot be scored: problems per question id, and what was chosen."""

    form: OpenForm
    problems: dict[str, str]
    chosen: dict[str, str]


@dataclass(frozen=True)
class FormAccepted:
    """The submission was stored."""

    form: OpenForm
    result_id: str


def _patient_actor(
    row: AssessmentAssignment, source_ip: str | None, request_id: str | None
) -> Actor:
    """The patient, known only by the link: may record this one assessment, nothing else."""
    return Actor(
        integration_id=row.integration_id,
        actor_type="patient",
        actor_id=row.id,
        name="patient (assessment link)",
        entitlements=frozenset({Entitlement.ASSESSMENTS}),
        source_ip=source_ip,
        request_id=request_id,
    )


def _lookup(
    uow: UnitOfWork,
    token: str,
    *,
    for_update: bool,
    source_ip: str | None,
    request_id: str | None,
) -> AssessmentAssignment | FormRefusal:
    if not _TOKEN_SHAPE.match(token):
        return FormRefusal(404, "unknown")
    row = uow.assessments.assignment_by_token_hash(sha256_hex(token), for_update=for_update)
    if row is None:
        return FormRefusal(404, "unknown")
    refusal = None
    if row.used_at is not None:
        refusal = FormRefusal(410, "used")
    elif row.expires_at <= utcnow():
        refusal = FormRefusal(410, "expired")
    if refusal is not None:
        audit.record(
            uow,
            _patient_actor(row, source_ip, request_id),
            "assessment_form.refused",
            resource_type="assessment_assignment",
            resource_id=row.id,
            patient_id=row.patient_id,
            outcome="denied",
            detail={"reason": refusal.reason},
        )
        return refusal
    return row


def _form_of(uow: UnitOfWork, row: AssessmentAssignment) -> OpenForm:
    instrument = get_instrument(row.instrument_id)
    _, item_ids = assessments.patient_form_items(instrument)
    return OpenForm(
        assignment_id=row.id,
        instrument=instrument,
        items=tuple(instrument.item(item_id) for item_id in item_ids),
        practice_name=load(uow, row.integration_id).practice_name,
    )


def open_form(
    uow: UnitOfWork, token: str, *, source_ip: str | None, request_id: str | None
) -> OpenForm | FormRefusal:
    """GET /forms/{token}: the form to show, or why not (the opening is audited)."""
    found = _lookup(uow, token, for_update=False, source_ip=source_ip, request_id=request_id)
    if isinstance(found, FormRefusal):
        return found
    audit.record(
        uow,
        _patient_actor(found, source_ip, request_id),
        "assessment_form.opened",
        resource_type="assessment_assignment",
        resource_id=found.id,
        patient_id=found.patient_id,
    )
    return _form_of(uow, found)


def _answers_from(
    form: OpenForm, fields: Mapping[str, str]
) -> tuple[list[AnswerIn], dict[str, str]]:
    """Radio values of the form's items; fields the form never had are ignored."""
    answers: list[AnswerIn] = []
    chosen: dict[str, str] = {}
    for item in form.items:
        raw = fields.get(item.id, "").strip()
        if not raw:
            continue
        chosen[item.id] = raw
        value: int | str = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else raw
        answers.append(AnswerIn(question_id=item.id, value=value))
    return answers, chosen


def _problems_by_item(form: OpenForm, error: InvalidInput) -> dict[str, str]:
    ids = {item.id for item in form.items}
    problems: dict[str, str] = {}
    for problem in error.errors:
        item_id = problem.field.removeprefix("answers.")
        problems[item_id if item_id in ids else ""] = problem.message
    return problems


def submit_form(
    uow: UnitOfWork,
    token: str,
    fields: Mapping[str, str],
    *,
    source_ip: str | None,
    request_id: str | None,
) -> FormAccepted | FormRejected | FormRefusal:
    """POST /forms/{token}: score and store the answers, and mark the link used.

    A refusal and a rejection write nothing but (for a known link) an audit event; the
    caller commits in every case and rolls back nothing else because nothing else was
    written.
    """
    found = _lookup(uow, token, for_update=True, source_ip=source_ip, request_id=request_id)
    if isinstance(found, FormRefusal):
        return found
    form = _form_of(uow, found)
    answers, chosen = _answers_from(form, fields)
    actor = _patient_actor(found, source_ip, request_id)
    body = AssessmentWrite(
        patient_id=found.patient_id,
        instrument=found.instrument_id,
        answers=answers,
        collected_via="patient_portal",
        provider_id=found.provider_id,
        episode_id=found.episode_id,
    )
    try:
        result, _, _ = assessments.record(uow, actor, body, assignment_id=found.id)
    except InvalidInput as exc:
        return FormRejected(form, _problems_by_item(form, exc), chosen)
    stamp_update(uow, found)
    found.used_at = result.created_at
    found.result_id = result.id
    audit.record(
        uow,
        actor,
        "assessment_assignment.completed",
        resource_type="assessment_assignment",
        resource_id=found.id,
        patient_id=found.patient_id,
        detail={"assessmentResultId": result.id},
    )
    uow.flush()
    return FormAccepted(form, result.id)
