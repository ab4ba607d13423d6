"""WHO-5 Well-Being Index: five items 0-5, reported as a 0-100 percentage; higher is better.

Rules and their sources (each checked):

* Items scored 0 (at no time) to 5 (all of the time); raw score = sum (0-25); the
  percentage score = raw x 4 (0-100) and is the total reported here, because change is
  monitored on it (Valant WHO-5 page; MedicalAlgorithms WHO-5; Topp et al., Psychother
  Psychosom 2015;84:167-176).
* Higher is better: 0 = worst, 100 = best possible well-being.
* "A score below 13 indicates poor well-being and is an indication for testing for
  depression"; also test "if the patient has answered 0 to 1 to any of the five items"
  (WHO-5 guidance via MedicalAlgorithms). Raw < 13 is percentage <= 48; with the
  review's <= 50 and <= 28 ("likely depression", Topp 2015) the bands are 0-28 likely
  depression, 29-50 poor well-being, 51-100 adequate well-being.
* "A 10% difference indicates a significant change" on the percentage score (Valant,
  citing the WHO-5 guidance): used as both the reliable and meaningful change.
* No critical item; an item at 0 or 1 yields the interpretation ``low_item_score``.
* LOINC: not verified; none shipped.
"""

from __future__ import annotations

from bhlink.domain.instruments._model import (
    AnswerSheet,
    ChangeDefaults,
    Direction,
    Instrument,
    InstrumentSettings,
    Interpretation,
    Item,
    LoincCodes,
    ScoredResult,
    ScreenCutoff,
    SeverityBand,
    Sex,
    Threshold,
)
from bhlink.domain.instruments._options import options
from bhlink.domain.instruments._scoring import (
    build_result,
    item_scores,
    screen_interpretation,
    sum_items,
)

__all__ = ["INSTRUMENT"]

_OPTIONS = options(
    ("at_no_time", "At no time"),
    ("some_of_the_time", "Some of the time"),
    ("less_than_half_of_the_time", "Less than half of the time"),
    ("more_than_half_of_the_time", "More than half of the time"),
    ("most_of_the_time", "Most of the time"),
    ("all_of_the_time", "All of the time"),
)

_TOPICS: tuple[str, ...] = (
    "cheerful and in good spirits",
    "calm and relaxed",
    "active and vigorous",
    "waking fresh and rested",
    "daily life filled with interesting things",
)

_PERCENT_PER_POINT = 4
_LOW_ITEM = 1


def _score(
    instrument: Instrument, sheet: AnswerSheet, sex: Sex | None, settings: InstrumentSettings
) -> ScoredResult:
    scores = item_scores(instrument, sheet)
    raw = sum_items(scores, instrument.item_ids)
    total = raw * _PERCENT_PER_POINT
    interpretations = screen_interpretation(
        instrument, total, sex, settings, positive_message="poor well-being: test for depression"
    )
    low_items = [item_id for item_id in instrument.item_ids if scores[item_id] <= _LOW_ITEM]
    if low_items:
        interpretations += (
            Interpretation(
                "low_item_score",
                f"{', '.join(low_items)} scored 0 or 1: test for depression",
            ),
        )
    return build_result(
        instrument,
        sheet,
        scores,
        total=total,
        prorated=False,
        sex=sex,
        settings=settings,
        subscales={"raw": raw},
        interpretations=interpretations,
    )


INSTRUMENT = Instrument(
    id="WHO-5",
    name="WHO-Five Well-Being Index",
    version="1.0",
    slug="who-5",
    direction=Direction.HIGHER_IS_BETTER,
    items=tuple(
        Item(
            id=f"who5_q{number}",
            label=str(number),
            topic=_TOPICS[number - 1],
            options=_OPTIONS,
        )
        for number in range(1, 6)
    ),
    total_min=0,
    total_max=100,
    scoring_rule="Raw sum of 5 items (0-5 each) x 4 = percentage 0-100.",
    bands=(
        SeverityBand("likely_depression", "Likely depression", 0, 28),
        SeverityBand("poor_wellbeing", "Poor well-being", 29, 50),
        SeverityBand("adequate_wellbeing", "Adequate well-being", 51, 100),
    ),
    critical_rules=(),
    change=ChangeDefaults(
        reliable_change=Threshold(10, "WHO-5 guidance: a 10-point (%) difference is significant"),
        clinically_meaningful_change=Threshold(10, "WHO-5 guidance: 10 percentage points"),
    ),
    screen_cutoff=ScreenCutoff(50, "Topp et al. 2015: <= 50 screen for depression"),
    loinc=LoincCodes(panel=None, total=None, note="No LOINC code verified for the WHO-5."),
    licence=(
        "Free to use (Psychiatric Research Unit, Mental Health Centre North Zealand). Item "
        "wording not shipped yet."
    ),
    sources=(
        "Topp CW, Østergaard SD, Søndergaard S, Bech P. Psychother Psychosom 2015;84:167-176",
        "WHO (Regional Office for Europe) 1998: WHO-5 Well-Being Index",
    ),
    scorer=_score,
)
