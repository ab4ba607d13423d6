"""PHQ-A (PHQ-9 Modified for Teens): PHQ-9 scoring plus four extra items, two of them suicide items.

Rules and their sources (each checked):

* Items 1-9 are the PHQ-9 symptoms reworded for adolescents, scored 0-3 and summed to
  0-27 exactly as the PHQ-9; the same severity bands and the >= 10 cut-off apply
  (Johnson et al., J Adolesc Health 2002;30:196-204; NIMH ASQ toolkit PHQ-A page;
  LOINC 89204-2 "Patient Health Questionnaire-9: Modified for Teens total score").
* Four further items are recorded and never summed (PHQ-9M items 10-13, Tsui et al.,
  JAMA Netw Open 2024;7:e2438144): 10 depressed or sad most days in the past year (yes/no),
  11 difficulty, 12 serious thoughts about ending one's life in the past month (yes/no),
  13 ever tried to kill oneself (yes/no).
* Critical items: item 9 >= 1, item 12 = yes, item 13 = yes (NIMH: any "yes" to the
  suicide questions needs a suicide-risk assessment). Items 12 and 13 are required so a
  form cannot pass without its suicide screen; items 10 and 11 are optional.
* Change thresholds as the PHQ-9 (HEDIS DRR-E covers patients aged 12 and over).
* LOINC: panel 89206-7, total 89204-2 (HL7 IG listing and loinc.org); item codes not
  verified.
"""

from __future__ import annotations

from bhlink.domain.instruments._model import (
    ChangeDefaults,
    CriticalItemRule,
    Direction,
    Instrument,
    Item,
    LoincCodes,
    ScreenCutoff,
    Threshold,
)
from bhlink.domain.instruments._options import PHQ_DIFFICULTY, PHQ_FREQUENCY, YES_NO
from bhlink.domain.instruments._scoring import standard_scorer
from bhlink.domain.instruments.phq9 import DEPRESSION_BANDS

__all__ = ["INSTRUMENT"]

_TOPICS: tuple[str, ...] = (
    "low mood, irritability or hopelessness",
    "loss of interest or pleasure",
    "sleep problems",
    "appetite or weight change",
    "tiredness or low energy",
    "feeling bad about oneself",
    "poor concentration",
    "slowed or restless movement",
    "thoughts of death or self-harm",
)

_SYMPTOM_ITEMS: tuple[Item, ...] = tuple(
    Item(
        id=f"phqa_q{number}",
        label=str(number),
        topic=_TOPICS[number - 1],
        options=PHQ_FREQUENCY,
    )
    for number in range(1, 10)
)

INSTRUMENT = Instrument(
    id="PHQ-A",
    name="Patient Health Questionnaire-9 Modified for Adolescents",
    version="1.0",
    slug="phq-a",
    direction=Direction.HIGHER_IS_WORSE,
    items=(
        *_SYMPTOM_ITEMS,
        Item(
            id="phqa_q10",
            label="10",
            topic="depressed or sad most days in the past year",
            options=YES_NO,
            counted=False,
            required=False,
        ),
        Item(
            id="phqa_q11",
            label="11",
            topic="functional difficulty (recorded, not scored)",
            options=PHQ_DIFFICULTY,
            counted=False,
            required=False,
        ),
        Item(
            id="phqa_q12",
            label="12",
            topic="serious thoughts about ending one's life in the past month",
            options=YES_NO,
            counted=False,
        ),
        Item(
            id="phqa_q13",
            label="13",
            topic="lifetime suicide attempt",
            options=YES_NO,
            counted=False,
        ),
    ),
    total_min=0,
    total_max=27,
    scoring_rule="Sum of items 1-9 (0-3 each); items 10-13 are recorded, not summed.",
    bands=DEPRESSION_BANDS,
    critical_rules=(
        CriticalItemRule(
            "phqa_q9", 1, "item 9 (thoughts of death or self-harm) endorsed: assess suicide risk"
        ),
        CriticalItemRule(
            "phqa_q12", 1, "serious thoughts of ending life in the past month: assess suicide risk"
        ),
        CriticalItemRule("phqa_q13", 1, "lifetime suicide attempt reported: assess suicide risk"),
    ),
    change=ChangeDefaults(
        reliable_change=Threshold(6, "As PHQ-9: NHS Talking Therapies (IAPT) reliable change >= 6"),
        clinically_meaningful_change=Threshold(5, "As PHQ-9: Löwe et al. 2004, MCID 5"),
        remission_below=Threshold(5, "NCQA HEDIS DRR-E (age 12+): remission = total < 5"),
        response_reduction=Threshold(0.5, "NCQA HEDIS DRR-E: response = >= 50% reduction"),
    ),
    screen_cutoff=ScreenCutoff(10, "As PHQ-9 (>= 10); NIMH ASQ toolkit PHQ-A"),
    loinc=LoincCodes(
        panel="89206-7",
        total="89204-2",
        note="Panel and total verified (HL7 IG listing, loinc.org); item codes not verified.",
    ),
    licence=(
        "PHQ family (Pfizer): free to use. The adolescent wording is not shipped until "
        "verified against the published form; scoring uses item ids."
    ),
    sources=(
        "Johnson JG et al. J Adolesc Health 2002;30(3):196-204",
        "NIMH ASQ toolkit: PHQ-9 modified for adolescents (PHQ-A)",
        "Tsui FR et al. JAMA Netw Open 2024;7(10):e2438144",
    ),
    scorer=standard_scorer,
)
