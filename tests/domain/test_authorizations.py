"""Authorization coverage: unit balance, service checks, and low-unit/expiry alerts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bhlink.domain.authorizations import (
    AlertThresholds,
    AuthorizationError,
    AuthorizationStatus,
    ProposedService,
    check_service,
    evaluate_alerts,
    make_authorization,
    unit_balance,
)
from bhlink.domain.codes import Problem

AUTH = make_authorization(["90834", "h0004 "], 20, date(2026, 1, 1), date(2026, 3, 31))


def service(code: str = "90834", day: date = date(2026, 2, 1), units: int = 1) -> ProposedService:
    return ProposedService(code, day, units)


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def test_balance_counts_used_and_scheduled_units() -> None:
    balance = unit_balance(AUTH, used_units=12, scheduled_units=5)
    assert (balance.remaining, balance.available, balance.over_committed) == (8, 3, False)
    assert unit_balance(AUTH, 18, 4).over_committed
    assert AUTH.service_codes == frozenset({"90834", "H0004"})


def test_service_within_codes_dates_and_units_is_covered() -> None:
    assert check_service(AUTH, service(), used_units=10, scheduled_units=5) == []
    assert check_service(AUTH, service("h0004", date(2026, 1, 1), 5), 10, 5) == []
    assert check_service(AUTH, service(day=date(2026, 3, 31)), 0) == []


def test_units_boundary_uses_available_units() -> None:
    assert check_service(AUTH, service(units=3), used_units=12, scheduled_units=5) == []
    problems = check_service(AUTH, service(units=4), used_units=12, scheduled_units=5)
    assert codes(problems) == ["authorization.exceeds_units"]
    assert "only 3 remain" in problems[0].message
    # Completing one of the scheduled visits must not count it twice.
    assert check_service(AUTH, service(units=4), 12, 5, count_scheduled=False) == []


def test_outside_dates_uncovered_code_and_inactive_are_each_reported() -> None:
    denied = make_authorization(["90834"], 10, date(2026, 1, 1), date(2026, 1, 31), "denied")
    problems = check_service(denied, service("90837", date(2026, 2, 1), 1), used_units=0)
    assert codes(problems) == [
        "authorization.inactive",
        "authorization.outside_dates",
        "authorization.code_not_covered",
    ]
    assert codes(check_service(AUTH, service(day=date(2025, 12, 31)), 0)) == [
        "authorization.outside_dates"
    ]
    pending = make_authorization(
        ["90834"], 10, date(2026, 1, 1), date(2026, 1, 31), AuthorizationStatus.PENDING
    )
    assert codes(check_service(pending, service(day=date(2026, 1, 5)), 0)) == [
        "authorization.inactive"
    ]


@pytest.mark.parametrize("units", [0, -1, True, 1.5])
def test_bad_requested_units(units: object) -> None:
    problems = check_service(AUTH, service(units=units), 0)  # type: ignore[arg-type]
    assert codes(problems) == ["authorization.units"]


def test_bad_service_date_is_reported() -> None:
    problems = check_service(AUTH, ProposedService("90834", "2026-02-01", 1), 0)  # type: ignore[arg-type]
    assert codes(problems) == ["authorization.date"]


@pytest.mark.parametrize(("used", "scheduled"), [(-1, 0), (0, -2), (1.5, 0), (True, 0)])
def test_bad_usage_figures_raise(used: object, scheduled: object) -> None:
    with pytest.raises(AuthorizationError):
        unit_balance(AUTH, used, scheduled)  # type: ignore[arg-type]


def test_make_authorization_reports_every_problem() -> None:
    with pytest.raises(AuthorizationError) as caught:
        make_authorization(["", "90834"], 0, date(2026, 2, 1), date(2026, 1, 1), "approved")
    assert [p.field for p in caught.value.problems] == [
        "serviceCodes[0]",
        "unitsAuthorized",
        "endDate",
        "status",
    ]
    with pytest.raises(AuthorizationError) as empty:
        make_authorization([], 5, datetime(2026, 1, 1), date(2026, 1, 2))
    assert [p.field for p in empty.value.problems] == ["serviceCodes", "startDate"]


@pytest.mark.parametrize(
    ("used", "scheduled", "exhausted", "low"),
    [
        (0, 0, False, False),
        (17, 0, False, False),  # 3 of 20 left = 15 %
        (18, 0, False, True),  # 2 of 20 left = 10 %: low at the threshold
        (15, 3, False, True),
        (19, 0, False, True),
        (20, 0, True, False),
        (15, 6, True, False),  # over-committed counts as exhausted
    ],
)
def test_unit_alerts(used: int, scheduled: int, exhausted: bool, low: bool) -> None:
    alerts = evaluate_alerts(AUTH, date(2026, 2, 1), used, scheduled)
    assert (alerts.exhausted, alerts.low_units) == (exhausted, low)


@pytest.mark.parametrize(
    ("today", "expiring", "expired"),
    [
        (date(2026, 3, 16), False, False),  # 15 days left
        (date(2026, 3, 17), True, False),  # 14 days left
        (date(2026, 3, 31), True, False),
        (date(2026, 4, 1), False, True),
    ],
)
def test_expiry_alerts(today: date, expiring: bool, expired: bool) -> None:
    alerts = evaluate_alerts(AUTH, today, 0)
    assert (alerts.expiring, alerts.expired) == (expiring, expired)
    assert alerts.any == (expiring or expired)


def test_thresholds_are_configurable() -> None:
    thresholds = AlertThresholds(low_units_fraction=Decimal("0.25"), expiring_within_days=30)
    alerts = evaluate_alerts(AUTH, date(2026, 3, 1), 15, 0, thresholds)
    assert alerts.low_units and alerts.expiring
    assert not evaluate_alerts(AUTH, date(2026, 3, 1), 15).any


@pytest.mark.parametrize(
    "thresholds",
    [
        AlertThresholds(low_units_fraction=Decimal("1.5")),
        AlertThresholds(low_units_fraction=0.1),  # type: ignore[arg-type]
        AlertThresholds(expiring_within_days=-1),
    ],
)
def test_bad_thresholds_raise(thresholds: AlertThresholds) -> None:
    with pytest.raises(AuthorizationError):
        evaluate_alerts(AUTH, date(2026, 2, 1), 0, 0, thresholds)


def test_bad_today_raises() -> None:
    with pytest.raises(AuthorizationError):
        evaluate_alerts(AUTH, "2026-02-01", 0)  # type: ignore[arg-type]
