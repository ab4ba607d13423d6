"""Clinical note shapes: ICANotes `POST /clinical-notes` and TherapyNotes `GET/POST /notes`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from bhlink.schemas.base import ApiModel, OptStr200, UtcDateTime, WriteModel

Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]
NoteType = Literal[
    "intake", "progress", "med_management", "discharge", "group", "crisis", "psychotherapy_note"
]
NoteFormat = Literal["soap", "dap", "birp", "girp", "narrative"]
NoteSource = Literal["clinician", "ai_draft", "import"]
NoteStatus = Literal["draft", "pending_cosign", "signed", "locked", "amended"]
SectionText = Annotated[str, Field(max_length=20_000)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]
AddendumReason = Literal[
    "late_entry",
    "clarification",
    "correction_of_error",
    "additional_information",
    "patient_request_amendment",
    "other_with_explanation",
]


class GoalAddressed(WriteModel):
    """A treatment-plan goal or objective the session worked on."""

    goal_id: Id | None = None
    objective_id: Id | None = None
    comment: Annotated[str | None, Field(default=None, max_length=2000)] = None

    @model_validator(mode="after")
    def _one_target(self) -> GoalAddressed:
        if (self.goal_id is None) == (self.objective_id is None):
            raise ValueError("give exactly one of goalId or objectiveId")
        return self


class NoteContent(WriteModel):
    """Fields a draft's author may change."""

    appointment_id: Id | None = None
    sections: Annotated[dict[str, SectionText] | None, Field(default=None, max_length=8)] = None
    diagnosis_codes: Annotated[list[str] | None, Field(default=None, max_length=12)] = None
    interventions: Annotated[list[ShortText] | None, Field(default=None, max_length=30)] = None
    mental_status_exam: Annotated[
        dict[str, Annotated[str, Field(max_length=1000)]] | None, Field(default=None, max_length=12)
    ] = None
    risk_assessment: Annotated[dict[str, str] | None, Field(default=None, max_length=8)] = None
    goals_addressed: Annotated[list[GoalAddressed] | None, Field(default=None, max_length=30)] = (
        None
    )
    service_code: Annotated[str | None, Field(default=None, max_length=10)] = None
    session_start: UtcDateTime | None = None
    session_end: UtcDateTime | None = None
    duration_minutes: Annotated[int | None, Field(default=None, ge=1, le=1440)] = None
    telehealth: bool | None = None


class NoteWrite(NoteContent):
    """POST /clinical-notes (or /notes): create a draft, or update the draft named by referenceId.

    Notes are only ever created as drafts; `status` may say `draft` and nothing else. A note
    written for another provider (an AI draft, an import) must say so in `source` and stays a
    draft until that provider's clinician signs it.
    """

    patient_id: Id
    provider_id: Id | None = None
    note_type: NoteType
    note_format: NoteFormat = Field(alias="format")
    source: NoteSource | None = None
    status: Literal["draft"] | None = None
    reference_id: OptStr200 = None


class NotePatch(NoteContent):
    """PATCH /clinical-notes/{id}: change some content of a draft (If-Match required)."""


class SignRequest(WriteModel):
    """POST /clinical-notes/{id}/sign or /cosign: the signer attests to the content."""

    attestation: Annotated[str | None, Field(default=None, max_length=500)] = None


class AddendumWrite(WriteModel):
    """POST /clinical-notes/{id}/addenda and /amend: reason code, text, and an explanation when needed."""

    reason: AddendumReason
    text: Annotated[str, Field(min_length=1, max_length=20_000)]
    explanation: Annotated[str | None, Field(default=None, max_length=2000)] = None


class SignatureRead(ApiModel):
    """A signature: who, in which role, when, over which content hash."""

    role: Literal["author", "cosigner"]
    signer_user_id: str
    signer_provider_id: str
    signed_at: UtcDateTime
    content_hash: str


class AddendumRead(ApiModel):
    """An addendum or amendment, hash-chained to the content before it."""

    addendum_id: str
    kind: Literal["addendum", "amendment"]
    reason: str
    text: str
    explanation: str | None
    author_user_id: str
    author_provider_id: str
    added_at: UtcDateTime
    previous_hash: str
    content_hash: str


class GoalAddressedRead(ApiModel):
    """A plan item the note addressed."""

    treatment_plan_id: str
    goal_id: str | None = None
    objective_id: str | None = None
    comment: str | None = None


class NoteRead(ApiModel):
    """A clinical note as stored, with its signatures and addenda."""

    note_id: str
    patient_id: str
    provider_id: str
    appointment_id: str | None
    note_type: NoteType
    format: NoteFormat
    status: NoteStatus
    source: NoteSource
    locked: bool
    sections: dict[str, str]
    diagnosis_codes: list[str]
    interventions: list[str]
    mental_status_exam: dict[str, str] | None
    risk_assessment: dict[str, str] | None
    goals_addressed: list[GoalAddressedRead]
    service_code: str | None
    session_start: UtcDateTime | None
    session_end: UtcDateTime | None
    duration_minutes: int | None
    telehealth: bool
    requires_cosign: bool
    supervisor_provider_id: str | None
    signed_at: UtcDateTime | None
    signed_by_user_id: str | None
    cosigned_at: UtcDateTime | None
    cosigned_by_user_id: str | None
    locked_at: UtcDateTime | None
    content_hash: str | None
    content_version: int
    signatures: list[SignatureRead]
    addenda: list[AddendumRead]
    created_by_user_id: str | None
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class NoteVersionRead(ApiModel):
    """One content version of a note."""

    version: int
    reason: str
    content: dict[str, Any]
    content_hash: str
    created_at: UtcDateTime
    created_by: str | None


def note_read(n: Any) -> NoteRead:
    """Response shape of a stored note (signatures and addenda loaded)."""
    return NoteRead(
        note_id=n.id,
        patient_id=n.patient_id,
        provider_id=n.provider_id,
        appointment_id=n.appointment_id,
        note_type=n.note_type,
        format=n.note_format,
        status=n.status,
        source=n.source,
        locked=n.locked_at is not None,
        sections=dict(n.sections or {}),
        diagnosis_codes=list(n.diagnosis_codes or []),
        interventions=list(n.interventions or []),
        mental_status_exam=n.mental_status_exam,
        risk_assessment=n.risk_assessment,
        goals_addressed=[GoalAddressedRead.model_validate(g) for g in n.goals_addressed or []],
        service_code=n.service_code,
        session_start=n.session_start,
        session_end=n.session_end,
        duration_minutes=n.duration_minutes,
        telehealth=n.telehealth,
        requires_cosign=n.supervisor_provider_id is not None,
        supervisor_provider_id=n.supervisor_provider_id,
        signed_at=n.signed_at,
        signed_by_user_id=n.signed_by_user_id,
        cosigned_at=n.cosigned_at,
        cosigned_by_user_id=n.cosigned_by_user_id,
        locked_at=n.locked_at,
        content_hash=n.content_hash,
        content_version=n.content_version,
        signatures=[
            SignatureRead(
                role=s.role,
                signer_user_id=s.signer_user_id,
                signer_provider_id=s.signer_provider_id,
                signed_at=s.signed_at,
                content_hash=s.content_hash,
            )
            for s in n.signatures
        ],
        addenda=[
            AddendumRead(
                addendum_id=a.id,
                kind=a.kind,
                reason=a.reason,
                text=a.text,
                explanation=a.explanation,
                author_user_id=a.author_user_id,
                author_provider_id=a.author_provider_id,
                added_at=a.added_at,
                previous_hash=a.previous_hash,
                content_hash=a.content_hash,
            )
            for a in n.addenda
        ],
        created_by_user_id=n.created_by_user_id,
        reference_id=n.reference_id,
        version=n.version,
        created_at=n.created_at,
        updated_at=n.updated_at,
    )


def note_version_read(v: Any) -> NoteVersionRead:
    """Response shape of a stored note version."""
    return NoteVersionRead(
        version=v.version,
        reason=v.reason,
        content=v.content,
        content_hash=v.content_hash,
        created_at=v.created_at,
        created_by=v.created_by,
    )


class PacketAuditEvent(ApiModel):
    """One audit event about the note (who did what, when, from where, with what outcome)."""

    audit_event_id: str
    occurred_at: UtcDateTime
    actor_type: str
    actor_id: str | None
    action: str
    outcome: str
    source_ip: str | None
    request_id: str | None
    hash: str


class NotePacket(ApiModel):
    """A machine-readable packet: the note, its versions, signatures, addenda and audit trail.

    `contentVerified` is false when stored content no longer matches the hashes recorded at
    signing; `disclosure` is set when the packet was produced for a named recipient.
    """

    packet_generated_at: UtcDateTime
    note: NoteRead
    content_verified: bool
    content_hash: str | None
    computed_content_hash: str | None
    versions: list[NoteVersionRead]
    signatures: list[SignatureRead]
    addenda: list[AddendumRead]
    audit_events: list[PacketAuditEvent]
    disclosure: dict[str, Any] | None = None


def packet_audit_event(e: Any) -> PacketAuditEvent:
    """Packet shape of a stored audit event."""
    return PacketAuditEvent(
        audit_event_id=e.id,
        occurred_at=e.occurred_at,
        actor_type=e.actor_type,
        actor_id=e.actor_id,
        action=e.action,
        outcome=e.outcome,
        source_ip=e.source_ip,
        request_id=e.request_id,
        hash=e.hash,
    )
