"""DAST-10 against Skinner 1982 (via the Comorbidity Guidelines scoring page)."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import score


def dast(yes_items: set[int], *, item3_yes: bool = True) -> dict[str, int]:
    """Items listed in yes_items answered yes; item 3 set separately (it is reversed)."""
    answers = {f"dast10_q{n}": 1 if n in yes_items else 0 for n in range(1, 11)}
    answers["dast10_q3"] = 1 if item3_yes else 0
    return answers


def test_item3_is_reverse_scored() -> None:
    # "always able to stop" answered yes scores 0; answered no scores 1.
    assert score("DAST-10", dast(set(), item3_yes=True)).total == 0
    result = score("DAST-10", dast(set(), item3_yes=False))
    assert result.total == 1
    assert result.item_scores["dast10_q3"] == 1
    assert result.answers["dast10_q3"] == 0


def test_yes_no_codes_are_accepted() -> None:
    answers: dict[str, int | str | None] = {f"dast10_q{n}": "no" for n in range(1, 11)}
    answers["dast10_q3"] = "yes"
    assert score("DAST-10", answers).total == 0


# 0 none, 1-2 low, 3-5 moderate, 6-8 substantial, 9-10 severe.
@pytest.mark.parametrize(
    ("yes_items", "item3_yes", "total", "band"),
    [
        (set(), True, 0, "none"),
        ({1}, True, 1, "low"),
        ({1}, False, 2, "low"),
        ({1, 2, 4}, True, 3, "moderate"),
        ({1, 2, 4, 5, 6}, True, 5, "moderate"),
        ({1, 2, 4, 5, 6}, False, 6, "substantial"),
        ({1, 2, 4, 5, 6, 7, 8, 9}, True, 8, "substantial"),
        ({1, 2, 4, 5, 6, 7, 8, 9}, False, 9, "severe"),
        ({1, 2, 4, 5, 6, 7, 8, 9, 10}, False, 10, "severe"),
    ],
)
def test_dast10_band_edges(yes_items: set[int], item3_yes: bool, total: int, band: str) -> None:
    result = score("DAST-10", dast(yes_items, item3_yes=item3_yes))
    assert (result.total, result.severity) == (total, band)
