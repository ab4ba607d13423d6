"""From stored records to X12: edi claim documents, 837 interchanges with persisted control numbers.

The mapping follows x12.md section 3: billing provider 2010AA from the claim's billing
provider snapshot (NPI, EIN, NUCC taxonomy, street address with ZIP+4); subscriber 2010BA
from the patient's coverage with the payer (the patient when the relationship is self,
otherwise the policy holder with a 2000C patient loop); rendering provider 2310B from the
lines' clinician; REF*G1 from the authorization; REF*6R = our charge id on each line;
REF*F8 = the payer's claim number on replacement/void claims. ISA13, GS06 and ST02 come
from per-integration counters (EdiControlCounter) so they are never reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from bhlink import edi
from bhlink.domain.clock import utcnow
from bhlink.domain.ids import new_id
from bhlink.domain.revenue_codes import default_revenue_code
from bhlink.services.billing_setup import RevenueConfig
from bhlink.store.tables import EdiFile, InsurancePolicy, Patient, Payer, Provider
from bhlink.store.unit_of_work import UnitOfWork

_SEX = {"female": "F", "male": "M"}
# PAT01 individual relationship codes (837P TR3 2000C): 01 spouse, 19 child, G8 other.
_RELATIONSHIP = {"spouse": "01", "child": "19", "other": "G8"}


@dataclass(frozen=True)
class LineInput:
    """What a claim line contributes to SV1/SV2, DTP*472 and REF*6R."""

    service_code: str
    modifiers: tuple[str, ...]
    units: int
    charge_cents: int
    place_of_service: str
    pointers: tuple[int, ...]
    service_date: date
    line_control_number: str
    revenue_code: str | None


@dataclass(frozen=True)
class ClaimInput:
    """Everything the 837 needs about one claim, gathered from the store."""

    control_number: str
    claim_type: str
    patient: Patient
    policy: InsurancePolicy | None
    payer: Payer
    member_id: str
    diagnoses: tuple[str, ...]
    lines: tuple[LineInput, ...]
    place_of_service: str
    rendering: Provider | None
    prior_authorization: str | None
    frequency_code: str = "1"
    payer_claim_control_number: str | None = None


def _clean(text: str | None, limit: int) -> str:
    """Upper-case text without X12 delimiters (~ * : ^ are separators, no escapes exist)."""
    value = (text or "").upper()
    for char in "~*:^|>":
        value = value.replace(char, " ")
    return " ".join(value.split())[:limit]


def _address(data: dict[str, object] | None) -> edi.Address:
    data = data or {}
    return edi.Address(
        line1=_clean(str(data.get("line1") or ""), 55),
        line2=_clean(str(data["line2"]), 55) if data.get("line2") else None,
        city=_clean(str(data.get("city") or ""), 30),
        state=str(data.get("region") or "").upper(),
        postal_code=str(data.get("postalCode") or "").replace("-", ""),
    )


def _patient_address(patient: Patient) -> edi.Address:
    return _address(
        {
            "line1": patient.address_line1,
            "line2": patient.address_line2,
            "city": patient.city,
            "region": patient.region,
            "postalCode": patient.postal_code,
        }
    )


def billing_provider_document(snapshot: dict[str, object]) -> edi.BillingProvider:
    """Loop 2010AA from the claim's billing provider snapshot."""
    return edi.BillingProvider(
        name=_clean(str(snapshot.get("name") or ""), 60),
        npi=str(snapshot.get("npi") or ""),
        tax_id=str(snapshot.get("taxId") or "").replace("-", ""),
        taxonomy=str(snapshot.get("taxonomy") or ""),
        address=_address(snapshot.get("address")),  # type: ignore[arg-type]
    )


def _sex(value: str | None) -> Literal["F", "M", "U"]:
    code = _SEX.get((value or "").lower(), "U")
    return "F" if code == "F" else "M" if code == "M" else "U"


def claim_document(data: ClaimInput, institutional: dict[str, str]) -> edi.Claim:
    """One 2300 claim (with its subscriber, patient and lines) as an edi document."""
    patient, policy = data.patient, data.policy
    relationship = policy.relationship if policy is not None else "self"
    home = _patient_address(patient)
    subscriber_is_patient = relationship == "self"
    holder: tuple[str, str, date, str | None]
    if subscriber_is_patient or policy is None:
        holder = (patient.last_name, patient.first_name, patient.dob, patient.sex)
    else:
        holder = (
            policy.subscriber_last_name or "",
            policy.subscriber_first_name or "",
            policy.subscriber_dob or patient.dob,
            policy.subscriber_sex,
        )
    subscriber = edi.Subscriber(
        member_id=_clean(data.member_id, 80),
        last_name=_clean(holder[0], 60),
        first_name=_clean(holder[1], 35),
        birth_date=holder[2],
        sex=_sex(holder[3]),
        address=home,
        claim_filing_indicator=data.payer.claim_filing_indicator,
        payer_responsibility={"primary": "P", "secondary": "S", "tertiary": "T"}.get(
            policy.type if policy else "primary", "P"
        ),
        group_number=_clean(policy.group_number, 50) if policy and policy.group_number else None,
    )
    patient_loop = None
    if not subscriber_is_patient:
        patient_loop = edi.Patient(
            last_name=_clean(patient.last_name, 60),
            first_name=_clean(patient.first_name, 35),
            birth_date=patient.dob,
            sex=_sex(patient.sex),
            address=home,
            relationship=_RELATIONSHIP.get(relationship, "G8"),
        )
    payer = edi.Payer(_clean(data.payer.name, 60), data.payer.edi_payer_id)
    rendering = None
    if data.rendering is not None and data.rendering.npi:
        rendering = edi.Provider(
            last_name=_clean(data.rendering.last_name, 60),
            first_name=_clean(data.rendering.first_name, 35),
            npi=data.rendering.npi,
            taxonomy=data.rendering.taxonomy,
        )
    professional = data.claim_type == "837P"
    lines = tuple(
        edi.ServiceLine(
            charge=Decimal(line.charge_cents) / 100,
            units=Decimal(line.units),
            service_date=line.service_date,
            procedure_code=line.service_code,
            modifiers=line.modifiers,
            place_of_service=line.place_of_service if professional else None,
            diagnosis_pointers=line.pointers if professional else (1,),
            line_control_number=line.line_control_number,
            revenue_code=None
            if professional
            else (line.revenue_code or default_revenue_code(line.service_code)),
        )
        for line in data.lines
    )
    info = None
    if not professional and data.lines:
        dates = [line.service_date for line in data.lines]
        info = edi.InstitutionalInfo(
            facility_code=institutional["facilityCode"],
            statement_from=min(dates),
            statement_to=max(dates),
            patient_status=institutional["patientStatus"],
            attending_provider=rendering,
            admission_type=institutional["admissionType"],
            admission_source=institutional["admissionSource"],
        )
    return edi.Claim(
        claim_id=data.control_number,
        total_charge=sum((line.charge for line in lines), Decimal(0)),
        subscriber=subscriber,
        payer=payer,
        diagnoses=tuple(code.replace(".", "") for code in data.diagnoses),
        service_lines=lines,
        place_of_service=data.place_of_service if professional else "11",
        frequency_code=data.frequency_code,
        patient=patient_loop,
        payer_claim_control_number=data.payer_claim_control_number,
        prior_authorization=_clean(data.prior_authorization, 50) or None,
        rendering_provider=rendering,
        institutional=info,
    )


def check_documents(
    claim_type: str, billing: edi.BillingProvider, claims: Sequence[edi.Claim]
) -> list[edi.Problem]:
    """The edi library's checks of what would be written (NPI, ZIP+4, EIN, taxonomy, ...)."""
    check = edi.check_837i if claim_type == "837I" else edi.check_837p
    return check(billing, claims)


@dataclass(frozen=True)
class InterchangeParties:
    """Who sends and receives one interchange."""

    submitter: edi.Submitter
    receiver: edi.Receiver
    sender_id: str
    receiver_id: str
    usage_indicator: Literal["T", "P"]


def parties(
    config: RevenueConfig, payer: Payer, receiver_id: str | None
) -> InterchangeParties | None:
    """The 1000A/1000B parties from the settings, or None when the submitter is not set up."""
    submitter = config.submitter
    if submitter is None:
        return None
    receiver = config.receiver
    rid = receiver_id or (receiver or {}).get("identifier") or payer.edi_payer_id
    rname = (receiver or {}).get("name") or payer.name
    return InterchangeParties(
        submitter=edi.Submitter(
            name=_clean(submitter["name"], 60),
            identifier=submitter["identifier"],
            contact_name=_clean(submitter["contactName"], 60),
            contact_phone=submitter["contactPhone"],
            contact_email=submitter.get("contactEmail"),
        ),
        receiver=edi.Receiver(_clean(rname, 60), str(rid)[:80]),
        sender_id=str(submitter["identifier"])[:15],
        receiver_id=str(rid)[:15],
        usage_indicator="P" if config.usage_indicator == "P" else "T",
    )


def write_interchange(
    uow: UnitOfWork,
    integration_id: str,
    claim_type: str,
    who: InterchangeParties,
    billing: edi.BillingProvider,
    claims: Sequence[edi.Claim],
    *,
    source: str,
    now: datetime | None = None,
) -> EdiFile:
    """Write one 837 interchange with fresh control numbers and store it.

    Raises edi.ClaimValidationError (nothing stored, numbers not consumed once the
    transaction rolls back) when the documents fail the library's checks.
    """
    created = now or utcnow()
    envelope = edi.Envelope(
        sender_id=who.sender_id,
        receiver_id=who.receiver_id,
        interchange_control_number=uow.claims.next_control_number(integration_id, "interchange"),
        group_control_number=uow.claims.next_control_number(integration_id, "group"),
        transaction_control_number=uow.claims.next_control_number(integration_id, "transaction"),
        created_at=created,
        usage_indicator=who.usage_indicator,
        acknowledgment_requested=False,
    )
    writer = edi.write_837i if claim_type == "837I" else edi.write_837p
    text = writer(envelope, who.submitter, who.receiver, billing, claims)
    data = text.encode()
    record = EdiFile(
        id=new_id("edi"),
        integration_id=integration_id,
        direction="outbound",
        kind=claim_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=text,
        filename=f"{claim_type}_{envelope.isa_control_number}.x12",
        source=source,
        interchange_control_number=envelope.isa_control_number,
        group_control_number=str(envelope.group_control_number),
        summary={"claims": [c.claim_id for c in claims]},
        created_at=created,
    )
    uow.add(record)
    return record
