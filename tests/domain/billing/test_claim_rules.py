"""Fee lookup and charges, timely filing, telehealth policy and the duplicate-claim key."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bhlink.domain.billing import (
    MEDICARE_TELEHEALTH_2024,
    BillingError,
    FeeSchedule,
    TelehealthModality,
    TelehealthPolicy,
    charge_amount,
    check_telehealth,
    check_timely_filing,
    duplicate_claim_key,
    filing_deadline,
    find_duplicates,
    to_money,
)

SCHEDULE = FeeSchedule.from_rows(
    [
        ("payer_regence", "90834", "", "120.00"),
        ("payer_regence", "90834", "HO", "110.00"),
        ("payer_regence", "90834", "hn", Decimal("95.50")),
        ("payer_medicaid", "H2019", "", "18.335"),
    ]
)


def test_rate_lookup_by_payer_code_and_modifier() -> None:
    assert SCHEDULE.rate_for("payer_regence", "90834") == Decimal("120.00")
    assert SCHEDULE.rate_for("payer_regence", "90834", ["95"]) == Decimal("120.00")
    assert SCHEDULE.rate_for("payer_regence", "90834", ["HO", "95"]) == Decimal("110.00")
    assert SCHEDULE.rate_for("payer_regence", "90834", ["95", "HN"]) == Decimal("95.50")
    assert SCHEDULE.rate_for("payer_regence", "90837") is None
    assert SCHEDULE.rate_for("payer_other", "90834") is None


def test_rate_without_base_rate_needs_its_modifier() -> None:
    schedule = FeeSchedule.from_rows([("p", "H0004", "HO", 25)])
    assert schedule.rate_for("p", "H0004") is None
    assert schedule.rate_for("p", "h0004", ["ho"]) == Decimal(25)


def test_charge_is_units_times_rate_rounded_half_up_to_cents() -> None:
    rate = SCHEDULE.rate_for("payer_medicaid", "H2019")
    assert rate is not None
    assert charge_amount(3, rate) == Decimal("55.01")  # 55.005 rounds up
    assert charge_amount(0, rate) == Decimal("0.00")
    assert charge_amount(1, "120") == Decimal("120.00")


@pytest.mark.parametrize("amount", [0.1, "abc", "-1", "NaN", "Infinity", None, True])
def test_money_refuses_floats_negative_and_non_numbers(amount: object) -> None:
    with pytest.raises(BillingError):
        to_money(amount)  # type: ignore[arg-type]


@pytest.mark.parametrize("units", [-1, 1.0, True])
def test_charge_refuses_bad_units(units: object) -> None:
    with pytest.raises(BillingError) as caught:
        charge_amount(units, "10")  # type: ignore[arg-type]
    assert caught.value.problems[0].field == "units"


def test_fee_schedule_refuses_duplicate_and_incomplete_rows() -> None:
    with pytest.raises(BillingError) as caught:
        FeeSchedule.from_rows([("p", "90834", "", "1"), ("p", "90834", " ", "2")])
    assert caught.value.problems[0].field == "rows[1]"
    with pytest.raises(BillingError):
        FeeSchedule.from_rows([("", "90834", "", "1")])
    with pytest.raises(BillingError):
        FeeSchedule.from_rows([("p", "", "", "1")])
    with pytest.raises(BillingError) as amount_error:
        FeeSchedule.from_rows([("p", "90834", "", 12.5)])  # type: ignore[list-item]
    assert amount_error.value.problems[0].field == "rows[0].amount"


def test_timely_filing_counts_the_last_day_as_on_time() -> None:
    service = date(2026, 1, 10)
    assert filing_deadline(service, 90) == date(2026, 4, 10)
    assert check_timely_filing(service, date(2026, 4, 10), 90) == []
    late = check_timely_filing(service, date(2026, 4, 11), 90)
    assert [p.code for p in late] == ["timely_filing.late"]
    assert "1 day" in late[0].message
    assert check_timely_filing(service, service, 1) == []


def test_timely_filing_rejects_bad_input() -> None:
    service = date(2026, 1, 10)
    assert [p.code for p in check_timely_filing(service, date(2026, 1, 9), 90)] == [
        "timely_filing.before_service"
    ]
    for bad_limit in (0, -5, True):
        with pytest.raises(BillingError):
            filing_deadline(service, bad_limit)
    with pytest.raises(BillingError):
        check_timely_filing(datetime(2026, 1, 10, 9), date(2026, 1, 11), 90)
    with pytest.raises(BillingError):
        check_timely_filing(service, "2026-01-11", 90)  # type: ignore[arg-type]


COMMERCIAL = TelehealthPolicy(payer_id="payer_regence")
LEGACY_MEDICAID = TelehealthPolicy(
    payer_id="payer_medicaid",
    allowed_places_of_service=frozenset({"02"}),
    audio_video_modifier="GT",
    audio_only_allowed=False,
)


def test_telehealth_line_that_meets_the_policy_passes() -> None:
    video = TelehealthModality.AUDIO_VIDEO
    assert check_telehealth(COMMERCIAL, "10", ["95"], video, patient_at_home=True) == []
    assert check_telehealth(COMMERCIAL, "02", ["HO", "95"], video) == []
    assert check_telehealth(COMMERCIAL, "02", ["93"], TelehealthModality.AUDIO_ONLY) == []
    assert check_telehealth(LEGACY_MEDICAID, "02", ["GT"], video) == []
    assert check_telehealth(MEDICARE_TELEHEALTH_2024, "10", [], video) == []


def test_telehealth_problems_name_place_and_modifier() -> None:
    video = TelehealthModality.AUDIO_VIDEO
    wrong_pos = check_telehealth(COMMERCIAL, "11", ["95"], video)
    assert [p.code for p in wrong_pos] == ["telehealth.place_of_service"]
    assert wrong_pos[0].field == "placeOfService"
    assert [p.code for p in check_telehealth(COMMERCIAL, "02", [], video)] == [
        "telehealth.modifier_missing"
    ]
    assert [p.code for p in check_telehealth(COMMERCIAL, "02", ["95", "GT"], video)] == [
        "telehealth.modifier_unexpected"
    ]
    assert [p.code for p in check_telehealth(MEDICARE_TELEHEALTH_2024, "02", ["95"], video)] == [
        "telehealth.modifier_unexpected"
    ]
    assert [p.code for p in check_telehealth(LEGACY_MEDICAID, "10", ["GT"], video)] == [
        "telehealth.place_of_service"
    ]
    home_mismatch = check_telehealth(COMMERCIAL, "02", ["95"], video, patient_at_home=True)
    assert [p.code for p in home_mismatch] == ["telehealth.place_of_service"]
    assert "10" in home_mismatch[0].message


def test_audio_only_rules() -> None:
    audio = TelehealthModality.AUDIO_ONLY
    assert [p.code for p in check_telehealth(LEGACY_MEDICAID, "02", [], audio)] == [
        "telehealth.audio_only_not_covered"
    ]
    assert [p.code for p in check_telehealth(MEDICARE_TELEHEALTH_2024, "10", [], audio)] == [
        "telehealth.modifier_missing"
    ]
    assert [p.code for p in check_telehealth(COMMERCIAL, "02", ["95"], audio)] == [
        "telehealth.modifier_missing",
        "telehealth.modifier_unexpected",
    ]


def test_duplicate_key_ignores_modifier_order_and_case() -> None:
    day = date(2026, 1, 25)
    first = duplicate_claim_key("pt_1", day, "90834", ["95", "HO"], "prv_1")
    second = duplicate_claim_key(" pt_1", day, "90834 ", ["ho", "95"], "prv_1")
    distinct = duplicate_claim_key("pt_1", day, "90834", ["95", "HO", "XE"], "prv_1")
    other_provider = duplicate_claim_key("pt_1", day, "90834", ["95", "HO"], "prv_2")
    assert first == second and hash(first) == hash(second)
    assert first.modifiers == ("95", "HO")
    assert distinct != first and other_provider != first
    assert find_duplicates([first, distinct, second, other_provider]) == {first: [0, 2]}
    assert find_duplicates([first, distinct]) == {}


@pytest.mark.parametrize(
    "args",
    [
        ("", date(2026, 1, 1), "90834", [], "prv"),
        ("pt", date(2026, 1, 1), " ", [], "prv"),
        ("pt", "2026-01-01", "90834", [], "prv"),
        ("pt", date(2026, 1, 1), "90834", [], None),
    ],
)
def test_duplicate_key_requires_every_part(args: tuple[object, ...]) -> None:
    with pytest.raises(BillingError):
        duplicate_claim_key(*args)  # type: ignore[arg-type]
