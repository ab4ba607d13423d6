"""CORE-10: reversed items 2 and 3, one-item proration, item 6 critical (CORE System Trust)."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import InstrumentValidationError, score


def core10(scores: dict[int, int] | None = None) -> dict[str, int]:
    """Answers whose *scores* are as given (default 0); items 2-3 are converted to values."""
    wanted = {number: 0 for number in range(1, 11)}
    wanted.update(scores or {})
    return {
        f"core10_q{number}": (4 - points if number in (2, 3) else points)
        for number, points in wanted.items()
    }


def test_items_2_and_3_are_reverse_scored() -> None:
    # Answering "Not at all" (value 0) to "someone to turn to" is the worst answer: 4 points.
    answers = core10()
    answers["core10_q2"] = 0
    result = score("CORE-10", answers)
    assert result.item_scores["core10_q2"] == 4
    assert result.total == 4 + 0  # q3 answered 4 ("most of the time") scores 0
    answers["core10_q3"] = 0
    assert score("CORE-10", answers).total == 8


def test_item_1_is_not_reversed() -> None:
    assert score("CORE-10", core10({1: 3})).total == 3


# Bands: 0-5 healthy, 6-10 low, 11-14 mild, 15-19 moderate, 20-24 moderately severe, 25-40 severe.
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "healthy"),
        (5, "healthy"),
        (6, "low"),
        (10, "low"),
        (11, "mild"),
        (14, "mild"),
        (15, "moderate"),
        (19, "moderate"),
        (20, "moderately_severe"),
        (24, "moderately_severe"),
        (25, "severe"),
        (40, "severe"),
    ],
)
def test_core10_band_edges(total: int, band: str) -> None:
    scores: dict[int, int] = {}
    remaining = total
    for number in (1, 2, 3, 4, 5, 7, 8, 9, 10, 6):
        scores[number] = min(4, remaining)
        remaining -= scores[number]
    result = score("CORE-10", core10(scores))
    assert (result.total, result.severity) == (total, band)
    assert not result.prorated


def test_exactly_one_missing_item_is_prorated() -> None:
    answers = core10({1: 4, 2: 4, 3: 4, 4: 3, 5: 3, 7: 2, 8: 2, 9: 1})
    del answers["core10_q10"]  # 9 answered items totalling 23
    result = score("CORE-10", answers)
    assert result.prorated
    assert result.missing_items == ("core10_q10",)
    assert result.total == 25.6  # 23 / 9 x 10 = 25.55..., rounded half-up
    assert result.severity == "severe"
    assert result.has_interpretation("prorated")


def test_a_prorated_fraction_between_bands_belongs_to_the_lower_band() -> None:
    answers = core10({1: 4, 2: 4, 3: 1})
    del answers["core10_q10"]  # 9 / 9 x 10 = 10.0
    assert score("CORE-10", answers).severity == "low"
    answers = core10({1: 4, 2: 4, 3: 2, 4: 0})
    del answers["core10_q10"]  # 10 / 9 x 10 = 11.1 -> mild
    result = score("CORE-10", answers)
    assert (result.total, result.severity) == (11.1, "mild")


def test_two_missing_items_are_not_prorated() -> None:
    # CamCOPS prorates any number of blanks; LamplightCRM scored 1 answer of 4 as 40.
    answers = core10({1: 4})
    del answers["core10_q9"], answers["core10_q10"]
    with pytest.raises(InstrumentValidationError) as caught:
        score("CORE-10", answers)
    assert sorted(error.field for error in caught.value.errors) == [
        "answers.core10_q10",
        "answers.core10_q9",
    ]
    assert "at most 1" in caught.value.errors[0].message


def test_one_answered_item_cannot_become_a_total() -> None:
    with pytest.raises(InstrumentValidationError):
        score("CORE-10", {"core10_q1": 4})


@pytest.mark.parametrize(("item6", "flagged"), [(0, False), (1, True), (4, True)])
def test_item_6_is_critical(item6: int, flagged: bool) -> None:
    result = score("CORE-10", core10({6: item6}))
    assert [flag.item_id for flag in result.critical_flags] == (["core10_q6"] if flagged else [])


def test_a_blank_risk_item_is_reported() -> None:
    answers = core10({1: 2})
    del answers["core10_q6"]
    result = score("CORE-10", answers)
    assert result.prorated
    assert result.has_interpretation("risk_item_unanswered")
    assert result.critical_flags == ()
