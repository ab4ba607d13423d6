"""PHQ-9, PHQ-2 and PHQ-A against their published rules (sources in each module docstring)."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import (
    InstrumentSettings,
    InstrumentValidationError,
    PracticeConfig,
    score,
)


def spread(prefix: str, count: int, total: int, top: int = 3) -> dict[str, int]:
    """Answers for items {prefix}1..count (values 0..top) that add up to ``total``."""
    values: dict[str, int] = {}
    remaining = total
    for number in range(1, count + 1):
        value = min(top, remaining)
        values[f"{prefix}{number}"] = value
        remaining -= value
    assert remaining == 0, "total too large for the item count"
    return values


def phq9_with_total(total: int, *, item9: int = 0) -> dict[str, int]:
    # Keep item 9 explicit so band tests don't trip the critical item by accident.
    answers = spread("phq9_q", 8, total - item9)
    answers["phq9_q9"] = item9
    return answers


# Kroenke et al. 2001: 0-4 none-minimal, 5-9 mild, 10-14 moderate,
# 15-19 moderately severe, 20-27 severe. Both sides of every edge.
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (24, "severe"),
    ],
)
def test_phq9_band_edges(total: int, band: str) -> None:
    result = score("PHQ-9", phq9_with_total(total))
    assert result.total == total
    assert result.severity == band
    assert not result.prorated


def test_phq9_maximum_is_27_and_severe() -> None:
    result = score("PHQ-9", {f"phq9_q{n}": 3 for n in range(1, 10)})
    assert (result.total, result.severity, result.severity_label) == (27, "severe", "Severe")


@pytest.mark.parametrize("difficulty", [0, 3])
def test_phq9_difficulty_item_is_recorded_but_never_counted(difficulty: int) -> None:
    # Kroenke 2001 / LOINC 69722-7: item 10 is not part of the 0-27 total.
    answers = phq9_with_total(7)
    without = score("PHQ-9", answers)
    with_difficulty = score("PHQ-9", {**answers, "phq9_q10": difficulty})
    assert with_difficulty.total == without.total == 7
    assert with_difficulty.answers["phq9_q10"] == difficulty
    assert "phq9_q10" not in without.answers


def test_phq9_difficulty_item_is_still_validated() -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", {**phq9_with_total(7), "phq9_q10": 4})
    assert [error.field for error in caught.value.errors] == ["answers.phq9_q10"]


@pytest.mark.parametrize(("item9", "flagged"), [(0, False), (1, True), (3, True)])
def test_phq9_item9_is_critical_whatever_the_total(item9: int, flagged: bool) -> None:
    # Item 9 >= 1 fires even when the total is in the minimal band.
    result = score("PHQ-9", phq9_with_total(item9, item9=item9))
    assert result.has_critical_flags is flagged
    if flagged:
        (flag,) = result.critical_flags
        assert flag.item_id == "phq9_q9"
        assert flag.score == item9
        assert "self-harm" in flag.reason


def test_phq9_cutoff_10_is_a_positive_screen_and_9_is_not() -> None:
    assert score("PHQ-9", phq9_with_total(10)).has_interpretation("positive_screen")
    assert not score("PHQ-9", phq9_with_total(9)).has_interpretation("positive_screen")


def test_phq9_has_no_proration() -> None:
    answers = phq9_with_total(12)
    del answers["phq9_q5"]
    with pytest.raises(InstrumentValidationError):
        score("PHQ-9", answers)


# PHQ-2 (Kroenke 2003; Arroll 2010): >= 3 positive; a practice may choose >= 2.
@pytest.mark.parametrize(
    ("q1", "q2", "band"),
    [(0, 0, "negative"), (1, 1, "negative"), (2, 1, "positive"), (3, 3, "positive")],
)
def test_phq2_cutoff_edges(q1: int, q2: int, band: str) -> None:
    result = score("PHQ-2", {"phq2_q1": q1, "phq2_q2": q2})
    assert result.total == q1 + q2
    assert result.severity == band
    assert result.has_interpretation("positive_screen") is (band == "positive")


def test_phq2_practice_can_use_the_more_sensitive_cutoff_2() -> None:
    config = PracticeConfig({"PHQ-2": InstrumentSettings(screen_cutoff=2)})
    result = score("PHQ-2", {"phq2_q1": 1, "phq2_q2": 1}, config=config)
    assert result.severity == "positive"
    assert result.has_interpretation("positive_screen")


# PHQ-A: PHQ-9 scoring plus items 10-13; suicide items are critical.
def phqa(total: int, **extra: int) -> dict[str, int]:
    answers = spread("phqa_q", 8, total)
    answers["phqa_q9"] = 0
    answers.update({"phqa_q12": 0, "phqa_q13": 0})
    answers.update(extra)
    return answers


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
    ],
)
def test_phqa_uses_phq9_bands(total: int, band: str) -> None:
    assert score("PHQ-A", phqa(total)).severity == band


def test_phqa_extra_items_are_never_counted() -> None:
    plain = score("PHQ-A", phqa(6))
    extras = score("PHQ-A", phqa(6, phqa_q10=1, phqa_q11=3, phqa_q12=1, phqa_q13=1))
    assert plain.total == extras.total == 6


@pytest.mark.parametrize(
    ("extra", "flagged_items"),
    [
        ({}, []),
        ({"phqa_q9": 1}, ["phqa_q9"]),
        ({"phqa_q12": 1}, ["phqa_q12"]),
        ({"phqa_q13": 1}, ["phqa_q13"]),
        ({"phqa_q9": 2, "phqa_q12": 1, "phqa_q13": 1}, ["phqa_q9", "phqa_q12", "phqa_q13"]),
        ({"phqa_q10": 1}, []),
    ],
)
def test_phqa_suicide_items_are_critical(extra: dict[str, int], flagged_items: list[str]) -> None:
    result = score("PHQ-A", phqa(3, **extra))
    assert [flag.item_id for flag in result.critical_flags] == flagged_items


def test_phqa_requires_its_suicide_questions() -> None:
    answers = phqa(3)
    del answers["phqa_q12"]
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-A", answers)
    assert [error.field for error in caught.value.errors] == ["answers.phqa_q12"]
