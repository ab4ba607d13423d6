"""AUDIT-C (Bush 1998, Bradley 2003) and AUDIT (WHO 2001) rules."""

from __future__ import annotations

import pytest

from bhlink.domain.instruments import (
    InstrumentSettings,
    InstrumentValidationError,
    PracticeConfig,
    score,
)


def auditc(q1: int, q2: int = 0, q3: int = 0) -> dict[str, int]:
    return {"auditc_q1": q1, "auditc_q2": q2, "auditc_q3": q3}


# Positive: >= 4 men, >= 3 women. Edges on both sides for each sex.
@pytest.mark.parametrize(
    ("total_answers", "sex", "band"),
    [
        (auditc(2, 1), "male", "negative"),  # 3, below the men's cut-off
        (auditc(2, 2), "male", "positive"),  # 4
        (auditc(2, 0), "female", "negative"),  # 2
        (auditc(2, 1), "female", "positive"),  # 3
    ],
)
def test_auditc_sex_specific_cutoffs(total_answers: dict[str, int], sex: str, band: str) -> None:
    result = score("AUDIT-C", total_answers, sex=sex)
    assert result.severity == band
    assert result.has_interpretation("positive_screen") is (band == "positive")
    assert not result.has_interpretation("sex_specific_cutoff_not_applied")


@pytest.mark.parametrize("sex", [None, "other", "unknown"])
def test_auditc_without_male_or_female_uses_the_sensitive_cutoff_and_says_so(
    sex: str | None,
) -> None:
    result = score("AUDIT-C", auditc(2, 1), sex=sex)
    assert result.total == 3
    assert result.severity == "positive"
    assert result.has_interpretation("sex_specific_cutoff_not_applied")


def test_auditc_practice_cutoff_replaces_both_sexes() -> None:
    config = PracticeConfig({"AUDIT-C": InstrumentSettings(screen_cutoff=5)})
    assert score("AUDIT-C", auditc(2, 2), sex="male", config=config).severity == "negative"
    assert score("AUDIT-C", auditc(3, 2), sex="female", config=config).severity == "positive"


def audit(**values: int) -> dict[str, int]:
    answers = {f"audit_q{number}": 0 for number in range(1, 11)}
    answers.update({f"audit_{key}": value for key, value in values.items()})
    return answers


@pytest.mark.parametrize(
    ("answers", "total", "zone"),
    [
        (audit(), 0, "low_risk"),
        (audit(q1=4, q2=3), 7, "low_risk"),
        (audit(q1=4, q2=4), 8, "hazardous"),
        (audit(q1=4, q2=4, q3=4, q7=3), 15, "hazardous"),
        (audit(q1=4, q2=4, q3=4, q7=4), 16, "harmful"),
        (audit(q1=4, q2=4, q3=4, q7=4, q8=3), 19, "harmful"),
        (audit(q1=4, q2=4, q3=4, q7=4, q8=4), 20, "possible_dependence"),
    ],
)
def test_audit_zone_edges(answers: dict[str, int], total: int, zone: str) -> None:
    result = score("AUDIT", answers)
    assert (result.total, result.severity) == (total, zone)


def test_audit_maximum_is_40() -> None:
    result = score("AUDIT", audit(**{f"q{n}": 4 for n in range(1, 11)}))
    assert result.total == 40


@pytest.mark.parametrize("value", [1, 3])
def test_audit_q9_and_q10_only_accept_0_2_4(value: int) -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("AUDIT", audit(q9=value, q10=value))
    assert sorted(error.field for error in caught.value.errors) == [
        "answers.audit_q10",
        "answers.audit_q9",
    ]


def test_audit_q9_q10_score_0_2_4() -> None:
    assert score("AUDIT", audit(q9=2)).total == 2
    assert score("AUDIT", audit(q9=4, q10=4)).total == 8
    assert score("AUDIT", audit(q9="yes_during_the_last_year")).total == 4  # type: ignore[arg-type]


def test_audit_domains() -> None:
    result = score("AUDIT", audit(q1=1, q2=2, q3=3, q4=1, q6=1, q7=1, q10=2))
    assert result.subscales == {"hazardous_use": 6, "dependence": 2, "harmful_use": 3}


@pytest.mark.parametrize(
    ("answers", "raised"),
    [
        (audit(q1=2), False),
        (audit(q1=2, q4=1), False),  # dependence 1: below 2
        (audit(q1=2, q4=2), True),  # dependence items score 2
        (audit(q1=2, q5=1, q6=1), True),  # sum of Q4-6 = 2
        (audit(q9=2), False),  # injury, but not in the last year
        (audit(q9=4), True),
        (audit(q10=4), True),
    ],
)
def test_audit_next_zone_rule(answers: dict[str, int], raised: bool) -> None:
    # WHO 2001: next highest level of intervention for 2+ on Q4-6 or 4 on Q9/Q10.
    result = score("AUDIT", answers)
    assert result.has_interpretation("intervention_zone_raised") is raised
    if raised:
        message = next(
            i.message for i in result.interpretations if i.code == "intervention_zone_raised"
        )
        assert "Zone II" in message
    assert result.critical_flags == ()
