"""EPDS: items 3 and 5-10 reverse-scored, item 10 critical (Cox, Holden & Sagovsky 1987)."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import InstrumentSettings, PracticeConfig, score

REVERSED = {3, 5, 6, 7, 8, 9, 10}


def epds(scores: dict[int, int] | None = None) -> dict[str, int]:
    """Answers (form positions) that produce the given item *scores* (default 0)."""
    wanted = {number: 0 for number in range(1, 11)}
    wanted.update(scores or {})
    return {
        f"epds_q{number}": (3 - points if number in REVERSED else points)
        for number, points in wanted.items()
    }


@pytest.mark.parametrize("number", sorted(REVERSED))
def test_reversed_items_score_3_for_the_top_answer(number: int) -> None:
    answers = epds()
    answers[f"epds_q{number}"] = 0  # top answer on the form
    result = score("EPDS", answers)
    assert result.item_scores[f"epds_q{number}"] == 3


@pytest.mark.parametrize("number", [1, 2, 4])
def test_items_1_2_4_score_their_position(number: int) -> None:
    answers = epds()
    answers[f"epds_q{number}"] = 3  # bottom answer
    assert score("EPDS", answers).item_scores[f"epds_q{number}"] == 3


def test_all_top_answers_total_21_not_0() -> None:
    # A scorer that forgets the reversal would report 0 here.
    assert score("EPDS", {f"epds_q{n}": 0 for n in range(1, 11)}).total == 21


# Bands: 0-9 below threshold, 10-12 possible, 13-30 probable depression.
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "below_threshold"),
        (9, "below_threshold"),
        (10, "possible_depression"),
        (12, "possible_depression"),
        (13, "probable_depression"),
        (30, "probable_depression"),
    ],
)
def test_epds_band_edges(total: int, band: str) -> None:
    scores: dict[int, int] = {}
    remaining = total
    for number in range(1, 10):
        scores[number] = min(3, remaining)
        remaining -= scores[number]
    scores[10] = remaining
    result = score("EPDS", epds(scores))
    assert (result.total, result.severity) == (total, band)


@pytest.mark.parametrize(("item10", "flagged"), [(0, False), (1, True), (3, True)])
def test_item_10_above_zero_is_critical(item10: int, flagged: bool) -> None:
    result = score("EPDS", epds({10: item10}))
    assert result.has_critical_flags is flagged
    assert result.total == item10


def test_screen_cutoff_13_and_the_antenatal_override_15() -> None:
    thirteen = epds({1: 3, 2: 3, 3: 3, 4: 3, 5: 1})
    assert score("EPDS", thirteen).has_interpretation("positive_screen")
    antenatal = PracticeConfig({"EPDS": InstrumentSettings(screen_cutoff=15)})
    assert not score("EPDS", thirteen, config=antenatal).has_interpretation("positive_screen")
