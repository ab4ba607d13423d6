"""PCL-5 against the National Center for PTSD scoring rules (module docstring has sources)."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import InstrumentSettings, PracticeConfig, score


def pcl5(**ratings: int) -> dict[str, int]:
    """All 20 items at 0 unless given as item_number=rating (e.g. q3=2)."""
    answers = {f"pcl5_q{number}": 0 for number in range(1, 21)}
    for key, value in ratings.items():
        answers[f"pcl5_{key}"] = value
    return answers


def test_total_is_the_sum_of_all_20_items_0_to_80() -> None:
    assert score("PCL-5", pcl5()).total == 0
    assert score("PCL-5", {f"pcl5_q{n}": 4 for n in range(1, 21)}).total == 80


def test_cluster_subscales_sum_their_items() -> None:
    # B 1-5, C 6-7, D 8-14, E 15-20.
    result = score("PCL-5", pcl5(q1=1, q5=4, q6=2, q7=3, q8=1, q14=4, q15=2, q20=3))
    assert result.subscales == {
        "cluster_b_intrusion": 5,
        "cluster_c_avoidance": 5,
        "cluster_d_cognition_mood": 5,
        "cluster_e_arousal_reactivity": 5,
    }
    assert result.total == 20


MINIMUM_DSM5 = {"q1": 2, "q6": 2, "q8": 2, "q9": 2, "q15": 2, "q16": 2}


def test_dsm5_rule_met_with_exactly_the_minimum_items_at_2() -> None:
    # >= 1 B, >= 1 C, >= 2 D, >= 2 E, each rated >= 2 ("Moderately").
    result = score("PCL-5", pcl5(**MINIMUM_DSM5))
    assert result.has_interpretation("provisional_ptsd")
    # The rule can hold below the cut-point: total 12 is far below 33.
    assert result.total == 12
    assert not result.has_interpretation("positive_screen")


@pytest.mark.parametrize(
    "drop",
    ["q1", "q6", "q8", "q15"],
    ids=["no-B", "no-C", "one-D", "one-E"],
)
def test_dsm5_rule_fails_when_any_cluster_is_short(drop: str) -> None:
    ratings = dict(MINIMUM_DSM5)
    ratings[drop] = 1  # rated 1 ("A little bit") does not count as a symptom
    assert not score("PCL-5", pcl5(**ratings)).has_interpretation("provisional_ptsd")


def test_items_rated_1_never_count_toward_the_dsm5_rule() -> None:
    result = score("PCL-5", {f"pcl5_q{n}": 1 for n in range(1, 21)})
    assert result.total == 20
    assert not result.has_interpretation("provisional_ptsd")


@pytest.mark.parametrize(("total", "band"), [(32, "below_cutoff"), (33, "probable_ptsd")])
def test_default_cut_point_33(total: int, band: str) -> None:
    answers = pcl5()
    remaining = total
    for number in range(1, 21):
        answers[f"pcl5_q{number}"] = min(4, remaining)
        remaining -= answers[f"pcl5_q{number}"]
    result = score("PCL-5", answers)
    assert result.severity == band
    assert result.has_interpretation("positive_screen") is (band == "probable_ptsd")


def test_practice_can_lower_the_cut_point_within_31_to_33() -> None:
    answers = {f"pcl5_q{n}": 0 for n in range(1, 21)}
    answers.update({"pcl5_q1": 4, "pcl5_q2": 4, "pcl5_q3": 4, "pcl5_q4": 4, "pcl5_q5": 4})
    answers.update({"pcl5_q6": 4, "pcl5_q7": 4, "pcl5_q8": 3})  # total 31
    default = score("PCL-5", answers)
    lowered = score(
        "PCL-5", answers, config=PracticeConfig({"PCL-5": InstrumentSettings(screen_cutoff=31)})
    )
    assert default.total == lowered.total == 31
    assert default.severity == "below_cutoff"
    assert lowered.severity == "probable_ptsd"


def test_pcl5_has_no_critical_items() -> None:
    assert score("PCL-5", {f"pcl5_q{n}": 4 for n in range(1, 21)}).critical_flags == ()
