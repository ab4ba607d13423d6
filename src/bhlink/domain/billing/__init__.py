"""Billing rules: units from minutes, fees and charges, timely filing, telehealth, duplicates."""

from bhlink.domain.billing._duplicates import (
    DuplicateClaimKey,
    duplicate_claim_key,
    find_duplicates,
)
from bhlink.domain.billing._errors import BillingError
from bhlink.domain.billing._fees import BASE_RATE, FeeSchedule, charge_amount, to_money
from bhlink.domain.billing._telehealth import (
    MEDICARE_TELEHEALTH_2024,
    TELEHEALTH_MODIFIERS,
    TelehealthModality,
    TelehealthPolicy,
    check_telehealth,
)
from bhlink.domain.billing._timely_filing import (
    MEDICARE_TIMELY_FILING_DAYS,
    check_timely_filing,
    filing_deadline,
)
from bhlink.domain.billing._units import (
    CRISIS_MINIMUM_MINUTES,
    PSYCHOTHERAPY_MINIMUM_MINUTES,
    BillableLine,
    UnitRounding,
    check_service_time,
    crisis_lines_for_minutes,
    psychotherapy_code_for_minutes,
    timed_units,
    units_for_service,
)

__all__ = [
    "BASE_RATE",
    "CRISIS_MINIMUM_MINUTES",
    "MEDICARE_TELEHEALTH_2024",
    "MEDICARE_TIMELY_FILING_DAYS",
    "PSYCHOTHERAPY_MINIMUM_MINUTES",
    "TELEHEALTH_MODIFIERS",
    "BillableLine",
    "BillingError",
    "DuplicateClaimKey",
    "FeeSchedule",
    "TelehealthModality",
    "TelehealthPolicy",
    "UnitRounding",
    "charge_amount",
    "check_service_time",
    "check_telehealth",
    "check_timely_filing",
    "crisis_lines_for_minutes",
    "duplicate_claim_key",
    "filing_deadline",
    "find_duplicates",
    "psychotherapy_code_for_minutes",
    "timed_units",
    "to_money",
    "units_for_service",
]
