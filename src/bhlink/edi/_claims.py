"""Typed claim documents the 837P/837I writers take (frozen dataclasses, Decimal money)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True, slots=True)
class Address:
    """A US postal address; ``postal_code`` is 5 or 9 digits (billing provider: 9)."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None


@dataclass(frozen=True, slots=True)
class Submitter:
    """Loop 1000A: who sends the file (NM1*41) and the EDI contact (PER*IC)."""

    name: str
    identifier: str
    contact_name: str
    contact_phone: str
    contact_email: str | None = None


@dataclass(frozen=True, slots=True)
class Receiver:
    """Loop 1000B: the clearinghouse or payer receiving the file (NM1*40)."""

    name: str
    identifier: str


@dataclass(frozen=True, slots=True)
class BillingProvider:
    """Loop 2000A/2010AA. An organization unless ``first_name`` is given (NM102=1).

    ``tax_id`` is the 9-digit EIN (REF*EI), or an SSN with ``tax_id_qualifier='SY'``.
    """

    name: str
    npi: str
    tax_id: str
    taxonomy: str
    address: Address
    first_name: str | None = None
    tax_id_qualifier: Literal["EI", "SY"] = "EI"


@dataclass(frozen=True, slots=True)
class Provider:
    """A person with an NPI: rendering (2310B NM1*82) or attending (837I 2310A NM1*71)."""

    last_name: str
    first_name: str
    npi: str
    taxonomy: str | None = None


@dataclass(frozen=True, slots=True)
class Payer:
    """Loop 2010BB (NM1*PR): name, payer id (PI) and optional address."""

    name: str
    payer_id: str
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Loop 2000B/2010BA: the insured.

    ``payer_responsibility`` is SBR01 (P primary, S secondary, T tertiary...);
    ``claim_filing_indicator`` is SBR09 (CI commercial, MB Medicare B, MC Medicaid...).
    When the claim has no separate Patient the subscriber is the patient (SBR02 = 18).
    """

    member_id: str
    last_name: str
    first_name: str
    birth_date: date
    sex: Literal["F", "M", "U"]
    address: Address
    claim_filing_indicator: str
    payer_responsibility: str = "P"
    group_number: str | None = None
    group_name: str | None = None
    middle_name: str | None = None


@dataclass(frozen=True, slots=True)
class Patient:
    """Loop 2000C/2010CA: a patient who is not the subscriber.

    ``relationship`` is PAT01: 01 spouse, 19 child, 20 employee, 21 unknown,
    39 organ donor, 40 cadaver donor, 53 life partner, G8 other relationship.
    """

    last_name: str
    first_name: str
    birth_date: date
    sex: Literal["F", "M", "U"]
    address: Address
    relationship: str
    middle_name: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimAdjustment:
    """One CAS triple an earlier payer applied (2320 claim-level adjustments)."""

    group_code: str
    reason_code: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OtherCoverage:
    """Loop 2320/2330A/2330B: another payer of this claim (coordination of benefits).

    ``payer_responsibility`` is that payer's SBR01 (P when it paid first);
    ``relationship`` is SBR02 (18 self). ``paid_amount`` (AMT*D) and ``adjustments``
    (CAS) report the other payer's adjudication; ``adjudication_date`` is DTP*573.
    """

    payer: Payer
    member_id: str
    last_name: str
    first_name: str
    claim_filing_indicator: str
    payer_responsibility: str = "P"
    relationship: str = "18"
    group_number: str | None = None
    paid_amount: Decimal | None = None
    adjustments: tuple[ClaimAdjustment, ...] = ()
    adjudication_date: date | None = None


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """Loop 2400: one service.

    837P (SV1): ``procedure_code`` (CPT/HCPCS) with up to four ``modifiers``, ``units``
    in ``unit_basis`` UN (units; e.g. 15-minute units for H0004/H2019) or MJ (minutes),
    ``place_of_service`` only when it differs from the claim's, ``diagnosis_pointers``
    1..4 into the claim's diagnoses. 837I (SV2): ``revenue_code`` (4 digits) and an
    optional procedure code. ``line_control_number`` (REF*6R) comes back in 835 REF*6R.
    """

    charge: Decimal
    units: Decimal
    service_date: date
    procedure_code: str | None = None
    modifiers: tuple[str, ...] = ()
    unit_basis: Literal["UN", "MJ", "DA"] = "UN"
    place_of_service: str | None = None
    diagnosis_pointers: tuple[int, ...] = (1,)
    line_control_number: str | None = None
    revenue_code: str | None = None


@dataclass(frozen=True, slots=True)
class InstitutionalInfo:
    """837I-only claim data.

    ``facility_code`` is the type of bill's first two digits (e.g. '13' hospital
    outpatient); the claim's ``frequency_code`` completes it (CLM05 = 13:A:1).
    ``statement_from``/``statement_to`` are DTP*434; ``admission_date`` DTP*435 (required
    for inpatient bill types); ``admission_type``/``admission_source``/``patient_status``
    fill CL1; ``reason_for_visit`` codes go in HI*APR (unscheduled outpatient visits);
    ``admitting_diagnosis`` in HI*ABJ.
    """

    facility_code: str
    statement_from: date
    statement_to: date
    patient_status: str
    attending_provider: Provider | None = None
    admission_type: str | None = None
    admission_source: str | None = None
    admission_date: date | None = None
    admitting_diagnosis: str | None = None
    reason_for_visit: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Claim:
    """Loop 2300 and everything above it that is specific to this claim.

    ``claim_id`` is CLM01, the patient control number (our claim id): it comes back in
    835 CLP01 and 277CA TRN02. ``diagnoses`` are ICD-10-CM codes without the decimal
    point, principal first (HI*ABK then ABF). ``frequency_code`` 7/8 need
    ``payer_claim_control_number`` (REF*F8); ``prior_authorization`` is REF*G1.
    ``rendering_provider`` is written only when it differs from the billing provider.
    """

    claim_id: str
    total_charge: Decimal
    subscriber: Subscriber
    payer: Payer
    diagnoses: tuple[str, ...]
    service_lines: tuple[ServiceLine, ...]
    place_of_service: str = "11"
    frequency_code: str = "1"
    patient: Patient | None = None
    payer_claim_control_number: str | None = None
    prior_authorization: str | None = None
    rendering_provider: Provider | None = None
    other_coverage: tuple[OtherCoverage, ...] = ()
    institutional: InstitutionalInfo | None = None
    provider_signature_on_file: bool = True
    assignment_accepted: bool = True
    benefits_assigned: bool = True
    release_of_information: Literal["Y", "I"] = "Y"
