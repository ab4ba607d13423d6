"""K10 (Kessler 2002; ABS bands) including its two skip rules."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import InstrumentValidationError, score


def k10(total: int) -> dict[str, int]:
    """Answers (1-5 each, no skips) adding up to ``total`` (10-50)."""
    answers: dict[str, int] = {}
    extra = total - 10
    for number in range(1, 11):
        value = 1 + min(4, extra)
        extra -= value - 1
        answers[f"k10_q{number}"] = value
    return answers


# ABS: 10-15 low, 16-21 moderate, 22-29 high, 30-50 very high.
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (10, "low"),
        (15, "low"),
        (16, "moderate"),
        (21, "moderate"),
        (22, "high"),
        (29, "high"),
        (30, "very_high"),
        (50, "very_high"),
    ],
)
def test_k10_band_edges(total: int, band: str) -> None:
    result = score("K10", k10(total))
    assert (result.total, result.severity) == (total, band)


def test_zero_is_not_a_k10_answer() -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("K10", {**k10(20), "k10_q1": 0})
    assert [error.field for error in caught.value.errors] == ["answers.k10_q1"]


def test_q3_and_q6_are_skipped_and_score_1_when_q2_and_q5_are_none_of_the_time() -> None:
    answers = {f"k10_q{n}": 2 for n in range(1, 11)}
    answers.update({"k10_q2": 1, "k10_q5": 1})
    del answers["k10_q3"], answers["k10_q6"]
    result = score("K10", answers)
    assert set(result.skipped_items) == {"k10_q3", "k10_q6"}
    assert result.item_scores["k10_q3"] == result.item_scores["k10_q6"] == 1
    assert result.total == 6 * 2 + 4 * 1


def test_q3_is_required_when_q2_is_above_none_of_the_time() -> None:
    answers = k10(20)
    answers["k10_q2"] = 2
    del answers["k10_q3"]
    with pytest.raises(InstrumentValidationError) as caught:
        score("K10", answers)
    assert [error.field for error in caught.value.errors] == ["answers.k10_q3"]


def test_q3_answered_above_none_after_q2_none_is_rejected() -> None:
    answers = k10(20)
    answers.update({"k10_q2": 1, "k10_q3": 4})
    with pytest.raises(InstrumentValidationError) as caught:
        score("K10", answers)
    assert [error.field for error in caught.value.errors] == ["answers.k10_q3"]
