"""C-SSRS screener: risk tier, skip logic and critical items (Columbia triage guidance)."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import InstrumentValidationError, score

NO_ALL = {"cssrs_q1": 0, "cssrs_q2": 0, "cssrs_q6": 0}


def with_q2_yes(**values: int) -> dict[str, int]:
    answers = {"cssrs_q1": 1, "cssrs_q2": 1, "cssrs_q3": 0, "cssrs_q4": 0, "cssrs_q5": 0}
    answers["cssrs_q6"] = 0
    answers.update({f"cssrs_{key}": value for key, value in values.items()})
    return answers


@pytest.mark.parametrize(
    ("answers", "tier", "critical"),
    [
        (NO_ALL, "none", []),
        ({**NO_ALL, "cssrs_q1": 1}, "low", []),
        (with_q2_yes(), "low", []),
        (with_q2_yes(q3=1), "moderate", []),
        ({**NO_ALL, "cssrs_q6": 1, "cssrs_q6a": 0}, "moderate", []),
        (with_q2_yes(q4=1), "high", ["cssrs_q4"]),
        (with_q2_yes(q5=1), "high", ["cssrs_q5"]),
        ({**NO_ALL, "cssrs_q6": 1, "cssrs_q6a": 1}, "high", ["cssrs_q6a"]),
        (
            with_q2_yes(q3=1, q4=1, q5=1, q6=1, q6a=1),
            "high",
            ["cssrs_q4", "cssrs_q5", "cssrs_q6a"],
        ),
    ],
)
def test_risk_tier_and_critical_items(
    answers: dict[str, int], tier: str, critical: list[str]
) -> None:
    result = score("C-SSRS-SCREENER", answers)
    assert result.total is None  # a tier, not a sum
    assert result.severity == tier
    assert [flag.item_id for flag in result.critical_flags] == critical


def test_questions_3_to_5_are_skipped_when_question_2_is_no() -> None:
    result = score("C-SSRS-SCREENER", NO_ALL)
    assert set(result.skipped_items) == {"cssrs_q3", "cssrs_q4", "cssrs_q5", "cssrs_q6a"}
    assert "cssrs_q3" not in result.answers


def test_a_skipped_question_may_be_sent_as_no() -> None:
    result = score("C-SSRS-SCREENER", {**NO_ALL, "cssrs_q3": 0, "cssrs_q4": None})
    assert result.severity == "none"


def test_a_skipped_question_answered_yes_is_rejected() -> None:
    # A "yes" to intent after "no" to any suicidal thought is contradictory input.
    with pytest.raises(InstrumentValidationError) as caught:
        score("C-SSRS-SCREENER", {**NO_ALL, "cssrs_q4": 1})
    assert [error.field for error in caught.value.errors] == ["answers.cssrs_q4"]
    assert "left blank" in caught.value.errors[0].message


def test_questions_3_to_5_are_required_once_question_2_is_yes() -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("C-SSRS-SCREENER", {"cssrs_q1": 1, "cssrs_q2": 1, "cssrs_q6": 0})
    assert sorted(error.field for error in caught.value.errors) == [
        "answers.cssrs_q3",
        "answers.cssrs_q4",
        "answers.cssrs_q5",
    ]


def test_question_6a_is_required_once_question_6_is_yes() -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("C-SSRS-SCREENER", {**NO_ALL, "cssrs_q6": 1})
    assert [error.field for error in caught.value.errors] == ["answers.cssrs_q6a"]
