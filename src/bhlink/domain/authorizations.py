"""Prior-authorization coverage: remaining units, whether a service fits, and low/expiry alerts.

An authorization covers a set of service codes, a number of units and an inclusive date range
(payers deny services outside any of these with CARC 197/198/284 and RARC N54/N351/N362).
Used units are those already billed or completed; scheduled units are future appointments
that will draw on the same authorization:

    remaining = authorized - used                 what is left today
    available = authorized - used - scheduled     what is left to book

`check_service` uses `available` by default. When the service being checked is itself one of
the scheduled appointments (e.g. it is being completed), pass `count_scheduled=False` or take
its units out of `scheduled_units`, or it is counted twice.

Exceptions:

    ProblemsError (bhlink.domain.codes)
    └── AuthorizationError   an authorization or usage figure is malformed
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from bhlink.domain.codes import Problem, ProblemsError, normalize_service_code


class AuthorizationError(ProblemsError):
    """An authorization, or the usage counted against it, is malformed."""


class AuthorizationStatus(StrEnum):
    """The payer's decision on the authorization."""

    ACTIVE = "active"
    PENDING = "pending"
    DENIED = "denied"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Authorization:
    """Service codes, units and inclusive dates a payer approved. Build with make_authorization."""

    service_codes: frozenset[str]
    units_authorized: int
    start_date: date
    end_date: date
    status: AuthorizationStatus
    authorization_id: str | None = None


@dataclass(frozen=True, slots=True)
class UnitBalance:
    """Units authorized, used, scheduled, and what remains."""

    authorized: int
    used: int
    scheduled: int

    @property
    def remaining(self) -> int:
        """Authorized minus used (can be negative when the payer was over-billed)."""
        return self.authorized - self.used

    @property
    def available(self) -> int:
        """Authorized minus used minus scheduled: what can still be booked."""
        return self.authorized - self.used - self.scheduled

    @property
    def over_committed(self) -> bool:
        """True when used plus scheduled units exceed the authorization."""
        return self.available < 0


@dataclass(frozen=True, slots=True)
class ProposedService:
    """A service someone wants to book or bill against the authorization."""

    service_code: str
    date_of_service: date
    units: int


@dataclass(frozen=True, slots=True)
class AlertThresholds:
    """When to warn: few units left (a fraction of those authorized) or the end date near."""

    low_units_fraction: Decimal = Decimal("0.10")
    expiring_within_days: int = 14


@dataclass(frozen=True, slots=True)
class AuthorizationAlerts:
    """Which warnings apply today."""

    exhausted: bool
    low_units: bool
    expired: bool
    expiring: bool

    @property
    def any(self) -> bool:
        """True when at least one warning applies."""
        return self.exhausted or self.low_units or self.expired or self.expiring


def make_authorization(
    service_codes: Iterable[str],
    units_authorized: int,
    start_date: date,
    end_date: date,
    status: AuthorizationStatus | str = AuthorizationStatus.ACTIVE,
    authorization_id: str | None = None,
) -> Authorization:
    """A validated Authorization; raises AuthorizationError listing every problem."""
    problems: list[Problem] = []
    codes: set[str] = set()
    raw_codes = list(service_codes) if not isinstance(service_codes, str) else [service_codes]
    for index, code in enumerate(raw_codes):
        if not isinstance(code, str) or not code.strip():
            problems.append(
                Problem(f"serviceCodes[{index}]", "must be a service code", "authorization.code")
            )
        else:
            codes.add(normalize_service_code(code))
    if not raw_codes:
        problems.append(
            Problem("serviceCodes", "must name at least one service code", "authorization.code")
        )
    if not _is_count(units_authorized) or units_authorized < 1:
        problems.append(
            Problem(
                "unitsAuthorized", "must be a whole number of at least 1", "authorization.units"
            )
        )
    dates_ok = True
    for name, value in (("startDate", start_date), ("endDate", end_date)):
        if not _is_date(value):
            problems.append(Problem(name, "must be a calendar date", "authorization.date"))
            dates_ok = False
    if dates_ok and end_date < start_date:
        problems.append(
            Problem("endDate", "must not be before startDate", "authorization.date_order")
        )
    if not isinstance(status, str) or status not in AuthorizationStatus.__members__.values():
        problems.append(
            Problem(
                "status", "must be one of " + ", ".join(AuthorizationStatus), "authorization.status"
            )
        )
    if problems:
        raise AuthorizationError(problems)
    return Authorization(
        frozenset(codes),
        units_authorized,
        start_date,
        end_date,
        AuthorizationStatus(status),
        authorization_id,
    )


def unit_balance(
    authorization: Authorization, used_units: int, scheduled_units: int = 0
) -> UnitBalance:
    """The authorization's unit balance given used and scheduled units."""
    _check_usage(used_units, scheduled_units)
    return UnitBalance(authorization.units_authorized, used_units, scheduled_units)


def check_service(
    authorization: Authorization,
    service: ProposedService,
    used_units: int,
    scheduled_units: int = 0,
    *,
    count_scheduled: bool = True,
) -> list[Problem]:
    """Why the authorization does not cover `service`; an empty list means it does."""
    balance = unit_balance(authorization, used_units, scheduled_units)
    problems: list[Problem] = []
    if authorization.status is not AuthorizationStatus.ACTIVE:
        problems.append(
            Problem(
                "authorization.status",
                f"is {authorization.status.value}, not active",
                "authorization.inactive",
            )
        )
    if not _is_date(service.date_of_service):
        problems.append(Problem("dateOfService", "must be a calendar date", "authorization.date"))
    elif not authorization.start_date <= service.date_of_service <= authorization.end_date:
        problems.append(
            Problem(
                "dateOfService",
                "is outside the authorized dates "
                f"{authorization.start_date.isoformat()} to "
                f"{authorization.end_date.isoformat()}",
                "authorization.outside_dates",
            )
        )
    code = service.service_code
    if not isinstance(code, str) or normalize_service_code(code) not in authorization.service_codes:
        problems.append(
            Problem(
                "serviceCode",
                "is not covered by this authorization",
                "authorization.code_not_covered",
            )
        )
    if not _is_count(service.units) or service.units < 1:
        problems.append(
            Problem("units", "must be a whole number of at least 1", "authorization.units")
        )
    else:
        left = balance.available if count_scheduled else balance.remaining
        if service.units > left:
            problems.append(
                Problem(
                    "units",
                    f"{service.units} requested but only "
                    f"{max(left, 0)} remain on this authorization",
                    "authorization.exceeds_units",
                )
            )
    return problems


def evaluate_alerts(
    authorization: Authorization,
    today: date,
    used_units: int,
    scheduled_units: int = 0,
    thresholds: AlertThresholds | None = None,
) -> AuthorizationAlerts:
    """Exhausted (nothing left to book), low (at most the fraction left), expiring or expired.

    With the defaults: 10 of 100 units available is low, 0 is exhausted; 14 days or fewer to
    the end date is expiring; any day after it is expired.
    """
    limits = thresholds or AlertThresholds()
    if not isinstance(limits.low_units_fraction, Decimal) or not (
        Decimal(0) <= limits.low_units_fraction <= Decimal(1)
    ):
        raise AuthorizationError(
            [
                Problem(
                    "thresholds.lowUnitsFraction",
                    "must be a Decimal from 0 to 1",
                    "authorization.threshold",
                )
            ]
        )
    if not _is_count(limits.expiring_within_days):
        raise AuthorizationError(
            [
                Problem(
                    "thresholds.expiringWithinDays",
                    "must be a whole number of days, 0 or more",
                    "authorization.threshold",
                )
            ]
        )
    if not _is_date(today):
        raise AuthorizationError(
            [Problem("today", "must be a calendar date", "authorization.date")]
        )
    balance = unit_balance(authorization, used_units, scheduled_units)
    exhausted = balance.available <= 0
    low = not exhausted and Decimal(balance.available) <= (
        limits.low_units_fraction * balance.authorized
    )
    expired = today > authorization.end_date
    expiring = not expired and (authorization.end_date - today).days <= limits.expiring_within_days
    return AuthorizationAlerts(
        exhausted=exhausted, low_units=low, expired=expired, expiring=expiring
    )


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _check_usage(used_units: int, scheduled_units: int) -> None:
    problems = [
        Problem(name, "must be a whole number of units, 0 or more", "authorization.units")
        for name, value in (("usedUnits", used_units), ("scheduledUnits", scheduled_units))
        if not _is_count(value)
    ]
    if problems:
        raise AuthorizationError(problems)
