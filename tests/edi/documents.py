"""Small typed builders for claim documents used across the edi tests (all fake data)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from bhlink.edi import (
    Address,
    BillingProvider,
    Claim,
    Envelope,
    InstitutionalInfo,
    Patient,
    Payer,
    Provider,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
)

# 1234567893 is the CMS check-digit example; the others were computed with the same rule.
BILLING_NPI = "1234567893"
RENDERING_NPI = "1811901945"
ATTENDING_NPI = "1497758544"

HOME = Address("200 OAK AVE", "SPRINGFIELD", "IL", "62702")


def envelope(**changes: object) -> Envelope:
    base = Envelope(
        sender_id="MINDFULBH",
        receiver_id="CLEARINGHOUSE",
        interchange_control_number=101,
        group_control_number=101,
        transaction_control_number=1,
        created_at=datetime(2024, 1, 15, 12, 0),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def submitter() -> Submitter:
    return Submitter("MINDFUL BH", "MINDFULBH", "BILLING OFFICE", "2175550100", "edi@example.org")


def receiver() -> Receiver:
    return Receiver("CLEARINGHOUSE INC", "CLEARINGHOUSE")


def billing_provider(**changes: object) -> BillingProvider:
    base = BillingProvider(
        name="MINDFUL BEHAVIORAL HEALTH",
        npi=BILLING_NPI,
        tax_id="371234567",
        taxonomy="261QM0801X",
        address=Address("100 MAIN ST", "SPRINGFIELD", "IL", "627011234"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def subscriber(**changes: object) -> Subscriber:
    base = Subscriber(
        member_id="MEM100000",
        last_name="DOE",
        first_name="JANE",
        birth_date=date(1985, 3, 12),
        sex="F",
        address=HOME,
        claim_filing_indicator="CI",
        group_number="GRP1000",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def child() -> Patient:
    return Patient("DOE", "JUNIOR", date(2010, 7, 4), "M", HOME, relationship="19")


def payer() -> Payer:
    return Payer("ACME HEALTH PLAN", "ACME01")


def rendering() -> Provider:
    return Provider("SMITH", "ALEX", RENDERING_NPI, "1041C0700X")


def line(code: str | None = "90837", charge: str = "200.00", **changes: object) -> ServiceLine:
    base = ServiceLine(
        charge=Decimal(charge),
        units=Decimal(1),
        service_date=date(2024, 1, 2),
        procedure_code=code,
        diagnosis_pointers=(1,),
        line_control_number="LINE1",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def claim(*lines: ServiceLine, claim_id: str = "CLM0001", **changes: object) -> Claim:
    service_lines = lines or (line(),)
    base = Claim(
        claim_id=claim_id,
        total_charge=sum((item.charge for item in service_lines), Decimal(0)),
        subscriber=subscriber(),
        payer=payer(),
        diagnoses=("F331", "F411"),
        service_lines=service_lines,
        place_of_service="11",
        rendering_provider=rendering(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def institutional_claim(*lines: ServiceLine, **changes: object) -> Claim:
    service_lines = lines or (
        line("S9480", "450.00", revenue_code="0905", units=Decimal(3)),
        line("90834", "200.00", revenue_code="0914", line_control_number="LINE2"),
    )
    info = InstitutionalInfo(
        facility_code="13",
        statement_from=date(2024, 1, 2),
        statement_to=date(2024, 1, 12),
        patient_status="01",
        attending_provider=Provider("JONES", "PAT", ATTENDING_NPI, "2084P0800X"),
        admission_type="1",
        admission_source="1",
    )
    return claim(*service_lines, claim_id="ICN0001", institutional=info, **changes)
