"""K10: Kessler Psychological Distress Scale, ten items scored 1-5 with two skip rules.

Rules and their sources (each checked):

* Ten items scored 1 (none of the time) to 5 (all of the time); total 10-50
  (Kessler et al., Psychol Med 2002;32:959-976; ABS 4363.0 National Health Survey
  Users' Guide 2014-15: "scored from 1 for 'none' to 5 for 'all of the time'").
  US versions recode to 0-4 (total 0-40); this instrument uses the 1-5 scoring so the
  ABS bands apply.
* Skip logic: question 3 is not asked when question 2 is "none of the time", and
  question 6 is not asked when question 5 is "none of the time" (MedicalDirector K10
  assessment: "Question 3 became redundant, and is therefore automatically disabled").
  A skipped question scores 1 ("none of the time"): it asks about a more intense form
  of the feeling the previous question already ruled out.
* Bands (ABS National Health Survey): 10-15 low, 16-21 moderate, 22-29 high,
  30-50 very high.
* No critical item. No author-published reliable-change value: a practice can supply
  its own norms (``reference_sd`` and ``reference_reliability``, e.g. test-retest ICC
  .89) for a Jacobson-Truax test.
* LOINC: no K10 panel or total code was found (only the K6 inside PhenX 62746-3).
"""

from __future__ import annotations

from bhlink.domain.instruments._model import (
    AskedWhen,
    ChangeDefaults,
    Direction,
    Instrument,
    Item,
    LoincCodes,
    SeverityBand,
    Threshold,
)
from bhlink.domain.instruments._options import options
from bhlink.domain.instruments._scoring import standard_scorer

__all__ = ["INSTRUMENT"]

_NONE_OF_THE_TIME = 1
_OPTIONS = options(
    ("none_of_the_time", "None of the time"),
    ("a_little_of_the_time", "A little of the time"),
    ("some_of_the_time", "Some of the time"),
    ("most_of_the_time", "Most of the time"),
    ("all_of_the_time", "All of the time"),
    start=1,
)
_ASKED_VALUES = frozenset({2, 3, 4, 5})

_TOPICS: tuple[str, ...] = (
    "tired out for no good reason",
    "nervous",
    "so nervous nothing could calm down",
    "hopeless",
    "restless or fidgety",
    "so restless could not sit still",
    "depressed",
    "everything an effort",
    "so sad nothing could cheer up",
    "worthless",
)

_SKIPS = {
    3: AskedWhen("k10_q2", _ASKED_VALUES, skipped_value=_NONE_OF_THE_TIME),
    6: AskedWhen("k10_q5", _ASKED_VALUES, skipped_value=_NONE_OF_THE_TIME),
}

INSTRUMENT = Instrument(
    id="K10",
    name="Kessler Psychological Distress Scale",
    version="1.0",
    slug="k10",
    direction=Direction.HIGHER_IS_WORSE,
    items=tuple(
        Item(
            id=f"k10_q{number}",
            label=str(number),
            topic=_TOPICS[number - 1],
            options=_OPTIONS,
            asked_when=_SKIPS.get(number),
        )
        for number in range(1, 11)
    ),
    total_min=10,
    total_max=50,
    scoring_rule="Sum of 10 items scored 1-5; skipped Q3/Q6 score 1.",
    bands=(
        SeverityBand("low", "Low", 10, 15),
        SeverityBand("moderate", "Moderate", 16, 21),
        SeverityBand("high", "High", 22, 29),
        SeverityBand("very_high", "Very high", 30, 50),
    ),
    critical_rules=(),
    change=ChangeDefaults(
        response_reduction=Threshold(0.5, "Conventional >= 50% reduction from baseline"),
    ),
    screen_cutoff=None,
    loinc=LoincCodes(panel=None, total=None, note="No K10 panel or total code found."),
    licence=(
        "Free for use with citation (Kessler; WHO copyright on some versions). Item wording "
        "not shipped yet."
    ),
    sources=(
        "Kessler RC et al. Psychol Med 2002;32(6):959-976",
        "Australian Bureau of Statistics, National Health Survey: K10 bands",
        "MedicalDirector Clinical: Distress (K10) Assessment (skip logic)",
    ),
    scorer=standard_scorer,
)
