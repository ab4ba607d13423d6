"""Service units from face-to-face minutes: psychotherapy bands, crisis blocks, 15-minute units.

Sources:
* Psychotherapy (CPT time rule, "a unit of time is attained when the mid-point is passed"):
  90832 16-37 min, 90834 38-52, 90837 53 or more; under 16 minutes is not psychotherapy.
  With an E/M visit the add-ons 90833/90836/90838 use the same bands. CMS LCD article A57130
  (Billing and Coding: Psychiatric Codes) restates the rule.
* Crisis (CPT psychotherapy-for-crisis table): 90839 once for 30-74 minutes; 90840 once for
  each further 30 minutes, so 75-104 min = 90839 + 90840 x1, 105-134 = 90839 + 90840 x2.
  Under 30 minutes is billed as 90832/90833, not as crisis.
* 15-minute HCPCS units: Medicare's timed-code rule (Medicare Claims Processing Manual,
  Pub. 100-04, ch. 5, section 20.2) bills one unit from 8 minutes and a further unit for each
  15 minutes plus at least 8 more (8-22 min = 1, 23-37 = 2, 38-52 = 3 ...). Many Medicaid
  plans instead pay only whole units (15 full minutes each). The rule is a payer setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bhlink.domain.billing._errors import BillingError, billing_error
from bhlink.domain.codes import Problem, lookup_service_code

PSYCHOTHERAPY_MINIMUM_MINUTES = 16
CRISIS_MINIMUM_MINUTES = 30
CRISIS_FIRST_CODE_MAXIMUM_MINUTES = 74
CRISIS_ADDITIONAL_BLOCK_MINUTES = 30

_PSYCHOTHERAPY_BANDS: tuple[tuple[int, str, str], ...] = (
    # (minimum minutes, code alone, add-on code with an E/M visit), longest first.
    (53, "90837", "90838"),
    (38, "90834", "90836"),
    (16, "90832", "90833"),
)


class UnitRounding(StrEnum):
    """How part of a time unit is counted."""

    CMS_8_MINUTE = "cms_8_minute"
    """A unit counts once more than half of it is used (8 of 15 minutes)."""

    WHOLE_UNITS_ONLY = "whole_units_only"
    """Only complete units count (15 full minutes each)."""


@dataclass(frozen=True, slots=True)
class BillableLine:
    """One code and how many units of it to bill."""

    code: str
    units: int


def _check_minutes(minutes: int, field: str = "minutes") -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise billing_error(field, "must be a whole number of minutes", "billing.bad_minutes")
    if minutes < 0:
        raise billing_error(field, "must not be negative", "billing.bad_minutes")


def timed_units(
    minutes: int,
    rounding: UnitRounding = UnitRounding.CMS_8_MINUTE,
    unit_minutes: int = 15,
) -> int:
    """Units for a per-time-unit code: 7 min -> 0, 8 -> 1, 22 -> 1, 23 -> 2 (8-minute rule).

    With WHOLE_UNITS_ONLY: 14 -> 0, 15 -> 1, 29 -> 1, 30 -> 2.
    """
    _check_minutes(minutes)
    if isinstance(unit_minutes, bool) or not isinstance(unit_minutes, int) or unit_minutes < 2:
        raise billing_error(
            "unitMinutes", "must be a whole number of at least 2", "billing.bad_unit_minutes"
        )
    if rounding is UnitRounding.WHOLE_UNITS_ONLY:
        return minutes // unit_minutes
    # Past the midpoint: the smallest count of minutes that is more than half a unit.
    threshold = unit_minutes // 2 + 1
    if minutes < threshold:
        return 0
    return (minutes - threshold) // unit_minutes + 1


def psychotherapy_code_for_minutes(minutes: int, *, with_em: bool = False) -> str | None:
    """The psychotherapy code the time supports, or None under 16 minutes (not billable).

    37 -> 90832, 38 -> 90834, 52 -> 90834, 53 -> 90837; with_em=True gives the E/M add-ons
    90833/90836/90838.
    """
    _check_minutes(minutes)
    for minimum, alone, add_on in _PSYCHOTHERAPY_BANDS:
        if minutes >= minimum:
            return add_on if with_em else alone
    return None


def crisis_lines_for_minutes(minutes: int) -> tuple[BillableLine, ...]:
    """90839 and 90840 lines for a crisis session; empty under 30 minutes.

    29 -> (), 30 -> 90839, 74 -> 90839, 75 -> 90839 + 90840x1, 104 -> same, 105 -> 90840x2.
    """
    _check_minutes(minutes)
    if minutes < CRISIS_MINIMUM_MINUTES:
        return ()
    lines = [BillableLine("90839", 1)]
    beyond = minutes - CRISIS_FIRST_CODE_MAXIMUM_MINUTES
    if beyond > 0:
        additional = -(-beyond // CRISIS_ADDITIONAL_BLOCK_MINUTES)  # ceiling division
        lines.append(BillableLine("90840", additional))
    return tuple(lines)


def check_service_time(code: str, minutes: int, field: str = "minutes") -> list[Problem]:
    """Problems when the minutes do not support the code (e.g. 45 minutes billed as 90832)."""
    _check_minutes(minutes, field)
    entry = lookup_service_code(code)
    if entry is None:
        return [
            Problem("serviceCode", "is not a service code bhlink bills", "service_code.unknown")
        ]
    if entry.unit_minutes is not None or not entry.time_based:
        return []
    low, high = entry.min_minutes, entry.max_minutes
    if low is not None and minutes < low:
        return [
            Problem(
                field,
                f"{minutes} minutes is below the {low}-minute minimum of {entry.code}",
                "billing.time_below_band",
            )
        ]
    if high is not None and minutes > high:
        return [
            Problem(
                field,
                f"{minutes} minutes is above the {high}-minute maximum of "
                f"{entry.code}; a longer code applies",
                "billing.time_above_band",
            )
        ]
    return []


def units_for_service(
    code: str,
    minutes: int,
    rounding: UnitRounding = UnitRounding.CMS_8_MINUTE,
) -> int:
    """Units to bill for one line of `code` lasting `minutes`.

    Per-unit codes (H0004, T1017 ...) count units under `rounding`; 90840 counts its 30-minute
    blocks beyond 74 minutes of crisis time (pass the whole session's minutes); single-band
    codes (90834 ...) and untimed codes (90791, 96127 per instrument) are 1 unit. Raises
    BillingError when the code is unknown or the minutes are outside the code's band.
    """
    entry = lookup_service_code(code)
    if entry is None:
        raise billing_error(
            "serviceCode", "is not a service code bhlink bills", "service_code.unknown"
        )
    if entry.code == "90840":
        lines = crisis_lines_for_minutes(minutes)
        return sum(line.units for line in lines if line.code == "90840")
    if entry.unit_minutes is not None:
        return timed_units(minutes, rounding, entry.unit_minutes)
    problems = check_service_time(entry.code, minutes)
    if problems:
        raise BillingError(problems)
    return 1
