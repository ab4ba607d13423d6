"""How an 835 claim payment splits into postings: paid, contractual, patient share, other.

CAS group codes (835 TR3 005010X221A1, CAS01): CO contractual obligation (written off, never
billed to the patient), PR patient responsibility, OA other adjustment, PI payer-initiated
reduction. Within PR the CARC says which share it is (X12 CARC list, code source 139):
1 deductible, 2 coinsurance, 3 co-payment; any other PR reason is "other patient
responsibility". Amounts keep their sign, so a reversal (CLP02 22, negative amounts)
classifies into negative postings that cancel the original ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from bhlink.domain.codes import describe_carc, describe_rarc, lookup_group_code
from bhlink.edi import Adjustment

PATIENT_RESPONSIBILITY_CATEGORIES = {"1": "deductible", "2": "coinsurance", "3": "copay"}
CENTS = Decimal(100)
# PLB03-1 provider adjustment reason codes (835 TR3 005010X221A1, PLB segment), our wording.
PROVIDER_ADJUSTMENT_REASONS = {
    "50": "Late charge",
    "51": "Interest penalty charge",
    "72": "Authorized return",
    "90": "Early payment allowance",
    "AH": "Origination fee",
    "AM": "Applied to borrower's account",
    "AP": "Acceleration of benefits",
    "B2": "Rebate",
    "B3": "Recovery allowance",
    "BD": "Bad debt adjustment",
    "BN": "Bonus",
    "C5": "Temporary allowance",
    "CR": "Capitation interest",
    "CS": "Adjustment",
    "CT": "Capitation payment",
    "CV": "Capital passthru",
    "CW": "Certified registered nurse anesthetist passthru",
    "DM": "Direct medical education passthru",
    "E3": "Withholding",
    "FB": "Forwarding balance",
    "FC": "Fund allocation",
    "GO": "Graduate medical education passthru",
    "HM": "Hemophilia clotting factor supplement",
    "IP": "Incentive premium payment",
    "IR": "Internal Revenue Service withholding",
    "IS": "Interim settlement",
    "J1": "Nonreimbursable",
    "L3": "Penalty",
    "L6": "Interest owed",
    "LE": "Levy",
    "LS": "Lump sum",
    "OA": "Organ acquisition passthru",
    "OB": "Offset for affiliated providers",
    "PI": "Periodic interim payment",
    "PL": "Payment final",
    "RA": "Retro-activity adjustment",
    "RE": "Return on equity",
    "SL": "Student loan repayment",
    "TL": "Third party liability",
    "WO": "Overpayment recovery",
    "WU": "Unspecified recovery",
}


def to_cents(amount: Decimal) -> int:
    """Exact integer cents of an 835 amount (X12 R type; at most two decimals in money)."""
    return int((amount * CENTS).to_integral_value())


@dataclass(frozen=True, slots=True)
class AdjustmentPosting:
    """One CAS triple as it will be posted, with our description of the codes."""

    group_code: str
    reason_code: str
    amount_cents: int
    kind: str  # contractual | patient_responsibility | other_adjustment
    category: str | None
    group_description: str | None
    reason_description: str | None

    def as_json(self) -> dict[str, object]:
        """The API shape of this adjustment."""
        return {
            "groupCode": self.group_code,
            "reasonCode": self.reason_code,
            "amount": self.amount_cents / 100,
            "kind": self.kind,
            "category": self.category,
            "groupDescription": self.group_description,
            "reasonDescription": self.reason_description,
        }


@dataclass(slots=True)
class AdjustmentTotals:
    """Sums of a set of adjustments by what they mean for the practice."""

    contractual_cents: int = 0
    other_adjustment_cents: int = 0
    responsibility: dict[str, int] = field(default_factory=dict)
    postings: list[AdjustmentPosting] = field(default_factory=list)

    @property
    def patient_responsibility_cents(self) -> int:
        """Deductible + coinsurance + copay + other patient responsibility."""
        return sum(self.responsibility.values())

    def add(self, other: AdjustmentTotals) -> None:
        """Fold another set of totals into this one."""
        self.contractual_cents += other.contractual_cents
        self.other_adjustment_cents += other.other_adjustment_cents
        for key, value in other.responsibility.items():
            self.responsibility[key] = self.responsibility.get(key, 0) + value
        self.postings.extend(other.postings)


def classify(adjustments: Iterable[Adjustment]) -> AdjustmentTotals:
    """Classify CAS triples into contractual, patient responsibility and other adjustments."""
    totals = AdjustmentTotals()
    for adjustment in adjustments:
        cents = to_cents(adjustment.amount)
        group = adjustment.group_code.upper()
        category: str | None = None
        if group == "PR":
            kind = "patient_responsibility"
            category = PATIENT_RESPONSIBILITY_CATEGORIES.get(adjustment.reason_code, "other")
            totals.responsibility[category] = totals.responsibility.get(category, 0) + cents
        elif group == "CO":
            kind = "contractual"
            totals.contractual_cents += cents
        else:
            kind = "other_adjustment"
            totals.other_adjustment_cents += cents
        group_entry = lookup_group_code(group)
        totals.postings.append(
            AdjustmentPosting(
                group_code=group,
                reason_code=adjustment.reason_code,
                amount_cents=cents,
                kind=kind,
                category=category,
                group_description=group_entry.name if group_entry else None,
                reason_description=describe_carc(adjustment.reason_code),
            )
        )
    return totals


def describe_remarks(codes: Iterable[str]) -> list[dict[str, str | None]]:
    """RARC remark codes with our short description (None for codes outside our list)."""
    return [{"code": code, "description": describe_rarc(code)} for code in codes if code]
