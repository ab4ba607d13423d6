"""EPDS: Edinburgh Postnatal Depression Scale, scored by item id only; items 3 and 5-10 reversed.

Rules and their sources (each checked):

* Ten items, four answers each. "Questions 1, 2, and 4 are scored 0, 1, 2, and 3
  according to increased severity ... The top response ... scored a 0 and the bottom
  response ... a 3. Items marked with an asterisk (questions 3, 5-10) are reverse scored
  (i.e., 3, 2, 1, and 0)" (Cox, Holden & Sagovsky, Br J Psychiatry 1987;150:782-786,
  scoring instructions as distributed with the scale). A client submits the answer's
  position on the form (0 = top answer, 3 = bottom); the engine applies the reversal.
  Total 0-30.
* "Patients scoring 13 or more should be assessed for possible depression. A cut-off of
  10 or more may be used if greater sensitivity is required" (same source); antenatal
  probable major depression >= 15 (NSW SAFE START). Bands: 0-9 below threshold, 10-12
  possible depression, 13-30 probable depression; the screen cut-off (13) is
  overridable.
* "Any score above 0 on item 10 should always prompt further assessment": critical.
* Reliable change 4 points (Matthey, J Affect Disord 2004;78:269-272).
* LOINC: panel 71354-5 (LOINC term page); total 99046-5 is used by FHIR
  implementations for the EPDS score but was not confirmed on loinc.org.
"""

from __future__ import annotations

from bhlink.domain.instruments._model import (
    AnswerOption,
    ChangeDefaults,
    CriticalItemRule,
    Direction,
    Instrument,
    Item,
    LoincCodes,
    ScreenCutoff,
    SeverityBand,
    Threshold,
)
from bhlink.domain.instruments._options import options, reversed_options
from bhlink.domain.instruments._scoring import standard_scorer

__all__ = ["INSTRUMENT", "REVERSED_ITEMS"]

REVERSED_ITEMS = frozenset({3, 5, 6, 7, 8, 9, 10})

# Answer wording is copyright (RCPsych): options carry positions, not labels.
_POSITIONS: tuple[tuple[str, str | None], ...] = (
    ("first_answer", None),
    ("second_answer", None),
    ("third_answer", None),
    ("fourth_answer", None),
)

_TOPICS: tuple[str, ...] = (
    "able to laugh",
    "looking forward with enjoyment",
    "self-blame",
    "anxious or worried",
    "scared or panicky",
    "things getting on top",
    "unhappy with difficulty sleeping",
    "sad or miserable",
    "crying",
    "thoughts of self-harm",
)


def _item_options(number: int) -> tuple[AnswerOption, ...]:
    return reversed_options(*_POSITIONS) if number in REVERSED_ITEMS else options(*_POSITIONS)


INSTRUMENT = Instrument(
    id="EPDS",
    name="Edinburgh Postnatal Depression Scale",
    version="1.0",
    slug="epds",
    direction=Direction.HIGHER_IS_WORSE,
    items=tuple(
        Item(
            id=f"epds_q{number}",
            label=str(number),
            topic=_TOPICS[number - 1],
            options=_item_options(number),
            reverse_scored=number in REVERSED_ITEMS,
        )
        for number in range(1, 11)
    ),
    total_min=0,
    total_max=30,
    scoring_rule=(
        "Answer positions 0-3 from the top; items 1, 2, 4 score the position, items 3 and "
        "5-10 score 3 - position; total 0-30."
    ),
    bands=(
        SeverityBand("below_threshold", "Below screening threshold", 0, 9),
        SeverityBand("possible_depression", "Possible depression", 10, 12),
        SeverityBand("probable_depression", "Probable depression", 13, 30),
    ),
    critical_rules=(
        CriticalItemRule(
            "epds_q10", 1, "item 10 (thoughts of self-harm) above 0: assess immediately"
        ),
    ),
    change=ChangeDefaults(
        reliable_change=Threshold(4, "Matthey 2004: reliable change 4 points"),
        response_reduction=Threshold(0.5, "Conventional >= 50% reduction from baseline"),
    ),
    screen_cutoff=ScreenCutoff(13, "Cox et al. 1987: 13 or more should be assessed"),
    loinc=LoincCodes(
        panel="71354-5",
        total="99046-5",
        note="Panel verified on a LOINC term page; total 99046-5 seen in implementations only.",
    ),
    licence=(
        "© 1987 The Royal College of Psychiatrists: written permission is needed to "
        "republish in any medium. Item and answer wording not shipped; scoring uses item "
        "ids and answer positions only."
    ),
    sources=(
        "Cox JL, Holden JM, Sagovsky R. Br J Psychiatry 1987;150:782-786",
        "Matthey S. J Affect Disord 2004;78(3):269-272",
        "NSW SAFE START: scoring the EPDS",
    ),
    scorer=standard_scorer,
)
