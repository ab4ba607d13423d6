"""Treatment plan structure, measurable thresholds and review dates."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from bhlink.domain.treatment_plans import (
    DEFAULT_REVIEW_INTERVAL_DAYS,
    Comparator,
    PlanItemStatus,
    Threshold,
    ThresholdSyntaxError,
    TreatmentPlanError,
    make_threshold,
    parse_threshold,
    parse_treatment_plan,
    review_due_date,
    validate_treatment_plan,
)


def plan_json() -> dict[str, object]:
    return {
        "effectiveDate": "2026-01-05",
        "problems": [
            {
                "description": "Persistent worry interferes with work",
                "diagnosisCode": "f411",
                "goals": [
                    {
                        "description": "Manage anxiety",
                        "targetDate": "2026-06-30",
                        "progress": 20,
                        "objectives": [
                            {
                                "description": "GAD-7 below the moderate range",
                                "targetDate": "2026-04-01",
                                "measure": {
                                    "instrumentId": "GAD-7",
                                    "comparator": "<",
                                    "value": 10,
                                },
                                "interventions": [
                                    {
                                        "description": "Weekly CBT",
                                        "frequency": "weekly",
                                        "providerId": "prv_41cf92",
                                    }
                                ],
                            }
                        ],
                    },
                    {
                        "description": "Sleep through the night",
                        "status": "partially_met",
                        "objectives": [
                            {
                                "description": "PHQ-9 under 10",
                                "targetDate": "2026-03-01",
                                "measure": "PHQ-9 <= 9",
                                "interventions": [{"description": "Sleep hygiene coaching"}],
                            }
                        ],
                    },
                ],
            }
        ],
    }


def fields_of(data: dict[str, object]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in validate_treatment_plan(data)]


def test_valid_plan_parses_into_typed_records() -> None:
    plan = parse_treatment_plan(plan_json())
    assert plan.effective_date == date(2026, 1, 5)
    assert plan.review_interval_days == DEFAULT_REVIEW_INTERVAL_DAYS
    problem = plan.problems[0]
    assert problem.diagnosis_code == "F41.1"
    first, second = problem.goals
    assert first.progress == 20 and first.status is PlanItemStatus.ACTIVE
    assert second.status is PlanItemStatus.PARTIALLY_MET and second.target_date is None
    measure = first.objectives[0].measure
    assert measure == Threshold("GAD-7", Comparator.LT, Decimal(10))
    assert second.objectives[0].measure == Threshold("PHQ-9", Comparator.LE, Decimal(9))
    assert first.objectives[0].interventions[0].provider_id == "prv_41cf92"
    assert validate_treatment_plan(plan_json()) == []


def test_review_is_due_ninety_days_after_the_effective_date_by_default() -> None:
    plan = parse_treatment_plan(plan_json())
    assert plan.review_due == date(2026, 4, 5)
    assert not plan.is_review_due(date(2026, 4, 4))
    assert plan.is_review_due(date(2026, 4, 5))
    assert review_due_date(date(2026, 1, 1)) == date(2026, 4, 1)
    assert review_due_date(date(2026, 1, 1), 30) == date(2026, 1, 31)
    custom = plan_json() | {"reviewIntervalDays": 180}
    assert parse_treatment_plan(custom).review_due == date(2026, 7, 4)


@pytest.mark.parametrize("days", [0, -1, 367, True, 30.0, "90"])
def test_bad_review_interval_is_refused(days: object) -> None:
    with pytest.raises(TreatmentPlanError):
        review_due_date(date(2026, 1, 1), days)  # type: ignore[arg-type]
    assert ("reviewIntervalDays", "plan.review_interval") in fields_of(
        plan_json() | {"reviewIntervalDays": days}
    )


def test_review_due_date_needs_a_date() -> None:
    with pytest.raises(TreatmentPlanError):
        review_due_date("2026-01-01")  # type: ignore[arg-type]


def test_missing_target_date_is_named_by_its_full_path() -> None:
    data = plan_json()
    objective = data["problems"][0]["goals"][1]["objectives"][0]  # type: ignore[index]
    del objective["targetDate"]
    assert fields_of(data) == [("problems[0].goals[1].objectives[0].targetDate", "plan.missing")]
    with pytest.raises(TreatmentPlanError) as caught:
        parse_treatment_plan(data)
    assert "problems[0].goals[1].objectives[0].targetDate" in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    data = copy.deepcopy(plan_json())
    data["effectiveDate"] = "2026-13-01"
    problem = data["problems"][0]  # type: ignore[index]
    problem["diagnosisCode"] = "F41"
    goal = problem["goals"][0]
    goal["progress"] = 120
    goal["status"] = "done"
    objective = goal["objectives"][0]
    objective["targetDate"] = "2026-07-01"  # after the goal's 2026-06-30
    objective["measure"] = {"instrumentId": "GAD-7", "comparator": "=", "value": "ten"}
    objective["interventions"] = []
    found = fields_of(data)
    assert ("effectiveDate", "plan.date") in found
    assert ("problems[0].diagnosisCode", "icd10.not_billable") in found
    assert ("problems[0].goals[0].progress", "plan.progress") in found
    assert ("problems[0].goals[0].status", "plan.status") in found
    assert ("problems[0].goals[0].objectives[0].targetDate", "plan.objective_after_goal") in found
    assert (
        "problems[0].goals[0].objectives[0].measure.comparator",
        "threshold.comparator",
    ) in found
    assert ("problems[0].goals[0].objectives[0].measure.value", "threshold.value") in found
    assert ("problems[0].goals[0].objectives[0].interventions", "plan.empty") in found


def test_dates_before_the_effective_date_are_refused() -> None:
    data = plan_json()
    goal = data["problems"][0]["goals"][0]  # type: ignore[index]
    goal["targetDate"] = "2025-12-31"
    assert ("problems[0].goals[0].targetDate", "plan.date_order") in fields_of(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, [("effectiveDate", "plan.missing"), ("problems", "plan.empty")]),
        ({"effectiveDate": "2026-01-05", "problems": []}, [("problems", "plan.empty")]),
        (
            {"effectiveDate": "20260105", "problems": "none"},
            [("effectiveDate", "plan.date"), ("problems", "plan.empty")],
        ),
        ({"effectiveDate": "2026-01-05", "problems": ["x"]}, [("problems[0]", "plan.shape")]),
        (
            {"effectiveDate": "2026-01-05", "problems": [{"description": " ", "goals": []}]},
            [("problems[0].description", "plan.missing"), ("problems[0].goals", "plan.empty")],
        ),
    ],
)
def test_structural_problems(data: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert fields_of(data) == expected


def test_plan_that_is_not_an_object_is_refused() -> None:
    assert fields_of(["plan"]) == [("$", "plan.shape")]  # type: ignore[arg-type]


def test_bad_intervention_and_diagnosis_types() -> None:
    data = plan_json()
    problem = data["problems"][0]  # type: ignore[index]
    problem["diagnosisCode"] = 411
    intervention = problem["goals"][0]["objectives"][0]["interventions"][0]
    intervention["frequency"] = ""
    intervention["description"] = None
    assert fields_of(data) == [
        ("problems[0].diagnosisCode", "icd10.bad_format"),
        ("problems[0].goals[0].objectives[0].interventions[0].description", "plan.missing"),
        ("problems[0].goals[0].objectives[0].interventions[0].frequency", "plan.bad_text"),
    ]


@pytest.mark.parametrize(
    ("text", "instrument", "comparator", "value"),
    [
        ("PHQ-9 < 10", "PHQ-9", Comparator.LT, "10"),
        ("PHQ-9<10", "PHQ-9", Comparator.LT, "10"),
        ("GAD-7 <= 4", "GAD-7", Comparator.LE, "4"),
        ("PCL-5 > 33", "PCL-5", Comparator.GT, "33"),
        ("  C-SSRS >= 0.5 ", "C-SSRS", Comparator.GE, "0.5"),
    ],
)
def test_parse_threshold(text: str, instrument: str, comparator: Comparator, value: str) -> None:
    threshold = parse_threshold(text)
    assert threshold == Threshold(instrument, comparator, Decimal(value))


@pytest.mark.parametrize(
    "text",
    [
        "PHQ-9 = 10",
        "PHQ-9 == 10",
        "PHQ-9 =< 10",
        "PHQ-9 < ten",
        "< 10",
        "PHQ-9 <",
        "",
        "9PHQ < 10",
        "PHQ-9 < 10 < 20",
        "PHQ-9 ≤ 10",
    ],
)
def test_parse_threshold_refuses_bad_expressions(text: str) -> None:
    with pytest.raises(ThresholdSyntaxError) as caught:
        parse_threshold(text, "measure")
    assert caught.value.problems[0].field == "measure"


def test_threshold_is_met_at_the_boundary_per_comparator() -> None:
    assert parse_threshold("PHQ-9 < 10").is_met(9)
    assert not parse_threshold("PHQ-9 < 10").is_met(10)
    assert parse_threshold("PHQ-9 <= 10").is_met(10)
    assert not parse_threshold("PHQ-9 > 10").is_met(10)
    assert parse_threshold("PHQ-9 >= 10").is_met(10)
    assert str(parse_threshold("GAD-7<=4")) == "GAD-7 <= 4"
    assert parse_threshold("GAD-7<=4").to_dict() == {
        "instrumentId": "GAD-7",
        "comparator": "<=",
        "value": "4",
    }


def test_make_threshold_checks_each_part() -> None:
    assert make_threshold("PHQ-9", "<", 9.5) == Threshold("PHQ-9", Comparator.LT, Decimal("9.5"))
    assert make_threshold("PHQ-9", ">=", "12").value == Decimal(12)
    with pytest.raises(ThresholdSyntaxError) as caught:
        make_threshold("", "!=", float("nan"), "m")
    assert [p.field for p in caught.value.problems] == ["m.instrumentId", "m.comparator", "m.value"]
    with pytest.raises(ThresholdSyntaxError):
        make_threshold("PHQ-9", "<", True)
