"""Claim lifecycle: the status state machine, CLM01 from our claim id, and line outcomes.

    draft ─► ready ─► queued ─► submitted ─► accepted ─► paid | partially_paid | denied
      │        │        │           │            ▲                 │
      │        │        │           └► rejected ─┘(277CA after     └► accepted (835 reversal)
      └────────┴────────┴─► voided              a 999 error)

* ready: the scrubber found nothing; queued: waiting for the next batch of its payer;
  submitted: sent in an interchange; accepted/rejected: 999 (file level, IK5) or 277CA
  (claim level, STC A1/A2 accepted; A3/A4/A6/A7/A8 rejected; 277CA TR3 005010X214);
  paid/partially_paid/denied: 835 adjudication; a CLP02 22 reversal takes a claim back to
  accepted until the corrected CLP arrives.
* Replacement (frequency 7) and void (8) claims are new claims that point at the original
  (NUBC frequency codes; 837P TR3 CLM05-3 with REF*F8).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bhlink.domain.errors import Conflict, FieldProblem


class ClaimStatus(StrEnum):
    """Where a claim is in its life."""

    DRAFT = "draft"
    READY = "ready"
    QUEUED = "queued"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    VOIDED = "voided"


C = ClaimStatus
ADJUDICATED = frozenset({C.PAID, C.PARTIALLY_PAID, C.DENIED})
ALLOWED_TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    C.DRAFT: frozenset({C.READY, C.QUEUED, C.VOIDED}),
    C.READY: frozenset({C.DRAFT, C.QUEUED, C.VOIDED}),
    C.QUEUED: frozenset({C.DRAFT, C.READY, C.SUBMITTED, C.VOIDED}),
    # A payer may answer an 835 before (or without) a 277CA reaching us.
    C.SUBMITTED: frozenset({C.ACCEPTED, C.REJECTED} | ADJUDICATED),
    C.ACCEPTED: frozenset({C.REJECTED} | ADJUDICATED),
    # A 999 error can be followed by a 277CA acceptance of a resubmission of the same file.
    C.REJECTED: frozenset({C.ACCEPTED, C.VOIDED} | ADJUDICATED),
    C.PAID: frozenset({C.ACCEPTED, C.VOIDED} | ADJUDICATED),
    C.PARTIALLY_PAID: frozenset({C.ACCEPTED, C.VOIDED} | ADJUDICATED),
    C.DENIED: frozenset({C.ACCEPTED, C.VOIDED} | ADJUDICATED),
    C.VOIDED: frozenset(),
}
EDITABLE = frozenset({C.DRAFT, C.READY, C.QUEUED})
# Claims the payer knows about: they can only change by a replacement or void claim.
SENT = frozenset({C.SUBMITTED, C.ACCEPTED, C.REJECTED} | ADJUDICATED)

# Many payers keep only 20 characters of CLM01 (x12.md section 3), so it must fit.
MAX_PATIENT_CONTROL_NUMBER = 20


def can_transition(current: ClaimStatus, target: ClaimStatus) -> bool:
    """Whether the state machine allows `current` → `target` (staying put is allowed)."""
    return current == target or target in ALLOWED_TRANSITIONS[current]


def check_transition(current: ClaimStatus, target: ClaimStatus) -> None:
    """Raise Conflict when `current` → `target` is not allowed."""
    if not can_transition(current, target):
        raise Conflict(
            detail=f"a {current.value} claim cannot become {target.value}",
            errors=[
                FieldProblem(
                    "status", f"transition {current.value} -> {target.value} is not allowed"
                )
            ],
            code="invalid_claim_transition",
        )


def patient_control_number(claim_id: str) -> str:
    """CLM01 for a claim id: the id without its prefix, upper-cased, cut to 20 characters.

    `clm_01jabcdefghjkmnpqrstvwxyz0` → `01JABCDEFGHJKMNPQRST`: the ULID's 10 time characters
    and 10 of its 16 random ones (50 random bits). Upper case because many payers upper-case
    what they echo back. The stored value is unique per integration, so an unlucky
    collision is refused at insert time instead of mis-posting an 835.
    """
    _, _, body = claim_id.partition("_")
    return (body or claim_id).upper()[:MAX_PATIENT_CONTROL_NUMBER]


@dataclass(frozen=True, slots=True)
class LineOutcome:
    """What the payer decided for one line so far (cumulative over 835s)."""

    adjudicated: bool
    paid_cents: int
    patient_responsibility_cents: int
    denied: bool


def adjudicated_status(status_code: str, lines: Sequence[LineOutcome]) -> ClaimStatus:
    """The claim's status after an 835 posting.

    * denied: CLP02 4, or every adjudicated line was denied (nothing paid and nothing left
      to the patient: the payer refused it).
    * partially_paid: some lines were paid or left to the patient while others were denied
      or are not adjudicated yet (a split claim still waiting for its other part).
    * paid: every line was adjudicated and none was denied (a line applied wholly to the
      deductible is "paid" by the payer's decision even though it paid nothing).
    """
    if status_code == "4":
        return ClaimStatus.DENIED
    if not lines:
        return ClaimStatus.PAID
    adjudicated = [line for line in lines if line.adjudicated]
    if adjudicated and all(line.denied for line in adjudicated) and len(adjudicated) == len(lines):
        return ClaimStatus.DENIED
    if len(adjudicated) < len(lines) or any(line.denied for line in adjudicated):
        covered = any(
            line.paid_cents > 0 or line.patient_responsibility_cents > 0 for line in adjudicated
        )
        return ClaimStatus.PARTIALLY_PAID if covered else ClaimStatus.DENIED
    return ClaimStatus.PAID
