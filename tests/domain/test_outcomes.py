"""Change analysis and treatment-plan objectives (sources in bhlink.domain.outcomes)."""

from __future__ import annotations

import math

import pytest

from bhlink.domain.instruments import (
    InstrumentSettings,
    InstrumentValidationError,
    PracticeConfig,
    UnknownInstrumentError,
    score,
)
from bhlink.domain.outcomes import (
    ChangeKind,
    Comparator,
    ObjectiveStatus,
    ScoreObjective,
    analyze_change,
    evaluate_objective,
    jacobson_truax_threshold,
    parse_objective,
)


def test_phq9_reliable_and_meaningful_improvement() -> None:
    change = analyze_change("PHQ-9", 16, 9)
    assert change.delta == -7
    assert change.change is ChangeKind.BETTER
    assert change.reliable_change_threshold == 6  # IAPT manual
    assert change.reliable_change_method == "threshold"
    assert change.reliable and change.improved and not change.deteriorated
    assert change.clinically_meaningful_improvement  # Löwe 2004: >= 5
    assert change.response is False  # 7/16 = 44% < 50%
    assert change.remission is False
    assert change.percent_change == -43.8
    assert change.sources


@pytest.mark.parametrize(
    ("baseline", "current", "reliable", "meaningful"),
    [(16, 11, False, True), (16, 10, True, True), (16, 12, False, False)],
)
def test_phq9_threshold_edges(
    baseline: int, current: int, reliable: bool, meaningful: bool
) -> None:
    change = analyze_change("PHQ-9", baseline, current)
    assert change.reliable is reliable
    assert change.improved is reliable
    assert change.clinically_meaningful_improvement is meaningful


@pytest.mark.parametrize(
    ("baseline", "current", "response", "remission"),
    [(16, 8, True, False), (16, 9, False, False), (16, 4, True, True), (6, 5, False, False)],
)
def test_phq9_response_and_remission_hedis(
    baseline: int, current: int, response: bool, remission: bool
) -> None:
    # HEDIS DRR-E: response = >= 50% reduction; remission = PHQ-9 < 5.
    change = analyze_change("PHQ-9", baseline, current)
    assert change.response is response
    assert change.remission is remission


def test_worsening_is_a_reliable_deterioration() -> None:
    change = analyze_change("PHQ-9", 10, 16)
    assert change.change is ChangeKind.WORSE
    assert change.deteriorated and not change.improved
    assert change.clinically_meaningful_improvement is False


def test_no_change() -> None:
    change = analyze_change("GAD-7", 12, 12)
    assert change.change is ChangeKind.UNCHANGED
    assert change.reliable is False


def test_higher_is_better_instrument_improves_upwards() -> None:
    up = analyze_change("WHO-5", 40, 52)
    assert up.change is ChangeKind.BETTER and up.improved
    assert up.response is None  # response is defined for higher-is-worse only
    down = analyze_change("WHO-5", 52, 40)
    assert down.change is ChangeKind.WORSE and down.deteriorated


def test_instruments_without_thresholds_report_none_not_false() -> None:
    change = analyze_change("K10", 30, 12)
    assert change.reliable is None
    assert change.improved is None
    assert change.remission is None
    assert change.response is True  # 60% reduction


def test_practice_threshold_override() -> None:
    # GAD-7: IAPT's 4 by default; a practice may use the BYU RCI of 6.
    assert analyze_change("GAD-7", 14, 9).reliable is True
    config = PracticeConfig({"GAD-7": InstrumentSettings(reliable_change=6)})
    overridden = analyze_change("GAD-7", 14, 9, config=config)
    assert overridden.reliable is False
    assert overridden.reliable_change_threshold == 6


def test_jacobson_truax_from_practice_norms() -> None:
    # RCI = delta / sqrt(2 * (SD * sqrt(1 - r))^2); reliable when |RCI| > 1.96.
    config = PracticeConfig({"K10": InstrumentSettings(reference_sd=6, reference_reliability=0.89)})
    threshold = jacobson_truax_threshold(6, 0.89)
    assert threshold == pytest.approx(1.96 * 6 * math.sqrt(2 * 0.11))
    reliable = analyze_change("K10", 30, 24, config=config)
    assert reliable.reliable_change_method == "jacobson_truax"
    assert reliable.rci == pytest.approx(-6 / math.sqrt(2 * (6 * math.sqrt(0.11)) ** 2))
    assert reliable.reliable and reliable.improved
    assert analyze_change("K10", 30, 25, config=config).reliable is False


def test_jacobson_truax_rejects_impossible_norms() -> None:
    with pytest.raises(ValueError):
        jacobson_truax_threshold(0, 0.8)
    with pytest.raises(ValueError):
        jacobson_truax_threshold(5, 1)


def test_scored_results_can_be_compared_directly() -> None:
    baseline = score("GAD-7", {f"gad7_q{n}": 2 for n in range(1, 8)})
    current = score("GAD-7", {f"gad7_q{n}": 0 for n in range(1, 8)})
    change = analyze_change("GAD-7", baseline, current)
    assert (change.baseline, change.current, change.remission) == (14, 0, True)


def test_baseline_zero_has_no_percent_change_or_response() -> None:
    change = analyze_change("PHQ-9", 0, 3)
    assert change.percent_change is None
    assert change.response is None


@pytest.mark.parametrize(
    ("baseline", "current", "fields"),
    [
        (28, 3, ["baseline"]),
        (-1, 30, ["baseline", "current"]),
        (True, 3, ["baseline"]),
        (float("nan"), 3, ["baseline"]),
        ("12", 3, ["baseline"]),
    ],
)
def test_bad_scores_are_rejected(baseline: object, current: object, fields: list[str]) -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        analyze_change("PHQ-9", baseline, current)  # type: ignore[arg-type]
    assert [error.field for error in caught.value.errors] == fields


def test_result_of_another_instrument_is_rejected() -> None:
    gad = score("GAD-7", {f"gad7_q{n}": 1 for n in range(1, 8)})
    with pytest.raises(InstrumentValidationError) as caught:
        analyze_change("PHQ-9", gad, 3)
    assert [error.field for error in caught.value.errors] == ["baseline"]


def test_tier_instruments_have_no_change_analysis() -> None:
    with pytest.raises(InstrumentValidationError):
        analyze_change("C-SSRS-SCREENER", 1, 0)


def test_unknown_instrument() -> None:
    with pytest.raises(UnknownInstrumentError):
        analyze_change("HAM-D", 10, 5)


# -- objectives ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PHQ-9 < 10", ScoreObjective("PHQ-9", Comparator.LT, 10)),
        ("phq-9<=9", ScoreObjective("PHQ-9", Comparator.LE, 9)),
        ("WHO-5 ≥ 52", ScoreObjective("WHO-5", Comparator.GE, 52)),
        ("  GAD-7 > 4.5 ", ScoreObjective("GAD-7", Comparator.GT, 4.5)),
    ],
)
def test_parse_objective(text: str, expected: ScoreObjective) -> None:
    assert parse_objective(text) == expected


def test_objective_renders_back_to_text() -> None:
    assert str(parse_objective("phq-9 < 10")) == "PHQ-9 < 10"


@pytest.mark.parametrize(
    "text",
    ["PHQ-9 = 10", "less than 10 on the PHQ-9", "PHQ-9 < 28", "C-SSRS-SCREENER < 1", "FOO < 3", ""],
)
def test_bad_objectives_are_rejected_without_echo(text: str) -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        parse_objective(text)
    assert [error.field for error in caught.value.errors] == ["objective"]
    if len(text) > 12:
        assert text not in str(caught.value)


@pytest.mark.parametrize(
    ("objective", "baseline", "current", "status", "progress", "remaining"),
    [
        # "< 10" is met from 9: progress is measured towards 9.
        ("PHQ-9 < 10", 20, 9, ObjectiveStatus.MET, 1.0, 0.0),
        ("PHQ-9 < 10", 20, 10, ObjectiveStatus.PROGRESSING, 0.909, 1.0),
        ("PHQ-9 < 10", 20, 14, ObjectiveStatus.PROGRESSING, 0.545, 5.0),
        ("PHQ-9 < 10", 14, 16, ObjectiveStatus.NOT_MET, 0.0, 7.0),
        ("PHQ-9 <= 9", 9, 12, ObjectiveStatus.NOT_MET, 0.0, 3.0),
        ("WHO-5 >= 52", 28, 40, ObjectiveStatus.PROGRESSING, 0.5, 12.0),
        ("WHO-5 >= 52", 28, 56, ObjectiveStatus.MET, 1.0, 0.0),
        ("GAD-7 > 4.5", 0, 3, ObjectiveStatus.PROGRESSING, 0.6, 2.0),
    ],
)
def test_evaluate_objective(
    objective: str,
    baseline: int,
    current: int,
    status: ObjectiveStatus,
    progress: float,
    remaining: float,
) -> None:
    evaluation = evaluate_objective(objective, current, baseline=baseline)
    assert evaluation.status is status
    assert evaluation.met is (status is ObjectiveStatus.MET)
    assert evaluation.progress == progress
    assert evaluation.remaining == remaining


def test_objective_without_baseline_has_no_progress() -> None:
    evaluation = evaluate_objective(parse_objective("PHQ-9 < 10"), 12)
    assert evaluation.status is ObjectiveStatus.NOT_MET
    assert evaluation.progress is None
    assert evaluation.remaining == 3  # 12 -> 9


def test_objective_rejects_scores_off_the_scale() -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        evaluate_objective("PHQ-9 < 10", 40, baseline=-2)
    assert sorted(error.field for error in caught.value.errors) == ["baseline", "current"]
