"""WHO-5: raw x 4 percentage, higher is better (WHO-5 guidance; Topp et al. 2015)."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import Direction, get_instrument, score


def who5(*values: int) -> dict[str, int]:
    return {f"who5_q{number}": value for number, value in enumerate(values, start=1)}


def test_total_is_the_raw_sum_times_four() -> None:
    result = score("WHO-5", who5(5, 5, 5, 5, 5))
    assert result.total == 100
    assert result.subscales == {"raw": 25}
    assert score("WHO-5", who5(0, 0, 0, 0, 0)).total == 0


def test_higher_is_better() -> None:
    assert get_instrument("WHO-5").direction is Direction.HIGHER_IS_BETTER


# Bands on the percentage: 0-28 likely depression, 29-50 poor, 51-100 adequate.
@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ((2, 2, 1, 1, 1), 28, "likely_depression"),
        ((2, 2, 2, 1, 1), 32, "poor_wellbeing"),
        ((3, 3, 2, 2, 2), 48, "poor_wellbeing"),  # raw 12: "below 13"
        ((3, 3, 3, 2, 2), 52, "adequate_wellbeing"),  # raw 13
    ],
)
def test_who5_band_edges(values: tuple[int, ...], total: int, band: str) -> None:
    result = score("WHO-5", who5(*values))
    assert (result.total, result.severity) == (total, band)


def test_raw_below_13_screens_positive_and_13_does_not() -> None:
    assert score("WHO-5", who5(3, 3, 2, 2, 2)).has_interpretation("positive_screen")
    assert not score("WHO-5", who5(3, 3, 3, 2, 2)).has_interpretation("positive_screen")


def test_any_item_at_0_or_1_asks_for_depression_testing() -> None:
    high_total_one_low_item = score("WHO-5", who5(5, 5, 5, 5, 1))
    assert high_total_one_low_item.total == 84
    assert high_total_one_low_item.has_interpretation("low_item_score")
    assert not score("WHO-5", who5(5, 5, 5, 5, 2)).has_interpretation("low_item_score")
