"""Default UB-04 revenue codes (837I SV201) for behavioral-health service codes.

NUBC revenue code family 090X/091X "Behavioral health treatments/services": 0900 general,
0914 individual therapy, 0915 group therapy, 0916 family therapy, 0918 testing, 0919 other
(NUBC Official UB-04 Data Specifications Manual, form locator 42). A claim line may name its
own revenue code; these are only the defaults when it does not.
"""

from __future__ import annotations

from types import MappingProxyType

_INDIVIDUAL = ("90832", "90833", "90834", "90836", "90837", "90838", "90839", "90840")
_FAMILY = ("90846", "90847", "90849")
_TESTING = ("96130", "96131", "96136", "96137", "96138", "96139", "96127")

DEFAULT_REVENUE_CODES: MappingProxyType[str, str] = MappingProxyType(
    {
        **dict.fromkeys(_INDIVIDUAL, "0914"),
        **dict.fromkeys(_FAMILY, "0916"),
        **dict.fromkeys(_TESTING, "0918"),
        "90853": "0915",
        "90791": "0900",
        "90792": "0900",
    }
)
GENERAL_BEHAVIORAL_HEALTH = "0900"


def default_revenue_code(service_code: str) -> str:
    """The revenue code a line of this service code gets when it names none."""
    return DEFAULT_REVENUE_CODES.get(service_code.strip().upper(), GENERAL_BEHAVIORAL_HEALTH)
