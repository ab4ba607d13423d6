"""Clinical note lifecycle, documentation rules, structured parts and content hashing."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest

from bhlink.domain.codes import Problem, ProblemsError
from bhlink.domain.notes import (
    REQUIRED_SECTIONS,
    Actor,
    AddendumReason,
    MentalStatusExam,
    Note,
    NoteContentError,
    NoteContentLockedError,
    NoteFormat,
    NotePermissionError,
    NoteStateError,
    NoteStatus,
    NoteType,
    NoteValidationError,
    RiskAssessment,
    RiskDomain,
    RiskLevel,
    SignatureRole,
    amend_note,
    canonical_content,
    content_hash,
    cosign_note,
    edit_draft,
    lock_note,
    new_note,
    parse_mental_status_exam,
    parse_risk_assessment,
    return_for_revision,
    sign_note,
    validate_addendum,
    validate_note,
    validate_sections,
    verify_note_content,
)

T0 = datetime(2026, 1, 25, 16, 0, tzinfo=UTC)
AUTHOR = Actor("u_author")
SUPERVISOR = Actor("u_supervisor")
STRANGER = Actor("u_other")
SOAP = {
    "subjective": "Reports sleeping better.",
    "objective": "Calm, engaged.",
    "assessment": "Anxiety improving.",
    "plan": "Continue weekly CBT.",
}


def progress_note(**overrides: object) -> Note:
    arguments: dict[str, object] = {
        "sections": SOAP,
        "diagnosis_codes": ["F41.1"],
    }
    arguments.update(overrides)
    return new_note("note_1", "progress", "soap", "u_author", **arguments)  # type: ignore[arg-type]


def codes_of(error: ProblemsError) -> list[str]:
    return [problem.code for problem in error.problems]


# --- lifecycle -------------------------------------------------------------------------------


def test_author_signs_a_valid_draft() -> None:
    signed = sign_note(progress_note(), AUTHOR, T0)
    assert signed.status is NoteStatus.SIGNED
    assert signed.signatures[0].signer_id == "u_author"
    assert signed.signatures[0].role is SignatureRole.AUTHOR
    assert signed.signed_content_hash == content_hash(signed.content_fields())
    assert signed.signatures[0].content_hash == signed.signed_content_hash
    assert verify_note_content(signed)


def test_someone_else_signs_only_when_permitted() -> None:
    with pytest.raises(NotePermissionError) as caught:
        sign_note(progress_note(), STRANGER, T0)
    assert caught.value.problems[0].field == "signerId"
    delegate = Actor("u_delegate", may_sign_for_others=True)
    assert sign_note(progress_note(), delegate, T0).signatures[0].signer_id == "u_delegate"


def test_supervisee_note_waits_for_cosign() -> None:
    draft = progress_note(supervisor_id="u_supervisor")
    pending = sign_note(draft, AUTHOR, T0)
    assert pending.status is NoteStatus.PENDING_COSIGN
    with pytest.raises(NotePermissionError):
        cosign_note(pending, AUTHOR, T0 + timedelta(hours=1))
    with pytest.raises(NotePermissionError):
        cosign_note(pending, STRANGER, T0 + timedelta(hours=1))
    signed = cosign_note(pending, SUPERVISOR, T0 + timedelta(hours=1))
    assert signed.status is NoteStatus.SIGNED
    assert [s.role for s in signed.signatures] == [SignatureRole.AUTHOR, SignatureRole.COSIGNER]
    assert signed.signatures[1].content_hash == pending.signed_content_hash


def test_a_user_allowed_to_cosign_may_stand_in_for_the_supervisor() -> None:
    pending = sign_note(progress_note(supervisor_id="u_supervisor"), AUTHOR, T0)
    director = Actor("u_director", may_cosign=True)
    assert cosign_note(pending, director, T0).status is NoteStatus.SIGNED


def test_pending_note_content_cannot_change_and_can_be_returned() -> None:
    pending = sign_note(progress_note(supervisor_id="u_supervisor"), AUTHOR, T0)
    with pytest.raises(NoteContentLockedError):
        edit_draft(pending, AUTHOR, sections={**SOAP, "plan": "Changed."})
    with pytest.raises(NotePermissionError):
        return_for_revision(pending, STRANGER)
    returned = return_for_revision(pending, SUPERVISOR)
    assert returned.status is NoteStatus.DRAFT
    assert returned.signatures == () and returned.signed_content_hash is None
    edited = edit_draft(returned, AUTHOR, sections={**SOAP, "plan": "Twice weekly."})
    assert edited.sections["plan"] == "Twice weekly."


def test_cosign_refuses_content_changed_behind_its_back() -> None:
    pending = sign_note(progress_note(supervisor_id="u_supervisor"), AUTHOR, T0)
    tampered = replace(pending, sections=MappingProxyType({**SOAP, "plan": "Tampered."}))
    assert not verify_note_content(tampered)
    with pytest.raises(NoteContentLockedError) as caught:
        cosign_note(tampered, SUPERVISOR, T0)
    assert codes_of(caught.value) == ["note.content_changed"]


def test_signed_and_locked_content_never_changes() -> None:
    signed = sign_note(progress_note(), AUTHOR, T0)
    locked = lock_note(signed, T0 + timedelta(days=1))
    assert locked.status is NoteStatus.LOCKED and locked.is_locked
    for note in (signed, locked):
        with pytest.raises(NoteContentLockedError):
            edit_draft(note, AUTHOR, diagnosis_codes=["F41.0"])
    with pytest.raises(NoteStateError):
        sign_note(locked, AUTHOR, T0 + timedelta(days=2))
    with pytest.raises(NoteStateError):
        lock_note(locked, T0 + timedelta(days=2))
    with pytest.raises(NoteStateError):
        lock_note(progress_note(), T0)


def test_amendment_appends_history_and_keeps_original_content() -> None:
    locked = lock_note(sign_note(progress_note(), AUTHOR, T0), T0 + timedelta(days=1))
    amended = amend_note(
        locked, AUTHOR, AddendumReason.LATE_ENTRY, "Phone call with parent.", T0 + timedelta(2)
    )
    assert amended.status is NoteStatus.AMENDED
    assert amended.is_locked  # the lock is not undone by an addendum
    assert amended.sections == locked.sections
    assert amended.signed_content_hash == locked.signed_content_hash
    assert amended.addenda[0].previous_hash == locked.signed_content_hash
    again = amend_note(
        amended,
        AUTHOR,
        "correction_of_error",
        "Session was 45 minutes, not 50.",
        T0 + timedelta(days=3),
    )
    assert len(again.addenda) == 2
    assert again.addenda[1].previous_hash == amended.addenda[0].content_hash
    assert again.current_hash == again.addenda[1].content_hash
    assert verify_note_content(again)
    assert lock_note(again, T0 + timedelta(days=4)).status is NoteStatus.LOCKED


def test_tampered_addendum_is_detected() -> None:
    amended = amend_note(
        sign_note(progress_note(), AUTHOR, T0), AUTHOR, "clarification", "Means weekly.", T0
    )
    forged = replace(amended, addenda=(replace(amended.addenda[0], text="Means monthly."),))
    assert not verify_note_content(forged)
    with pytest.raises(NoteContentLockedError):
        amend_note(forged, AUTHOR, "clarification", "More.", T0 + timedelta(hours=1))


def test_amendment_needs_signed_status_permission_reason_and_order() -> None:
    with pytest.raises(NoteStateError):
        amend_note(progress_note(), AUTHOR, "late_entry", "Text.", T0)
    pending = sign_note(progress_note(supervisor_id="u_supervisor"), AUTHOR, T0)
    with pytest.raises(NoteStateError):
        amend_note(pending, AUTHOR, "late_entry", "Text.", T0)
    signed = sign_note(progress_note(), AUTHOR, T0)
    with pytest.raises(NotePermissionError):
        amend_note(signed, STRANGER, "late_entry", "Text.", T0)
    with pytest.raises(NoteValidationError) as reason_error:
        amend_note(signed, AUTHOR, "because", "Text.", T0)
    assert codes_of(reason_error.value) == ["addendum.reason"]
    with pytest.raises(NoteValidationError) as order_error:
        amend_note(signed, AUTHOR, "late_entry", "Text.", T0 - timedelta(minutes=1))
    assert codes_of(order_error.value) == ["note.time_order"]


def test_transitions_need_timezone_aware_times() -> None:
    with pytest.raises(NoteValidationError) as caught:
        sign_note(progress_note(), AUTHOR, datetime(2026, 1, 25, 16, 0))
    assert codes_of(caught.value) == ["note.naive_time"]


def test_only_the_author_edits_a_draft_and_none_removes_a_part() -> None:
    with pytest.raises(NotePermissionError):
        edit_draft(progress_note(), STRANGER, sections=SOAP)
    with_risk = progress_note(risk_assessment=RiskAssessment({RiskDomain.SUICIDE: RiskLevel.LOW}))
    removed = edit_draft(with_risk, AUTHOR, risk_assessment=None)
    assert removed.risk_assessment is None
    assert edit_draft(with_risk, AUTHOR).risk_assessment == with_risk.risk_assessment


# --- documentation rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("note_format", "sections"),
    [
        ("soap", ("subjective", "objective", "assessment", "plan")),
        ("dap", ("data", "assessment", "plan")),
        ("birp", ("behavior", "intervention", "response", "plan")),
        ("girp", ("goals", "intervention", "response", "plan")),
        ("narrative", ("text",)),
    ],
)
def test_each_format_names_its_missing_sections(
    note_format: str, sections: tuple[str, ...]
) -> None:
    assert REQUIRED_SECTIONS[NoteFormat(note_format)] == sections
    problems = validate_sections(NoteFormat(note_format), {sections[0]: "  "})
    assert sorted(p.field for p in problems) == sorted(f"sections.{name}" for name in sections)
    assert {p.code for p in problems} == {"note.section_missing"}
    assert validate_sections(NoteFormat(note_format), dict.fromkeys(sections, "x")) == []


def test_unknown_section_is_reported() -> None:
    problems = validate_sections(
        NoteFormat.DAP, {"data": "x", "assessment": "x", "plan": "x", "subjective": "x"}
    )
    assert [(p.field, p.code) for p in problems] == [
        ("sections.subjective", "note.section_unknown")
    ]


def test_signing_refuses_an_incomplete_note_and_names_every_field() -> None:
    draft = progress_note(
        sections={"subjective": "x"}, diagnosis_codes=["F41", "X99.9", "F41.1", "f411"]
    )
    with pytest.raises(NoteValidationError) as caught:
        sign_note(draft, AUTHOR, T0)
    fields = {(p.field, p.code) for p in caught.value.problems}
    assert ("sections.objective", "note.section_missing") in fields
    assert ("diagnosisCodes[0]", "icd10.not_billable") in fields
    assert ("diagnosisCodes[1]", "icd10.unknown") in fields
    assert ("diagnosisCodes[3]", "note.diagnosis_repeated") in fields
    assert all(p.message for p in caught.value.problems)
    assert "Reports" not in str(caught.value)  # no note text in the error


def test_billed_note_types_need_a_diagnosis() -> None:
    assert codes_of_list(validate_note(progress_note(diagnosis_codes=[]))) == [
        "note.diagnosis_missing"
    ]
    discharge = new_note("n", "discharge", "narrative", "u", sections={"text": "Done."})
    assert validate_note(discharge) == []


def codes_of_list(problems: list[Problem]) -> list[str]:
    return [problem.code for problem in problems]


def test_crisis_note_needs_suicide_risk_recorded_explicitly() -> None:
    crisis = new_note(
        "n", "crisis", "narrative", "u", sections={"text": "x"}, diagnosis_codes=["F43.0"]
    )
    assert codes_of_list(validate_note(crisis)) == ["note.crisis_risk_missing"]
    other_domain = replace(
        crisis, risk_assessment=RiskAssessment({RiskDomain.HARM_TO_OTHERS: RiskLevel.NONE})
    )
    assert codes_of_list(validate_note(other_domain)) == ["note.crisis_risk_missing"]
    explicit = replace(
        crisis, risk_assessment=RiskAssessment({RiskDomain.SUICIDE: RiskLevel.NOT_ASSESSED})
    )
    assert validate_note(explicit) == []


def test_intake_and_med_management_need_a_mental_status_exam() -> None:
    for note_type in ("intake", "med_management"):
        note = new_note(
            "n", note_type, "narrative", "u", sections={"text": "x"}, diagnosis_codes=["F32.A"]
        )
        assert codes_of_list(validate_note(note)) == ["note.mental_status_missing"]
        examined = replace(note, mental_status_exam=parse_mental_status_exam({"mood": "low"}))
        assert validate_note(examined) == []


def test_psychotherapy_notes_are_segregated_and_hold_no_medical_record_content() -> None:
    note = new_note("n", "psychotherapy_note", "narrative", "u", sections={"text": "x"})
    assert note.is_segregated and NoteType.PSYCHOTHERAPY_NOTE.is_segregated
    assert not NoteType.PROGRESS.is_segregated
    assert validate_note(note) == []
    mixed = replace(
        note,
        diagnosis_codes=("F41.1",),
        mental_status_exam=MentalStatusExam({"mood": "ok"}),
        risk_assessment=RiskAssessment({RiskDomain.SUICIDE: RiskLevel.NONE}),
    )
    problems = validate_note(mixed)
    assert [p.field for p in problems] == ["diagnosisCodes", "mentalStatusExam", "riskAssessment"]
    assert all("164.501" in p.message for p in problems)


def test_new_note_refuses_bad_type_format_ids_and_self_supervision() -> None:
    with pytest.raises(NoteValidationError) as caught:
        new_note("", "therapy", "essay", "u", supervisor_id="u")
    assert sorted(p.field for p in caught.value.problems) == [
        "format",
        "noteId",
        "noteType",
        "supervisorId",
    ]


# --- structured parts ------------------------------------------------------------------------


def test_risk_assessment_keeps_absent_domains_absent() -> None:
    risk = parse_risk_assessment({"suicide": "low", "harm_to_others": "not_assessed"})
    assert risk.level(RiskDomain.SUICIDE) is RiskLevel.LOW
    assert risk.level(RiskDomain.HARM_TO_OTHERS) is RiskLevel.NOT_ASSESSED
    assert risk.level(RiskDomain.SELF_HARM) is None
    assert risk.to_dict() == {"suicide": "low", "harm_to_others": "not_assessed"}
    assert parse_risk_assessment({}).to_dict() == {}


def test_risk_assessment_refuses_unknown_domains_and_levels() -> None:
    with pytest.raises(NoteValidationError) as caught:
        parse_risk_assessment({"suicide": "medium", "homicide": "low", "self_harm": None})
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("riskAssessment.suicide", "risk.level"),
        ("riskAssessment.homicide", "risk.domain"),
        ("riskAssessment.self_harm", "risk.level"),
    ]
    with pytest.raises(NoteValidationError):
        parse_risk_assessment(["suicide"])  # type: ignore[arg-type]


def test_mental_status_exam_parsing() -> None:
    exam = parse_mental_status_exam({"mood": "euthymic", "thoughtContent": "no SI"})
    assert exam.get("mood") == "euthymic" and exam.get("insight") is None
    with pytest.raises(NoteValidationError) as caught:
        parse_mental_status_exam({"mood": " ", "vibe": "good"}, "mse")
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("mse.mood", "mse.blank"),
        ("mse.vibe", "mse.field"),
    ]
    with pytest.raises(NoteValidationError):
        parse_mental_status_exam("calm")  # type: ignore[arg-type]


@pytest.mark.parametrize("reason", [r.value for r in AddendumReason])
def test_every_addendum_reason_is_accepted_with_text_and_explanation(reason: str) -> None:
    assert validate_addendum(reason, "Text.", "Patient letter of 2026-01-20.") == []


def test_addendum_validation() -> None:
    assert validate_addendum("late_entry", "Text.") == []
    assert codes_of_list(validate_addendum("other_with_explanation", "Text.")) == [
        "addendum.explanation_missing"
    ]
    assert codes_of_list(validate_addendum("patient_request_amendment", "Text.", " ")) == [
        "addendum.explanation_missing"
    ]
    assert codes_of_list(validate_addendum("oops", "")) == [
        "addendum.reason",
        "addendum.text_missing",
    ]


# --- canonical content -----------------------------------------------------------------------


def test_canonical_content_is_sorted_compact_nfc_utf8() -> None:
    composed = unicodedata.normalize("NFC", "José")
    decomposed = unicodedata.normalize("NFD", "José")
    assert composed != decomposed
    first = canonical_content({"b": [1, 2.5, None, True], "a": {"name": decomposed}})
    second = canonical_content({"a": {"name": composed}, "b": (1, 2.5, None, True)})
    assert first == second
    assert first == '{"a":{"name":"José"},"b":[1,2.5,null,true]}'.encode()
    assert content_hash({"a": 1}) == hashlib.sha256(b'{"a":1}').hexdigest()


def test_content_hash_changes_with_any_content_change() -> None:
    note = progress_note()
    changed = edit_draft(note, AUTHOR, sections={**SOAP, "plan": "Continue weekly CBT!"})
    assert content_hash(note.content_fields()) != content_hash(changed.content_fields())
    assert "riskAssessment" not in note.content_fields()  # absent stays absent


@pytest.mark.parametrize(
    ("content", "path"),
    [
        ({"a": float("nan")}, "$.a"),
        ({"a": {"b": [1, {2, 3}]}}, "$.a.b[1]"),
        ({"a": datetime(2026, 1, 1, tzinfo=UTC)}, "$.a"),
        ({"a": {1: "x"}}, "$.a"),
        ({"e\u0301": 1, "\u00e9": 2}, "$.é"),
    ],
)
def test_canonical_content_refuses_non_json_and_names_the_path(
    content: dict[object, object], path: str
) -> None:
    with pytest.raises(NoteContentError) as caught:
        canonical_content(content)  # type: ignore[arg-type]
    assert caught.value.problems[0].field == path
