"""Fee schedules (payer -> code -> modifier -> rate) and charge arithmetic in exact decimals.

Money is Decimal, never float: a float cannot hold 0.10 exactly and claim totals must balance
to the cent (837P CLM02 = sum of SV102). Charges round half-up to cents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType

from bhlink.domain.billing._errors import billing_error
from bhlink.domain.codes import normalize_service_code

BASE_RATE = ""
"""The modifier key of a code's rate when no pricing modifier applies."""

CENT = Decimal("0.01")


def to_money(amount: Decimal | str | int, field: str = "amount") -> Decimal:
    """A non-negative Decimal from a Decimal, decimal string or int; floats are refused."""
    if isinstance(amount, (bool, float)):
        raise billing_error(
            field, "must be a decimal string or Decimal, not a float", "billing.bad_amount"
        )
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, TypeError, ValueError):
        raise billing_error(field, "is not a decimal amount", "billing.bad_amount") from None
    if not value.is_finite() or value < 0:
        raise billing_error(field, "must be a finite amount of zero or more", "billing.bad_amount")
    return value


@dataclass(frozen=True)
class FeeSchedule:
    """Rates by payer id, service code and modifier ('' = the base rate).

    Build with `FeeSchedule.from_rows([(payer, code, modifier, amount), ...])`.
    """

    rates: Mapping[str, Mapping[str, Mapping[str, Decimal]]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str, Decimal | str | int]]) -> FeeSchedule:
        """A schedule from (payer id, code, modifier or '', amount) rows; duplicates refused."""
        table: dict[str, dict[str, dict[str, Decimal]]] = {}
        for index, (payer_id, code, modifier, amount) in enumerate(rows):
            path = f"rows[{index}]"
            if not payer_id or not isinstance(payer_id, str):
                raise billing_error(f"{path}.payerId", "is required", "fee.missing_payer")
            if not code or not isinstance(code, str):
                raise billing_error(f"{path}.serviceCode", "is required", "fee.missing_code")
            modifier_key = modifier.strip().upper() if isinstance(modifier, str) else BASE_RATE
            by_code = table.setdefault(payer_id, {}).setdefault(normalize_service_code(code), {})
            if modifier_key in by_code:
                raise billing_error(
                    path, "repeats a payer/code/modifier already in the schedule", "fee.duplicate"
                )
            by_code[modifier_key] = to_money(amount, f"{path}.amount")
        frozen = {
            payer: MappingProxyType({code: MappingProxyType(mods) for code, mods in codes.items()})
            for payer, codes in table.items()
        }
        return cls(MappingProxyType(frozen))

    def rate_for(self, payer_id: str, code: str, modifiers: Sequence[str] = ()) -> Decimal | None:
        """The rate for one unit, or None when the payer has no rate for the code.

        The first of the line's modifiers that has its own rate wins (pricing modifiers such
        as HO or HN go first on a claim line); otherwise the base rate applies. Modifiers
        without a rate (95, 59 ...) do not change the price.
        """
        by_modifier = self.rates.get(payer_id, {}).get(normalize_service_code(code))
        if by_modifier is None:
            return None
        for modifier in modifiers:
            rate = by_modifier.get(modifier.strip().upper())
            if rate is not None:
                return rate
        return by_modifier.get(BASE_RATE)


def charge_amount(units: int, rate: Decimal | str | int) -> Decimal:
    """Multiply units by rate, rounded half-up to cents: 3 units at 18.335 -> 55.01."""
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise billing_error("units", "must be a whole number of zero or more", "billing.bad_units")
    return (to_money(rate, "rate") * units).quantize(CENT, rounding=ROUND_HALF_UP)
