"""Consents: kinds, the 42 CFR Part 2 written-consent elements, validity, and the §2.32 notice.

* 42 CFR 2.31(a) (as revised by the 2024 final rule, 89 FR 12472, compliance from 2026-02-16)
  lists what a written consent must include; bhlink requires the elements it can check as
  data: who may disclose (`discloser`, 2.31(a)(2)), what may be disclosed
  (`informationDescription`, (a)(3)), to whom (`recipient`, (a)(4)), why (`purpose`, (a)(5)),
  until when (`expiresOn` or `expirationEvent`, (a)(7)), the signature (`signedBy`, (a)(8)) and
  its date (`signatureDate`, (a)(9)). The patient is the consent's own patient ((a)(1)).
* 42 CFR 2.32(a) requires every disclosure made with consent to carry one of two statements,
  and 2.32(b) a copy of the consent or a clear explanation of its scope: bhlink attaches
  Statement 1 and the consent's scope fields to every Part 2 disclosure.
* A consent is in force from its effective date until it expires or is revoked
  (2.31(a)(6): the patient may revoke it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum

from bhlink.domain.errors import FieldProblem


class ConsentType(StrEnum):
    """What a consent covers."""

    TREATMENT = "treatment"
    TELEHEALTH = "telehealth"
    RELEASE_OF_INFORMATION = "release_of_information"
    RECORDING = "recording"
    PART2_DISCLOSURE = "part2_disclosure"


class ConsentStatus(StrEnum):
    """Whether a consent still stands (expiry is judged by date, see `in_force`)."""

    ACTIVE = "active"
    REVOKED = "revoked"


PART2_CITATION = "42 CFR 2.31(a)"
REDISCLOSURE_CITATION = "42 CFR 2.32(a)(1)"

# 42 CFR 2.32(a)(1), Statement 1, as revised by the 2024 final rule (89 FR 12472).
REDISCLOSURE_NOTICE = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or "
    "testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, except "
    "as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR "
    "2.64 or 2.65. In addition, the Federal rules prohibit you from making any other use or "
    "disclosure of this record unless at least one of the following applies: (i) Further use "
    "or disclosure is expressly permitted by the written consent of the individual whose "
    "information is being disclosed in this record or as otherwise permitted by 42 CFR part "
    "2. (ii) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or (iii) You have received the record "
    "from a covered entity or business associate as permitted by 45 CFR part 164, subparts A "
    "and E. A general authorization for the release of medical or other information is NOT "
    "sufficient to meet the required elements of written consent to further use or redisclose "
    "the record (see 42 CFR 2.31)."
)

# (API field, the 42 CFR 2.31(a) paragraph that requires it)
_PART2_REQUIRED: tuple[tuple[str, str], ...] = (
    ("discloser", "2.31(a)(2)"),
    ("informationDescription", "2.31(a)(3)"),
    ("recipient", "2.31(a)(4)"),
    ("purpose", "2.31(a)(5)"),
    ("signedBy", "2.31(a)(8)"),
    ("signatureDate", "2.31(a)(9)"),
)


def _present(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def part2_consent_problems(fields: Mapping[str, object]) -> list[FieldProblem]:
    """The §2.31 elements missing from a Part 2 consent, each named by its API field."""
    problems = [
        FieldProblem(name, f"is required in a Part 2 consent (42 CFR {paragraph})")
        for name, paragraph in _PART2_REQUIRED
        if not _present(fields.get(name))
    ]
    if not _present(fields.get("expiresOn")) and not _present(fields.get("expirationEvent")):
        problems.append(
            FieldProblem(
                "expiresOn",
                "a Part 2 consent needs an expiration date or event (42 CFR 2.31(a)(7))",
            )
        )
    return problems


def consent_date_problems(
    effective: date, expires_on: date | None, signature_date: date | None
) -> list[FieldProblem]:
    """Dates that contradict each other."""
    problems: list[FieldProblem] = []
    if expires_on is not None and expires_on < effective:
        problems.append(FieldProblem("expiresOn", "must not be before effectiveDate"))
    if signature_date is not None and expires_on is not None and expires_on < signature_date:
        problems.append(FieldProblem("expiresOn", "must not be before signatureDate"))
    return problems


def in_force(
    status: str,
    effective: date,
    expires_on: date | None,
    revoked_at: datetime | None,
    today: date,
) -> bool:
    """Whether a consent covers a use or disclosure today (effective, unexpired, unrevoked)."""
    if status != ConsentStatus.ACTIVE or revoked_at is not None:
        return False
    if today < effective:
        return False
    return expires_on is None or today <= expires_on


def same_recipient(consented: str | None, requested: str) -> bool:
    """Whether the requested recipient is the one named in the consent (case and spacing ignored)."""
    if consented is None:
        return False
    return " ".join(consented.split()).casefold() == " ".join(requested.split()).casefold()
