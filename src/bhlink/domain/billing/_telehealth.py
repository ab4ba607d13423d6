"""Telehealth claim-line rules per payer: which place of service and which modifier.

Payers disagree, so the rule is data (TelehealthPolicy), checked by `check_telehealth`:
* POS 02 = telehealth with the patient somewhere other than home; POS 10 = patient at home
  (CMS Transmittal 11045, CR 12427, effective 2022-01-01).
* Modifier 95 = live audio and video; 93 = audio only (CPT); GT = audio and video under older
  payer conventions (some Medicaid and commercial plans); FQ = audio only on RHC/FQHC claims.
* Medicare from 2024 pays POS 02/10 without modifier 95 (except hospital-based clinicians
  billing for a patient at home) and still requires 93 for audio-only mental health visits
  (CY2024 Physician Fee Schedule final rule; NGS Medicare 2024 telehealth notice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bhlink.domain.codes import Problem

TELEHEALTH_MODIFIERS = frozenset({"95", "93", "GT", "GQ", "FQ"})


class TelehealthModality(StrEnum):
    """How the clinician and patient were connected."""

    AUDIO_VIDEO = "audio_video"
    AUDIO_ONLY = "audio_only"


@dataclass(frozen=True, slots=True)
class TelehealthPolicy:
    """One payer's telehealth billing rule.

    `audio_video_modifier`/`audio_only_modifier` name the modifier the payer requires for that
    modality; None means the payer wants no telehealth modifier for it. Any other telehealth
    modifier on the line is a problem, since mixed signals (95 with GT) get lines denied.
    """

    payer_id: str
    allowed_places_of_service: frozenset[str] = frozenset({"02", "10"})
    audio_video_modifier: str | None = "95"
    audio_only_modifier: str | None = "93"
    audio_only_allowed: bool = True


MEDICARE_TELEHEALTH_2024 = TelehealthPolicy(
    payer_id="medicare",
    allowed_places_of_service=frozenset({"02", "10"}),
    audio_video_modifier=None,
    audio_only_modifier="93",
    audio_only_allowed=True,
)


def check_telehealth(
    policy: TelehealthPolicy,
    place_of_service: str,
    modifiers: Sequence[str],
    modality: TelehealthModality,
    *,
    patient_at_home: bool | None = None,
) -> list[Problem]:
    """Problems with a telehealth line under `policy`; an empty list means it is billable.

    When `patient_at_home` is known, POS 10 (home) or 02 (elsewhere) must match it.
    """
    problems: list[Problem] = []
    pos = place_of_service.strip() if isinstance(place_of_service, str) else ""
    if pos not in policy.allowed_places_of_service:
        allowed = " or ".join(sorted(policy.allowed_places_of_service))
        problems.append(
            Problem(
                "placeOfService",
                f"must be {allowed} for telehealth with payer {policy.payer_id}",
                "telehealth.place_of_service",
            )
        )
    elif patient_at_home is not None:
        expected = "10" if patient_at_home else "02"
        if pos != expected and expected in policy.allowed_places_of_service:
            where = "at home" if patient_at_home else "not at home"
            problems.append(
                Problem(
                    "placeOfService",
                    f"must be {expected} when the patient is {where}",
                    "telehealth.place_of_service",
                )
            )

    if modality is TelehealthModality.AUDIO_ONLY and not policy.audio_only_allowed:
        problems.append(
            Problem(
                "modality",
                f"payer {policy.payer_id} does not pay audio-only telehealth",
                "telehealth.audio_only_not_covered",
            )
        )
        return problems

    required = (
        policy.audio_video_modifier
        if modality is TelehealthModality.AUDIO_VIDEO
        else policy.audio_only_modifier
    )
    present = [m.strip().upper() for m in modifiers if isinstance(m, str)]
    telehealth_present = [m for m in present if m in TELEHEALTH_MODIFIERS]
    if required is not None and required not in present:
        problems.append(
            Problem(
                "modifiers",
                f"modifier {required} is required for "
                f"{modality.value} telehealth with payer {policy.payer_id}",
                "telehealth.modifier_missing",
            )
        )
    for modifier in telehealth_present:
        if modifier != required:
            problems.append(
                Problem(
                    "modifiers",
                    f"modifier {modifier} is not used for "
                    f"{modality.value} telehealth with payer {policy.payer_id}",
                    "telehealth.modifier_unexpected",
                )
            )
    return problems
