"""Units and codes from minutes: psychotherapy bands, crisis blocks and 15-minute rounding rules."""

from __future__ import annotations

import pytest

from bhlink.domain.billing import (
    BillableLine,
    BillingError,
    UnitRounding,
    check_service_time,
    crisis_lines_for_minutes,
    psychotherapy_code_for_minutes,
    timed_units,
    units_for_service,
)


@pytest.mark.parametrize(
    ("minutes", "alone", "with_em"),
    [
        (0, None, None),
        (15, None, None),
        (16, "90832", "90833"),
        (37, "90832", "90833"),
        (38, "90834", "90836"),
        (52, "90834", "90836"),
        (53, "90837", "90838"),
        (90, "90837", "90838"),
    ],
)
def test_psychotherapy_code_follows_cpt_time_bands(
    minutes: int, alone: str | None, with_em: str | None
) -> None:
    assert psychotherapy_code_for_minutes(minutes) == alone
    assert psychotherapy_code_for_minutes(minutes, with_em=True) == with_em


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (29, ()),
        (30, (BillableLine("90839", 1),)),
        (74, (BillableLine("90839", 1),)),
        (75, (BillableLine("90839", 1), BillableLine("90840", 1))),
        (104, (BillableLine("90839", 1), BillableLine("90840", 1))),
        (105, (BillableLine("90839", 1), BillableLine("90840", 2))),
        (134, (BillableLine("90839", 1), BillableLine("90840", 2))),
        (135, (BillableLine("90839", 1), BillableLine("90840", 3))),
    ],
)
def test_crisis_lines_follow_the_cpt_crisis_table(
    minutes: int, expected: tuple[BillableLine, ...]
) -> None:
    assert crisis_lines_for_minutes(minutes) == expected


@pytest.mark.parametrize(
    ("minutes", "units"),
    [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (60, 4)],
)
def test_eight_minute_rule_is_the_default(minutes: int, units: int) -> None:
    assert timed_units(minutes) == units


@pytest.mark.parametrize(("minutes", "units"), [(7, 0), (8, 0), (14, 0), (15, 1), (29, 1), (30, 2)])
def test_whole_units_only_rounding(minutes: int, units: int) -> None:
    assert timed_units(minutes, UnitRounding.WHOLE_UNITS_ONLY) == units


def test_midpoint_rule_generalises_to_other_unit_lengths() -> None:
    assert timed_units(30, unit_minutes=60) == 0
    assert timed_units(31, unit_minutes=60) == 1
    assert timed_units(90, unit_minutes=60) == 1
    assert timed_units(91, unit_minutes=60) == 2


@pytest.mark.parametrize("minutes", [-1, 1.5, True, "30", None])
def test_bad_minutes_raise_typed_error_naming_the_field(minutes: object) -> None:
    with pytest.raises(BillingError) as caught:
        timed_units(minutes)  # type: ignore[arg-type]
    assert caught.value.problems[0].field == "minutes"
    with pytest.raises(BillingError):
        psychotherapy_code_for_minutes(minutes)  # type: ignore[arg-type]
    with pytest.raises(BillingError):
        crisis_lines_for_minutes(minutes)  # type: ignore[arg-type]


@pytest.mark.parametrize("unit_minutes", [0, 1, -15, True])
def test_bad_unit_length_is_refused(unit_minutes: int) -> None:
    with pytest.raises(BillingError):
        timed_units(30, unit_minutes=unit_minutes)


def test_units_for_service_per_code_kind() -> None:
    assert units_for_service("H2019", 7) == 0
    assert units_for_service("H2019", 8) == 1
    assert units_for_service("h2019", 45, UnitRounding.WHOLE_UNITS_ONLY) == 3
    assert units_for_service("T1017", 23) == 2
    assert units_for_service("90834", 45) == 1
    assert units_for_service("90791", 75) == 1
    assert units_for_service("90840", 105) == 2
    assert units_for_service("90840", 60) == 0


@pytest.mark.parametrize(
    ("code", "minutes"),
    [("90832", 15), ("90832", 38), ("90834", 37), ("90834", 53), ("90837", 52), ("90846", 25)],
)
def test_units_for_service_refuses_time_outside_the_band(code: str, minutes: int) -> None:
    with pytest.raises(BillingError) as caught:
        units_for_service(code, minutes)
    assert caught.value.problems[0].code in {"billing.time_below_band", "billing.time_above_band"}


def test_unknown_code_is_refused() -> None:
    with pytest.raises(BillingError) as caught:
        units_for_service("99999", 30)
    assert caught.value.problems[0].field == "serviceCode"
    assert [p.code for p in check_service_time("99999", 30)] == ["service_code.unknown"]


def test_check_service_time_names_the_band() -> None:
    problems = check_service_time("90832", 45, "serviceLines[0].minutes")
    assert problems[0].field == "serviceLines[0].minutes"
    assert "37" in problems[0].message
    assert check_service_time("90837", 53) == []
    assert check_service_time("H0004", 3) == []
