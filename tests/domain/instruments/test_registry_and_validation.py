"""Registry access, cross-instrument invariants and every class of bad input."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bhlink.domain.instruments import (
    Direction,
    Instrument,
    InstrumentSettings,
    InstrumentValidationError,
    PracticeConfig,
    Sex,
    UnknownInstrumentError,
    get_instrument,
    list_instruments,
    score,
)

EXPECTED_IDS = {
    "AUDIT",
    "AUDIT-C",
    "C-SSRS-SCREENER",
    "CORE-10",
    "DAST-10",
    "EPDS",
    "GAD-2",
    "GAD-7",
    "K10",
    "PCL-5",
    "PHQ-2",
    "PHQ-9",
    "PHQ-A",
    "WHO-5",
}


def phq9(**overrides: object) -> dict[str, Any]:
    answers: dict[str, Any] = {f"phq9_q{n}": 1 for n in range(1, 10)}
    answers.update(overrides)
    return answers


def fields(error: InstrumentValidationError) -> list[str]:
    return [item.field for item in error.errors]


# -- registry ---------------------------------------------------------------------------


def test_registry_lists_every_shipped_instrument_sorted() -> None:
    ids = [instrument.id for instrument in list_instruments()]
    assert set(ids) == EXPECTED_IDS
    assert ids == sorted(ids)


def test_get_instrument_returns_the_declared_instrument() -> None:
    instrument = get_instrument("PHQ-9")
    assert instrument.id == "PHQ-9"
    assert instrument.direction is Direction.HIGHER_IS_WORSE
    assert instrument.loinc.total == "44261-6"


@pytest.mark.parametrize("bad_id", ["phq-9", "PHQ9", "", "BDI-II"])
def test_unknown_instrument_is_a_validation_error_without_echo(bad_id: str) -> None:
    with pytest.raises(UnknownInstrumentError) as caught:
        score(bad_id, {})
    assert isinstance(caught.value, InstrumentValidationError)
    assert fields(caught.value) == ["instrument"]
    if bad_id:
        assert bad_id not in caught.value.errors[0].message


# -- invariants every instrument must satisfy --------------------------------------------


@pytest.mark.parametrize("instrument", list_instruments(), ids=lambda i: i.id)
def test_bands_are_contiguous_and_cover_the_whole_scale(instrument: Instrument) -> None:
    if not instrument.has_total:
        return
    for sex in (None, Sex.MALE, Sex.FEMALE):
        bands = sorted(instrument.bands_for(sex), key=lambda band: band.min)
        if not bands:
            continue
        assert bands[0].min == instrument.total_min
        assert bands[-1].max == instrument.total_max
        for lower, upper in itertools.pairwise(bands):
            assert upper.min == lower.max + 1


@pytest.mark.parametrize("instrument", list_instruments(), ids=lambda i: i.id)
def test_every_instrument_declares_licence_sources_and_unique_item_ids(
    instrument: Instrument,
) -> None:
    assert instrument.licence
    assert instrument.sources
    assert len(set(instrument.item_ids)) == len(instrument.item_ids)
    for item in instrument.items:
        assert item.options
        assert len({option.value for option in item.options}) == len(item.options)
        assert len({option.code for option in item.options}) == len(item.options)
    for rule in instrument.critical_rules:
        assert rule.item_id in instrument.item_ids


@pytest.mark.parametrize("instrument_id", ["EPDS", "C-SSRS-SCREENER", "DAST-10", "CORE-10"])
def test_restricted_instruments_ship_no_item_text(instrument_id: str) -> None:
    instrument = get_instrument(instrument_id)
    assert all(item.text is None for item in instrument.items)
    assert "not shipped" in instrument.licence


def test_epds_ships_no_answer_wording_either() -> None:
    instrument = get_instrument("EPDS")
    assert all(option.label is None for item in instrument.items for option in item.options)


# -- bad input: one test per validation class ---------------------------------------------


def test_answers_must_be_a_mapping() -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", [1, 2, 3])  # type: ignore[arg-type]
    assert fields(caught.value) == ["answers"]


def test_unknown_question_id_is_named() -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", phq9(phq9_q11=1))
    assert fields(caught.value) == ["answers.phq9_q11"]
    assert "unknown question id" in caught.value.errors[0].message


def test_an_unknown_key_that_looks_like_free_text_is_not_echoed() -> None:
    secret = "my husband hits me"
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", phq9(**{secret: 1}))
    assert fields(caught.value) == ["answers"]
    assert secret not in str(caught.value)


def test_missing_items_are_each_reported() -> None:
    answers = phq9()
    del answers["phq9_q3"]
    answers["phq9_q7"] = None
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", answers)
    assert sorted(fields(caught.value)) == ["answers.phq9_q3", "answers.phq9_q7"]
    assert all("required" in item.message for item in caught.value.errors)


@pytest.mark.parametrize("value", [4, -1, 99])
def test_out_of_range_value_is_rejected(value: int) -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", phq9(phq9_q3=value))
    assert fields(caught.value) == ["answers.phq9_q3"]
    assert "0, 1, 2, 3" in caught.value.errors[0].message


@pytest.mark.parametrize("value", [True, False])
def test_bool_is_not_an_integer_answer(value: bool) -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", phq9(phq9_q3=value))
    assert fields(caught.value) == ["answers.phq9_q3"]
    assert "boolean" in caught.value.errors[0].message


@pytest.mark.parametrize("value", [1.0, 2.5, [1], {"v": 1}])
def test_non_integer_values_are_rejected(value: object) -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", phq9(phq9_q3=value))
    assert fields(caught.value) == ["answers.phq9_q3"]


@pytest.mark.parametrize("text", ["2", "I feel awful most days", "several days"])
def test_free_text_is_never_summed_nor_echoed(text: str) -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", phq9(phq9_q3=text))
    assert fields(caught.value) == ["answers.phq9_q3"]
    assert "text is not a valid answer" in caught.value.errors[0].message
    if len(text) > 1:  # a lone digit also appears in the list of allowed values
        assert text not in str(caught.value)


def test_option_codes_are_accepted_in_place_of_values() -> None:
    by_value = score("PHQ-9", phq9(phq9_q3=2))
    by_code = score("PHQ-9", phq9(phq9_q3="more_than_half_the_days"))
    assert by_code.total == by_value.total == 10
    assert by_code.answers["phq9_q3"] == 2


def test_all_problems_are_reported_at_once() -> None:
    answers = phq9(phq9_q1=True, phq9_q2=7, phq9_q3="text", extra=1)
    del answers["phq9_q4"]
    with pytest.raises(InstrumentValidationError) as caught:
        score("PHQ-9", answers)
    assert sorted(fields(caught.value)) == [
        "answers.extra",
        "answers.phq9_q1",
        "answers.phq9_q2",
        "answers.phq9_q3",
        "answers.phq9_q4",
    ]
    assert caught.value.as_dicts()[0].keys() == {"field", "message"}


@pytest.mark.parametrize("sex", ["M", "woman", 1])
def test_sex_must_be_an_administrative_gender_code(sex: object) -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        score("AUDIT-C", {"auditc_q1": 1, "auditc_q2": 1, "auditc_q3": 1}, sex=sex)  # type: ignore[arg-type]
    assert fields(caught.value) == ["sex"]


def test_sex_is_case_insensitive() -> None:
    result = score("AUDIT-C", {"auditc_q1": 2, "auditc_q2": 1, "auditc_q3": 0}, sex="Female")
    assert result.severity == "positive"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (InstrumentSettings(reliable_change=0), "config.PHQ-9.reliable_change"),
        (
            InstrumentSettings(reference_reliability=1.0, reference_sd=5),
            "config.PHQ-9.reference_reliability",
        ),
        (InstrumentSettings(reference_sd=5), "config.PHQ-9.reference_sd"),
        (InstrumentSettings(response_reduction=1.5), "config.PHQ-9.response_reduction"),
    ],
)
def test_practice_config_is_validated(settings: InstrumentSettings, field: str) -> None:
    with pytest.raises(InstrumentValidationError) as caught:
        PracticeConfig({"PHQ-9": settings})
    assert field in fields(caught.value)
