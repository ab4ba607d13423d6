"""CMS-1500 (02/12) rendering of a claim as a PDF, laid out by the form's item numbers.

A clean, readable rendering with each NUCC item number and label (NUCC 1500 Health
Insurance Claim Form Reference Instruction Manual, version 02/12), not a pixel copy of the
red OCR form: payers that need the scanned red form print onto it from the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bhlink.services import audit, claims
from bhlink.services.context import Actor
from bhlink.store.tables import Claim, Location, Patient, Payer, Provider
from bhlink.store.unit_of_work import UnitOfWork

# Item 1: the program the claim is billed to, from the payer's claim filing indicator.
_PROGRAM = {"MB": "Medicare", "MA": "Medicare", "MC": "Medicaid", "CH": "TRICARE", "VA": "CHAMPVA"}
_RESUBMISSION = {"7": "7 (replacement)", "8": "8 (void)"}
_LINE_HEIGHT = 5.0


@dataclass(frozen=True)
class _Box:
    item: str
    label: str
    value: str
    width: float


def _latin(text: object) -> str:
    """Core PDF fonts are Latin-1: replace anything else instead of failing."""
    return str(text if text is not None else "").encode("latin-1", "replace").decode("latin-1")


def _date(value: object) -> str:
    return value.strftime("%m %d %Y") if hasattr(value, "strftime") else ""


class _Form(FPDF):
    def box_row(self, boxes: list[_Box], height: float = 11.0) -> None:
        top = self.get_y()
        left = self.l_margin
        for box in boxes:
            self.rect(left, top, box.width, height)
            self.set_xy(left + 1, top + 0.8)
            label = _latin(f"{box.item}. {box.label}".upper())
            size = 6.0
            self.set_font("Helvetica", "B", size)
            # Long labels shrink to fit their box rather than run into the next one.
            while size > 4.0 and self.get_string_width(label) > box.width - 2:
                size -= 0.5
                self.set_font("Helvetica", "B", size)
            self.cell(box.width - 2, 3, label)
            self.set_xy(left + 1, top + 4.2)
            self.set_font("Helvetica", "", 8.5)
            self.multi_cell(box.width - 2, 3.4, _latin(box.value), max_line_height=3.4, align="L")
            left += box.width
        self.set_xy(self.l_margin, top + height)


def _patient_address(patient: Patient) -> str:
    parts = [patient.address_line1, patient.city, patient.region, patient.postal_code]
    return ", ".join(p for p in parts if p)


def render(uow: UnitOfWork, actor: Actor, claim_id: str) -> tuple[Claim, bytes]:
    """GET /claims/{id}/cms1500.pdf: the claim on the 1500 layout (audited)."""
    claim = claims.get(uow, actor, claim_id)  # checks the claims entitlement and caseload
    patient = uow.patients.get(actor.integration_id, claim.patient_id)
    payer = uow.practice.get(Payer, actor.integration_id, claim.payer_id)
    assert patient is not None and payer is not None
    policy = next((p for p in patient.insurance if p.payer_id == payer.id), None)
    rendering = (
        uow.practice.get(Provider, actor.integration_id, claim.rendering_provider_id)
        if claim.rendering_provider_id
        else None
    )
    location = None
    charge_ids = [line.charge_id for line in claim.lines]
    charges = uow.billing.charges(actor.integration_id, charge_ids)
    location_ids = {c.location_id for c in charges.values() if c.location_id}
    if location_ids:
        location = uow.practice.get(Location, actor.integration_id, sorted(location_ids)[0])
    audit.record(
        uow,
        actor,
        "claim.cms1500_rendered",
        resource_type="claim",
        resource_id=claim.id,
        patient_id=claim.patient_id,
    )
    return claim, _pdf(claim, patient, payer, policy, rendering, location)


def _pdf(
    claim: Claim,
    patient: Patient,
    payer: Payer,
    policy: object,
    rendering: Provider | None,
    location: Location | None,
) -> bytes:
    pdf = _Form(orientation="P", unit="mm", format="Letter")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(10, 10, 10)
    pdf.add_page()
    pdf.set_title(f"CMS-1500 {claim.patient_control_number}")
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 7, "HEALTH INSURANCE CLAIM FORM", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 7)
    pdf.cell(
        0,
        4,
        "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12 - rendering by item number",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(1)
    holder_self = getattr(policy, "relationship", "self") == "self"
    insured = (
        f"{patient.last_name}, {patient.first_name}"
        if holder_self
        else f"{getattr(policy, 'subscriber_last_name', '') or ''}, "
        f"{getattr(policy, 'subscriber_first_name', '') or ''}"
    )
    billing = claim.billing_provider
    address = billing.get("address") or {}
    full = 196.0
    pdf.box_row(
        [
            _Box(
                "1",
                "Program",
                _PROGRAM.get(payer.claim_filing_indicator, "Group health plan / other"),
                98,
            ),
            _Box("1a", "Insured's ID number", claim.member_id, 98),
        ]
    )
    pdf.box_row(
        [
            _Box("2", "Patient's name", f"{patient.last_name}, {patient.first_name}", 78),
            _Box(
                "3",
                "Patient's birth date, sex",
                f"{_date(patient.dob)}  {patient.sex[:1].upper()}",
                40,
            ),
            _Box("4", "Insured's name", insured, 78),
        ]
    )
    pdf.box_row(
        [
            _Box("5", "Patient's address", _patient_address(patient), 78),
            _Box(
                "6", "Patient relationship to insured", getattr(policy, "relationship", "self"), 40
            ),
            _Box("7", "Insured's address", _patient_address(patient) if holder_self else "", 78),
        ]
    )
    pdf.box_row(
        [
            _Box("9", "Other insured's name", "", 49),
            _Box("10", "Condition related to employment / auto / other", "NO / NO / NO", 49),
            _Box("11", "Insured's policy group", getattr(policy, "group_number", "") or "", 49),
            _Box("11c", "Insurance plan name", f"{payer.name} ({payer.edi_payer_id})", 49),
        ]
    )
    pdf.box_row(
        [
            _Box("12", "Patient's signature", "SIGNATURE ON FILE", 98),
            _Box("13", "Insured's signature", "SIGNATURE ON FILE", 98),
        ]
    )
    letters = "ABCDEFGHIJKL"
    diagnoses = "   ".join(f"{letters[i]}. {code}" for i, code in enumerate(claim.diagnosis_codes))
    pdf.box_row(
        [_Box("21", "Diagnosis or nature of illness (ICD Ind. 0 = ICD-10)", diagnoses, full)], 14
    )
    pdf.box_row(
        [
            _Box(
                "22",
                "Resubmission code / original ref. no.",
                f"{_RESUBMISSION.get(claim.frequency_code, '')} {claim.payer_claim_control_number or ''}"
                if claim.frequency_code in _RESUBMISSION
                else "",
                98,
            ),
            _Box("23", "Prior authorization number", claim.prior_authorization or "", 98),
        ]
    )
    _lines(pdf, claim, rendering)
    pdf.box_row(
        [
            _Box("25", "Federal tax I.D. number (EIN)", str(billing.get("taxId") or ""), 49),
            _Box("26", "Patient's account no.", claim.patient_control_number, 49),
            _Box("27", "Accept assignment", "YES", 30),
            _Box("28", "Total charge", f"{claim.total_charge_cents / 100:,.2f}", 34),
            _Box("29", "Amount paid", f"{claim.paid_cents / 100:,.2f}", 34),
        ]
    )
    facility = ""
    if location is not None:
        loc_address = location.address or {}
        facility = ", ".join(
            str(v)
            for v in (
                location.name,
                loc_address.get("line1"),
                loc_address.get("city"),
                loc_address.get("region"),
                loc_address.get("postalCode"),
            )
            if v
        )
    pdf.box_row(
        [
            _Box(
                "31",
                "Signature of physician or supplier",
                f"{rendering.first_name} {rendering.last_name}"
                if rendering
                else "SIGNATURE ON FILE",
                64,
            ),
            _Box("32", "Service facility location", facility, 66),
            _Box(
                "33",
                "Billing provider info",
                f"{billing.get('name') or ''}, {address.get('line1', '')}, {address.get('city', '')} "
                f"{address.get('region', '')} {address.get('postalCode', '')}\n"
                f"33a NPI {billing.get('npi') or ''}   33b ZZ {billing.get('taxonomy') or ''}",
                66,
            ),
        ],
        18,
    )
    return bytes(pdf.output())


def _lines(pdf: _Form, claim: Claim, rendering: Provider | None) -> None:
    widths = (34, 12, 10, 40, 18, 24, 14, 12, 32)
    heads = (
        "24A Date(s) of service",
        "24B POS",
        "24C EMG",
        "24D CPT/HCPCS  modifier",
        "24E Dx pointer",
        "24F $ Charges",
        "24G Units",
        "24I Qual",
        "24J Rendering NPI",
    )
    pdf.set_font("Helvetica", "B", 6)
    top = pdf.get_y()
    left = pdf.l_margin
    for width, head in zip(widths, heads, strict=True):
        pdf.rect(left, top, width, 5)
        pdf.set_xy(left + 0.8, top + 1)
        pdf.cell(width - 1.6, 3, head.upper())
        left += width
    pdf.set_xy(pdf.l_margin, top + 5)
    letters = "ABCDEFGHIJKL"
    pdf.set_font("Helvetica", "", 8)
    for number in range(6):
        line = claim.lines[number] if number < len(claim.lines) else None
        values = ("", "", "", "", "", "", "", "", "")
        if line is not None:
            values = (
                f"{_date(line.service_date)} - {_date(line.service_date)}",
                line.place_of_service,
                "",
                f"{line.service_code} {' '.join(line.modifiers)}",
                "".join(letters[p - 1] for p in line.diagnosis_pointers if 0 < p <= 12),
                f"{line.charge_cents / 100:,.2f}",
                str(line.units),
                "NPI",
                rendering.npi if rendering and rendering.npi else "",
            )
        top = pdf.get_y()
        left = pdf.l_margin
        for width, value in zip(widths, values, strict=True):
            pdf.rect(left, top, width, 7)
            pdf.set_xy(left + 0.8, top + 2)
            pdf.cell(width - 1.6, _LINE_HEIGHT - 1, _latin(value))
            left += width
        pdf.set_xy(pdf.l_margin, top + 7)
