"""CORE-10: ten-item psychological distress measure; items 2 and 3 reversed; one-item proration.

Rules and their sources (each checked):

* Ten items answered on five columns, "Not at all" (0) to "Most or all of the time" (4);
  items 2 ("someone to turn to") and 3 ("able to cope") are positively worded and
  reverse-scored (4 - value) (CamCOPS core10.py; CORE System Trust form). One secondary
  web page says "items 3 and 4": that is wrong.
* Clinical score = mean item score x 10, which for a complete form is the plain sum
  0-40. Pro-rating is allowed "if one item was missing" and no more (CORE System
  Trust, "What's in a name (1): scoring CORE measures"). CamCOPS prorates with any
  number missing, and LamplightCRM showed one answered item scoring 40: both defects
  are avoided here. The prorated score is rounded half-up to one decimal.
* Bands (Barkham et al., Couns Psychother Res 2013;13:3-13; CORE-OM bandings):
  0-5 healthy, 6-10 low level, 11-14 mild, 15-19 moderate, 20-24 moderately severe,
  25-40 severe; clinical cut-off 11.
* Critical item: item 6 ("made plans to end my life") > 0. If item 6 is the unanswered
  item the risk item cannot be judged, which the result reports.
* Reliable change index 6 points (Barkham et al. 2013, as cited by CORE-10 scoring
  tools; e.g. "a change of 6 points or more meets the CORE-10 reliable change index").
* LOINC: none found.
"""

from __future__ import annotations

from dataclasses import replace

from bhlink.domain.instruments._model import (
    AnswerSheet,
    ChangeDefaults,
    CriticalItemRule,
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
from bhlink.domain.instruments._options import options, reversed_options
from bhlink.domain.instruments._scoring import standard_scorer

__all__ = ["INSTRUMENT"]

_COLUMNS: tuple[tuple[str, str | None], ...] = (
    ("not_at_all", "Not at all"),
    ("only_occasionally", "Only occasionally"),
    ("sometimes", "Sometimes"),
    ("often", "Often"),
    ("most_or_all_of_the_time", "Most or all of the time"),
)
_RISK_ITEM = "core10_q6"

_TOPICS: tuple[str, ...] = (
    "tension or anxiety",
    "someone to turn to for support (reverse-scored)",
    "able to cope (reverse-scored)",
    "talking to people too much",
    "panic or terror",
    "made plans to end life",
    "sleep difficulty",
    "despair or hopelessness",
    "unhappiness",
    "distressing unwanted images or memories",
)


def _score(
    instrument: Instrument, sheet: AnswerSheet, sex: Sex | None, settings: InstrumentSettings
) -> ScoredResult:
    result = standard_scorer(instrument, sheet, sex, settings)
    if _RISK_ITEM not in sheet.missing:
        return result
    warning = Interpretation(
        "risk_item_unanswered", "item 6 (plans to end life) was left blank: ask directly"
    )
    return replace(result, interpretations=(*result.interpretations, warning))


INSTRUMENT = Instrument(
    id="CORE-10",
    name="Clinical Outcomes in Routine Evaluation-10",
    version="1.0",
    slug="core-10",
    direction=Direction.HIGHER_IS_WORSE,
    items=tuple(
        Item(
            id=f"core10_q{number}",
            label=str(number),
            topic=_TOPICS[number - 1],
            options=reversed_options(*_COLUMNS) if number in (2, 3) else options(*_COLUMNS),
            reverse_scored=number in (2, 3),
        )
        for number in range(1, 11)
    ),
    total_min=0,
    total_max=40,
    scoring_rule=(
        "Sum of 10 items 0-4 (items 2 and 3 reversed); with exactly one item blank, mean x 10."
    ),
    bands=(
        SeverityBand("healthy", "Healthy", 0, 5),
        SeverityBand("low", "Low level", 6, 10),
        SeverityBand("mild", "Mild", 11, 14),
        SeverityBand("moderate", "Moderate", 15, 19),
        SeverityBand("moderately_severe", "Moderately severe", 20, 24),
        SeverityBand("severe", "Severe", 25, 40),
    ),
    critical_rules=(
        CriticalItemRule(_RISK_ITEM, 1, "item 6 (made plans to end life) endorsed: assess risk"),
    ),
    change=ChangeDefaults(
        reliable_change=Threshold(6, "Barkham et al. 2013: reliable change index 6"),
        response_reduction=Threshold(0.5, "Conventional >= 50% reduction from baseline"),
    ),
    screen_cutoff=ScreenCutoff(11, "Barkham et al. 2013: clinical cut-off 11"),
    loinc=LoincCodes(panel=None, total=None, note="No CORE-10 LOINC code found."),
    licence=(
        "© CORE System Trust: reproduce only unchanged (CC BY-ND); item wording is not "
        "shipped, scoring uses item ids and generic column labels."
    ),
    sources=(
        "Barkham M et al. Couns Psychother Res 2013;13(1):3-13",
        "CORE System Trust: What's in a name (1): scoring CORE measures",
    ),
    scorer=_score,
    max_prorated_missing=1,
)
