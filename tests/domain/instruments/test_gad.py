"""GAD-7 and GAD-2 against Spitzer et al. 2006 and Kroenke et al. 2007."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import InstrumentValidationError, score


def gad7(total: int) -> dict[str, int]:
    answers: dict[str, int] = {}
    remaining = total
    for number in range(1, 8):
        answers[f"gad7_q{number}"] = min(3, remaining)
        remaining -= answers[f"gad7_q{number}"]
    return answers


# 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe; both sides of each edge.
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_edges(total: int, band: str) -> None:
    result = score("GAD-7", gad7(total))
    assert (result.total, result.severity) == (total, band)


def test_gad7_difficulty_item_is_not_an_eighth_scored_item() -> None:
    # hippocrates' bug: summing the difficulty answer gives a maximum of 24.
    result = score("GAD-7", {**gad7(21), "gad7_q8": 3})
    assert result.total == 21


def test_gad7_cutoff_10() -> None:
    assert score("GAD-7", gad7(10)).has_interpretation("positive_screen")
    assert not score("GAD-7", gad7(9)).has_interpretation("positive_screen")


def test_gad7_has_no_critical_items() -> None:
    assert score("GAD-7", gad7(21)).critical_flags == ()


def test_gad7_requires_all_seven_items() -> None:
    answers = gad7(8)
    del answers["gad7_q7"]
    with pytest.raises(InstrumentValidationError):
        score("GAD-7", answers)


@pytest.mark.parametrize(
    ("q1", "q2", "band"),
    [(1, 1, "negative"), (2, 1, "positive"), (0, 3, "positive"), (0, 0, "negative")],
)
def test_gad2_cutoff_3(q1: int, q2: int, band: str) -> None:
    assert score("GAD-2", {"gad2_q1": q1, "gad2_q2": q2}).severity == band
