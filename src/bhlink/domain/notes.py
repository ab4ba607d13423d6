"""Clinical notes: the sign/co-sign/lock/amend lifecycle, required sections and content hashing.

Lifecycle (every transition returns a new Note; a Note is never changed in place):

    from                     action                             to
    draft                    sign_note (author not supervised)  signed
    draft                    sign_note (supervised author)      pending_cosign
    pending_cosign           cosign_note (supervisor)           signed
    pending_cosign           return_for_revision (supervisor)   draft
    signed, amended          lock_note                          locked
    signed, locked, amended  amend_note (addendum + reason)     amended

* Only a draft's content can change. Signing records a SHA-256 hash of the canonical content;
  after that the content never changes again: corrections and late entries are appended as
  addenda (`amend_note`) with a reason code, each hashed with the hash before it, so any later
  change to stored content is detectable (`verify_note_content`).
* A note whose author is supervised (`supervisor_id` set) goes to pending_cosign when signed and
  becomes signed only when the supervisor (or a user allowed to co-sign) co-signs it.
* Psychotherapy notes are segregated: HIPAA (45 CFR 164.501) defines them as the clinician's
  separate notes on the session's conversation and excludes from them medication, session
  times, modalities, test results, diagnosis, functional status, treatment plan, symptoms and
  prognosis; disclosing them needs their own authorization (45 CFR 164.508(a)(2)). So a
  `psychotherapy_note` may not carry diagnosis codes, a mental status exam or a risk
  assessment: those belong in the progress note.

Exceptions (all carry `problems`, a tuple of {field, message, code}; none holds note text):

    ProblemsError (bhlink.domain.codes)
    └── NoteError
        ├── NoteValidationError   the content breaks a documentation rule
        ├── NoteContentError      canonical_content was given something that is not JSON
        ├── NotePermissionError   the actor may not do this to this note
        └── NoteStateError        the transition is not allowed from the current status
            └── NoteContentLockedError   a change to content that is no longer a draft
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum, StrEnum
from types import MappingProxyType

from bhlink.domain.codes import Problem, ProblemsError, normalize_icd10, validate_diagnosis_code

PSYCHOTHERAPY_NOTE_CITATION = "45 CFR 164.501; 45 CFR 164.508(a)(2)"
AMENDMENT_REQUEST_CITATION = "45 CFR 164.526"


# ---------------------------------------------------------------------------------------------
# Errors


class NoteError(ProblemsError):
    """Base of every note rule failure."""


class NoteValidationError(NoteError):
    """The note's content breaks a documentation rule."""


class NoteContentError(NoteError):
    """Content given for hashing is not plain JSON data."""


class NotePermissionError(NoteError):
    """The acting user may not perform this transition on this note."""


class NoteStateError(NoteError):
    """The transition is not allowed from the note's current status."""


class NoteContentLockedError(NoteStateError):
    """Signed, locked or pending content can never be edited; amend it instead."""


def _one(error: type[NoteError], field_path: str, message: str, code: str) -> NoteError:
    return error([Problem(field_path, message, code)])


# ---------------------------------------------------------------------------------------------
# Vocabularies


class NoteStatus(StrEnum):
    """Where a note is in its lifecycle."""

    DRAFT = "draft"
    PENDING_COSIGN = "pending_cosign"
    SIGNED = "signed"
    LOCKED = "locked"
    AMENDED = "amended"


class NoteType(StrEnum):
    """What kind of clinical note it is."""

    INTAKE = "intake"
    PROGRESS = "progress"
    MED_MANAGEMENT = "med_management"
    DISCHARGE = "discharge"
    GROUP = "group"
    CRISIS = "crisis"
    PSYCHOTHERAPY_NOTE = "psychotherapy_note"

    @property
    def is_segregated(self) -> bool:
        """True for HIPAA psychotherapy notes, kept apart from the medical record."""
        return self is NoteType.PSYCHOTHERAPY_NOTE


# Note types that document a billed service need a diagnosis to put on the claim.
NOTE_TYPES_NEEDING_DIAGNOSIS = frozenset(
    {NoteType.INTAKE, NoteType.PROGRESS, NoteType.MED_MANAGEMENT, NoteType.GROUP, NoteType.CRISIS}
)
# A psychiatric evaluation and a medication visit document the mental status examination.
NOTE_TYPES_NEEDING_MENTAL_STATUS = frozenset({NoteType.INTAKE, NoteType.MED_MANAGEMENT})


class NoteFormat(StrEnum):
    """How the note's text is structured."""

    SOAP = "soap"
    DAP = "dap"
    BIRP = "birp"
    GIRP = "girp"
    NARRATIVE = "narrative"


REQUIRED_SECTIONS: Mapping[NoteFormat, tuple[str, ...]] = MappingProxyType(
    {
        NoteFormat.SOAP: ("subjective", "objective", "assessment", "plan"),
        NoteFormat.DAP: ("data", "assessment", "plan"),
        NoteFormat.BIRP: ("behavior", "intervention", "response", "plan"),
        NoteFormat.GIRP: ("goals", "intervention", "response", "plan"),
        NoteFormat.NARRATIVE: ("text",),
    }
)


class RiskDomain(StrEnum):
    """What a risk rating is about."""

    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    HARM_TO_OTHERS = "harm_to_others"
    VICTIMIZATION = "victimization"


class RiskLevel(StrEnum):
    """A clinician's rating; `not_assessed` must be said explicitly, it is never assumed."""

    NOT_ASSESSED = "not_assessed"
    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    IMMINENT = "imminent"


MENTAL_STATUS_FIELDS: tuple[str, ...] = (
    "appearance",
    "behavior",
    "speech",
    "mood",
    "affect",
    "thoughtProcess",
    "thoughtContent",
    "perception",
    "orientation",
    "cognition",
    "insight",
    "judgment",
)


class AddendumReason(StrEnum):
    """Why signed content is being added to."""

    LATE_ENTRY = "late_entry"
    CLARIFICATION = "clarification"
    CORRECTION_OF_ERROR = "correction_of_error"
    ADDITIONAL_INFORMATION = "additional_information"
    PATIENT_REQUEST_AMENDMENT = "patient_request_amendment"
    OTHER_WITH_EXPLANATION = "other_with_explanation"


# The patient's amendment request must be identified (45 CFR 164.526(c)(1)), and "other" must
# say what it is, so these two reasons need an explanation.
REASONS_NEEDING_EXPLANATION = frozenset(
    {AddendumReason.PATIENT_REQUEST_AMENDMENT, AddendumReason.OTHER_WITH_EXPLANATION}
)


# ---------------------------------------------------------------------------------------------
# Structured parts


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """Ratings by domain. A domain that was not rated is absent, never filled in for you."""

    ratings: Mapping[RiskDomain, RiskLevel] = field(default_factory=lambda: MappingProxyType({}))

    def level(self, domain: RiskDomain) -> RiskLevel | None:
        """The recorded rating, or None when the domain was not recorded at all."""
        return self.ratings.get(domain)

    def to_dict(self) -> dict[str, str]:
        """JSON shape: {domain: level} for the recorded domains only."""
        return {domain.value: level.value for domain, level in self.ratings.items()}


def parse_risk_assessment(
    data: Mapping[str, object], field_path: str = "riskAssessment"
) -> RiskAssessment:
    """A RiskAssessment from {domain: level}; unknown domains or levels raise with their path."""
    if not isinstance(data, Mapping):
        raise _one(
            NoteValidationError, field_path, "must be an object of domain: level", "risk.bad_shape"
        )
    problems: list[Problem] = []
    ratings: dict[RiskDomain, RiskLevel] = {}
    for key, value in data.items():
        path = f"{field_path}.{key}"
        if key not in RiskDomain.__members__.values():
            allowed = ", ".join(d.value for d in RiskDomain)
            problems.append(Problem(path, f"is not a risk domain ({allowed})", "risk.domain"))
            continue
        if not isinstance(value, str) or value not in RiskLevel.__members__.values():
            allowed = ", ".join(level.value for level in RiskLevel)
            problems.append(Problem(path, f"must be one of {allowed}", "risk.level"))
            continue
        ratings[RiskDomain(key)] = RiskLevel(value)
    if problems:
        raise NoteValidationError(problems)
    return RiskAssessment(MappingProxyType(ratings))


@dataclass(frozen=True, slots=True)
class MentalStatusExam:
    """Findings by MSE field (see MENTAL_STATUS_FIELDS); fields not examined are absent."""

    findings: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, name: str) -> str | None:
        """The finding for one field, or None when it was not recorded."""
        return self.findings.get(name)

    def to_dict(self) -> dict[str, str]:
        """JSON shape: {field: finding}."""
        return dict(self.findings)


def parse_mental_status_exam(
    data: Mapping[str, object], field_path: str = "mentalStatusExam"
) -> MentalStatusExam:
    """A MentalStatusExam from {field: text}; unknown fields or blank text raise with the path."""
    if not isinstance(data, Mapping):
        raise _one(
            NoteValidationError, field_path, "must be an object of field: finding", "mse.bad_shape"
        )
    problems: list[Problem] = []
    findings: dict[str, str] = {}
    for key, value in data.items():
        path = f"{field_path}.{key}"
        if key not in MENTAL_STATUS_FIELDS:
            problems.append(Problem(path, "is not a mental status exam field", "mse.field"))
        elif not isinstance(value, str) or not value.strip():
            problems.append(
                Problem(
                    path,
                    "must be non-empty text; leave the field out when it was not examined",
                    "mse.blank",
                )
            )
        else:
            findings[key] = value
    if problems:
        raise NoteValidationError(problems)
    return MentalStatusExam(MappingProxyType(findings))


@dataclass(frozen=True, slots=True)
class Actor:
    """The user acting on a note and what their role allows beyond their own notes."""

    user_id: str
    may_sign_for_others: bool = False
    may_cosign: bool = False


class SignatureRole(StrEnum):
    """Why a signature is on a note."""

    AUTHOR = "author"
    COSIGNER = "cosigner"


@dataclass(frozen=True, slots=True)
class Signature:
    """Who signed, in what role, when, and over which content hash."""

    signer_id: str
    role: SignatureRole
    signed_at: datetime
    content_hash: str


@dataclass(frozen=True, slots=True)
class Addendum:
    """Text appended to signed content; `content_hash` chains it to everything before it."""

    author_id: str
    reason: AddendumReason
    text: str
    explanation: str | None
    added_at: datetime
    previous_hash: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class Note:
    """A clinical note. Build it with `new_note`; change it only through the functions below."""

    note_id: str
    note_type: NoteType
    note_format: NoteFormat
    author_id: str
    supervisor_id: str | None = None
    status: NoteStatus = NoteStatus.DRAFT
    sections: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    diagnosis_codes: tuple[str, ...] = ()
    risk_assessment: RiskAssessment | None = None
    mental_status_exam: MentalStatusExam | None = None
    signatures: tuple[Signature, ...] = ()
    signed_content_hash: str | None = None
    addenda: tuple[Addendum, ...] = ()
    locked_at: datetime | None = None

    @property
    def is_segregated(self) -> bool:
        """True for a HIPAA psychotherapy note."""
        return self.note_type.is_segregated

    @property
    def is_locked(self) -> bool:
        """True once locked, including after later amendments."""
        return self.locked_at is not None

    def content_fields(self) -> dict[str, object]:
        """The signed content as camelCase JSON data; absent parts are left out, not nulled."""
        fields: dict[str, object] = {
            "noteId": self.note_id,
            "noteType": self.note_type.value,
            "format": self.note_format.value,
            "authorId": self.author_id,
            "sections": dict(self.sections),
            "diagnosisCodes": list(self.diagnosis_codes),
        }
        if self.risk_assessment is not None:
            fields["riskAssessment"] = self.risk_assessment.to_dict()
        if self.mental_status_exam is not None:
            fields["mentalStatusExam"] = self.mental_status_exam.to_dict()
        return fields

    @property
    def current_hash(self) -> str:
        """Hash of the content and every addendum: the last addendum's hash, if any."""
        if self.addenda:
            return self.addenda[-1].content_hash
        return content_hash(self.content_fields())


# ---------------------------------------------------------------------------------------------
# Canonical content and hashing


def canonical_content(note_fields: Mapping[str, object]) -> bytes:
    """Deterministic JSON bytes: keys sorted, no whitespace, strings in Unicode NFC, UTF-8.

    Only JSON data is accepted (str, int, finite float, bool, None, lists/tuples, mappings
    with string keys); anything else raises NoteContentError naming its path. Two keys that
    become equal after NFC normalisation are refused rather than silently merged.
    """
    normalized = _normalize(note_fields, "$")
    return json.dumps(
        normalized, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def content_hash(note_fields: Mapping[str, object]) -> str:
    """SHA-256 hex digest of `canonical_content(note_fields)`."""
    return hashlib.sha256(canonical_content(note_fields)).hexdigest()


def _normalize(value: object, path: str) -> object:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _one(NoteContentError, path, "must be a finite number", "content.not_json")
        return value
    if isinstance(value, Mapping):
        result: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _one(
                    NoteContentError, path, "has a key that is not a string", "content.not_json"
                )
            normalized_key = unicodedata.normalize("NFC", key)
            if normalized_key in result:
                raise _one(
                    NoteContentError,
                    f"{path}.{normalized_key}",
                    "appears twice once Unicode is normalised",
                    "content.duplicate_key",
                )
            result[normalized_key] = _normalize(item, f"{path}.{normalized_key}")
        return result
    if isinstance(value, list | tuple):
        return [_normalize(item, f"{path}[{index}]") for index, item in enumerate(value)]
    raise _one(
        NoteContentError, path, f"is a {type(value).__name__}, not JSON data", "content.not_json"
    )


# ---------------------------------------------------------------------------------------------
# Validation


def validate_sections(
    note_format: NoteFormat, sections: Mapping[str, object], field_path: str = "sections"
) -> list[Problem]:
    """Missing or blank required sections, and sections the format does not have."""
    required = REQUIRED_SECTIONS[NoteFormat(note_format)]
    problems: list[Problem] = []
    for name in required:
        text = sections.get(name)
        if not isinstance(text, str) or not text.strip():
            problems.append(
                Problem(
                    f"{field_path}.{name}",
                    f"is required in a {note_format.upper()} note",
                    "note.section_missing",
                )
            )
    for name in sections:
        if name not in required:
            problems.append(
                Problem(
                    f"{field_path}.{name}",
                    f"is not a section of a {note_format.upper()} note",
                    "note.section_unknown",
                )
            )
    return problems


def validate_addendum(
    reason: str, text: str, explanation: str | None = None, field_path: str = "addendum"
) -> list[Problem]:
    """Problems with an addendum: unknown reason, blank text, or a needed explanation missing."""
    problems: list[Problem] = []
    if not isinstance(reason, str) or reason not in AddendumReason.__members__.values():
        allowed = ", ".join(r.value for r in AddendumReason)
        problems.append(
            Problem(f"{field_path}.reason", f"must be one of {allowed}", "addendum.reason")
        )
    elif AddendumReason(reason) in REASONS_NEEDING_EXPLANATION and not (
        isinstance(explanation, str) and explanation.strip()
    ):
        problems.append(
            Problem(
                f"{field_path}.explanation",
                f"is required when the reason is {reason}",
                "addendum.explanation_missing",
            )
        )
    if not isinstance(text, str) or not text.strip():
        problems.append(Problem(f"{field_path}.text", "is required", "addendum.text_missing"))
    return problems


def validate_note(note: Note) -> list[Problem]:
    """Every documentation rule a note must meet before it can be signed."""
    problems = validate_sections(note.note_format, note.sections)
    if note.note_type.is_segregated:
        for present, name in (
            (bool(note.diagnosis_codes), "diagnosisCodes"),
            (note.mental_status_exam is not None, "mentalStatusExam"),
            (note.risk_assessment is not None, "riskAssessment"),
        ):
            if present:
                problems.append(
                    Problem(
                        name,
                        "belongs in the progress note, not in segregated "
                        f"psychotherapy notes ({PSYCHOTHERAPY_NOTE_CITATION})",
                        "note.psychotherapy_note_content",
                    )
                )
        return problems

    if note.note_type in NOTE_TYPES_NEEDING_DIAGNOSIS and not note.diagnosis_codes:
        problems.append(
            Problem(
                "diagnosisCodes",
                f"at least one is required in a {note.note_type.value} note",
                "note.diagnosis_missing",
            )
        )
    seen: set[str] = set()
    for index, code in enumerate(note.diagnosis_codes):
        path = f"diagnosisCodes[{index}]"
        code_problems = validate_diagnosis_code(code, path)
        problems.extend(code_problems)
        if not code_problems:
            normalized = normalize_icd10(code)
            if normalized in seen:
                problems.append(
                    Problem(path, "repeats an earlier diagnosis code", "note.diagnosis_repeated")
                )
            seen.add(normalized)
    if note.note_type is NoteType.CRISIS and (
        note.risk_assessment is None or note.risk_assessment.level(RiskDomain.SUICIDE) is None
    ):
        problems.append(
            Problem(
                "riskAssessment.suicide",
                "must be recorded in a crisis note (a rating, or not_assessed said explicitly)",
                "note.crisis_risk_missing",
            )
        )
    if note.note_type in NOTE_TYPES_NEEDING_MENTAL_STATUS and (
        note.mental_status_exam is None or not note.mental_status_exam.findings
    ):
        problems.append(
            Problem(
                "mentalStatusExam",
                f"is required in a {note.note_type.value} note",
                "note.mental_status_missing",
            )
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Lifecycle


def new_note(
    note_id: str,
    note_type: NoteType | str,
    note_format: NoteFormat | str,
    author_id: str,
    *,
    supervisor_id: str | None = None,
    sections: Mapping[str, str] | None = None,
    diagnosis_codes: Sequence[str] = (),
    risk_assessment: RiskAssessment | None = None,
    mental_status_exam: MentalStatusExam | None = None,
) -> Note:
    """A draft note. Raises NoteValidationError for an unknown type or format, or bad ids."""
    problems: list[Problem] = []
    for name, value in (("noteId", note_id), ("authorId", author_id)):
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(name, "is required", "note.missing"))
    if not isinstance(note_type, str) or note_type not in NoteType.__members__.values():
        problems.append(Problem("noteType", "must be one of " + ", ".join(NoteType), "note.type"))
    if not isinstance(note_format, str) or note_format not in NoteFormat.__members__.values():
        problems.append(Problem("format", "must be one of " + ", ".join(NoteFormat), "note.format"))
    if supervisor_id is not None and supervisor_id == author_id:
        problems.append(
            Problem(
                "supervisorId", "must be someone other than the author", "note.self_supervision"
            )
        )
    if problems:
        raise NoteValidationError(problems)
    return Note(
        note_id=note_id,
        note_type=NoteType(note_type),
        note_format=NoteFormat(note_format),
        author_id=author_id,
        supervisor_id=supervisor_id,
        sections=MappingProxyType(dict(sections or {})),
        diagnosis_codes=tuple(diagnosis_codes),
        risk_assessment=risk_assessment,
        mental_status_exam=mental_status_exam,
    )


class _Keep(Enum):
    """Marks an `edit_draft` argument that was not passed (None is a real value there)."""

    KEEP = "keep"


def edit_draft(
    note: Note,
    actor: Actor,
    *,
    sections: Mapping[str, str] | _Keep = _Keep.KEEP,
    diagnosis_codes: Sequence[str] | _Keep = _Keep.KEEP,
    risk_assessment: RiskAssessment | _Keep | None = _Keep.KEEP,
    mental_status_exam: MentalStatusExam | _Keep | None = _Keep.KEEP,
) -> Note:
    """The draft with the given parts replaced (parts not passed are kept; None removes one).

    Only the author edits a draft; any other status raises NoteContentLockedError.
    """
    if note.status is not NoteStatus.DRAFT:
        raise _one(
            NoteContentLockedError,
            "status",
            f"a {note.status.value} note's content cannot change; add an addendum instead",
            "note.content_locked",
        )
    if actor.user_id != note.author_id:
        raise _one(
            NotePermissionError, "authorId", "only the author edits a draft", "note.not_author"
        )
    updated = note
    if not isinstance(sections, _Keep):
        updated = replace(updated, sections=MappingProxyType(dict(sections)))
    if not isinstance(diagnosis_codes, _Keep):
        updated = replace(updated, diagnosis_codes=tuple(diagnosis_codes))
    if not isinstance(risk_assessment, _Keep):
        updated = replace(updated, risk_assessment=risk_assessment)
    if not isinstance(mental_status_exam, _Keep):
        updated = replace(updated, mental_status_exam=mental_status_exam)
    return updated


def sign_note(note: Note, actor: Actor, at: datetime) -> Note:
    """Sign a draft: signed, or pending_cosign when the author is supervised.

    The signer is the author, or a user allowed to sign for others. The note must pass
    `validate_note`; its content hash is recorded in the signature.
    """
    _check_timestamp(at)
    _require_status(note, {NoteStatus.DRAFT}, "sign")
    if actor.user_id != note.author_id and not actor.may_sign_for_others:
        raise _one(
            NotePermissionError,
            "signerId",
            "only the author, or a user allowed to sign for others, may sign this note",
            "note.not_allowed_to_sign",
        )
    problems = validate_note(note)
    if problems:
        raise NoteValidationError(problems)
    digest = content_hash(note.content_fields())
    signature = Signature(actor.user_id, SignatureRole.AUTHOR, at, digest)
    status = NoteStatus.PENDING_COSIGN if note.supervisor_id else NoteStatus.SIGNED
    return replace(note, status=status, signatures=(signature,), signed_content_hash=digest)


def cosign_note(note: Note, actor: Actor, at: datetime) -> Note:
    """A supervisor's co-signature: pending_cosign -> signed.

    The co-signer is the note's supervisor, or a user allowed to co-sign, and never the author.
    The content must still hash to what the author signed.
    """
    _check_timestamp(at)
    _require_status(note, {NoteStatus.PENDING_COSIGN}, "co-sign")
    if actor.user_id == note.author_id or not (
        actor.user_id == note.supervisor_id or actor.may_cosign
    ):
        raise _one(
            NotePermissionError,
            "cosignerId",
            "only the supervising clinician, or a "
            "user allowed to co-sign, may co-sign; never the author",
            "note.not_allowed_to_cosign",
        )
    _require_untouched(note)
    _require_after_last_signature(note, at)
    digest = note.signed_content_hash or ""
    signature = Signature(actor.user_id, SignatureRole.COSIGNER, at, digest)
    return replace(note, status=NoteStatus.SIGNED, signatures=(*note.signatures, signature))


def return_for_revision(note: Note, actor: Actor) -> Note:
    """The supervisor declines to co-sign: pending_cosign -> draft, author signature removed."""
    _require_status(note, {NoteStatus.PENDING_COSIGN}, "return for revision")
    if actor.user_id == note.author_id or not (
        actor.user_id == note.supervisor_id or actor.may_cosign
    ):
        raise _one(
            NotePermissionError,
            "supervisorId",
            "only the supervising clinician may return a note for revision",
            "note.not_allowed_to_cosign",
        )
    return replace(note, status=NoteStatus.DRAFT, signatures=(), signed_content_hash=None)


def lock_note(note: Note, at: datetime) -> Note:
    """Lock a signed or amended note. Locked content never changes; amendments still append."""
    _check_timestamp(at)
    _require_status(note, {NoteStatus.SIGNED, NoteStatus.AMENDED}, "lock")
    _require_untouched(note)
    return replace(note, status=NoteStatus.LOCKED, locked_at=at)


def amend_note(
    note: Note,
    actor: Actor,
    reason: AddendumReason | str,
    text: str,
    at: datetime,
    explanation: str | None = None,
) -> Note:
    """Append a signed addendum to a signed, locked or amended note; status becomes amended.

    The original content and earlier addenda stay as they were (the history); the addendum is
    hashed together with the hash before it.
    """
    _check_timestamp(at)
    _require_status(note, {NoteStatus.SIGNED, NoteStatus.LOCKED, NoteStatus.AMENDED}, "amend")
    if actor.user_id != note.author_id and not actor.may_sign_for_others:
        raise _one(
            NotePermissionError,
            "authorId",
            "only the author, or a user allowed to sign for others, may amend this note",
            "note.not_allowed_to_amend",
        )
    problems = validate_addendum(reason, text, explanation)
    if problems:
        raise NoteValidationError(problems)
    _require_untouched(note)
    _require_after_last_signature(note, at)
    previous = note.current_hash
    addendum_reason = AddendumReason(reason)
    digest = content_hash(
        {
            "previousHash": previous,
            "authorId": actor.user_id,
            "reason": addendum_reason.value,
            "text": text,
            "explanation": explanation,
            "addedAt": at.isoformat(),
        }
    )
    addendum = Addendum(actor.user_id, addendum_reason, text, explanation, at, previous, digest)
    return replace(note, status=NoteStatus.AMENDED, addenda=(*note.addenda, addendum))


def verify_note_content(note: Note) -> bool:
    """True when signed content and every addendum still hash to what was recorded.

    A draft has nothing to verify and returns True. Use it on notes rebuilt from storage to
    detect content changed outside these rules.
    """
    if note.status is NoteStatus.DRAFT:
        return True
    if note.signed_content_hash != content_hash(note.content_fields()):
        return False
    previous = note.signed_content_hash
    for addendum in note.addenda:
        expected = content_hash(
            {
                "previousHash": previous,
                "authorId": addendum.author_id,
                "reason": addendum.reason.value,
                "text": addendum.text,
                "explanation": addendum.explanation,
                "addedAt": addendum.added_at.isoformat(),
            }
        )
        if addendum.previous_hash != previous or addendum.content_hash != expected:
            return False
        previous = expected
    return True


def _require_status(note: Note, allowed: set[NoteStatus], action: str) -> None:
    if note.status not in allowed:
        names = " or ".join(sorted(status.value for status in allowed))
        raise _one(
            NoteStateError,
            "status",
            f"cannot {action} a {note.status.value} note (only {names})",
            "note.bad_transition",
        )


def _require_untouched(note: Note) -> None:
    if not verify_note_content(note):
        raise _one(
            NoteContentLockedError,
            "content",
            "no longer matches the signed hash",
            "note.content_changed",
        )


def _require_after_last_signature(note: Note, at: datetime) -> None:
    times = [s.signed_at for s in note.signatures] + [a.added_at for a in note.addenda]
    if times and at < max(times):
        raise _one(
            NoteValidationError,
            "at",
            "is earlier than the note's last signature",
            "note.time_order",
        )


def _check_timestamp(at: datetime) -> None:
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise _one(
            NoteValidationError, "at", "must be a timezone-aware timestamp", "note.naive_time"
        )
