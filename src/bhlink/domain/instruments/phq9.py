"""PHQ-9: nine-item depression severity measure, with the unscored difficulty item.

Rules and their sources (each checked):

* Items 1-9 scored 0-3 ("Not at all" .. "Nearly every day"), total 0-27; item 10
  (difficulty, LOINC 69722-7) is recorded but never added to the total.
  Kroenke, Spitzer & Williams, J Gen Intern Med 2001;16:606-613; LOINC 44261-6 term.
* Severity: 0-4 none-minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe,
  20-27 severe (Kroenke 2001; LOINC 44261-6; eMentalHealth.ca scoring key). The HL7 SDC
  example's "19-14" is a known typo, OpenEMR's missing "mild" band a known bug.
* Cut-off >= 10 for major depression (sensitivity and specificity 88%, Kroenke 2001).
* Item 9 >= 1 is a critical item, evaluated whatever the total.
* All nine items are required: the authors define no proration (CamCOPS and awell-score
  also refuse to total an incomplete PHQ-9).
* Change: minimal clinically important difference 5 points (Löwe et al., Med Care
  2004;42:1194-1201); reliable change >= 6 points (IAPT "reliable improvement": a
  reduction in PHQ-9 of 6 or more, as quoted in trial NCT05134103's outcome definitions);
  response = >= 50% reduction and remission = total < 5 (NCQA HEDIS DRR-E).
* LOINC: panel 44249-1, total 44261-6, items 44250-9, 44255-8, 44259-0, 44254-1,
  44251-7, 44258-2, 44252-5, 44253-3, 44260-8, difficulty 69722-7 (US Core
  Observation-PHQ9 examples and the LHC-Forms export of 44249-1).
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
    SeverityBand,
    Threshold,
)
from bhlink.domain.instruments._options import PHQ_DIFFICULTY, PHQ_FREQUENCY
from bhlink.domain.instruments._scoring import standard_scorer

__all__ = ["DEPRESSION_BANDS", "INSTRUMENT", "PHQ9_ITEM_TEXT", "PHQ9_LOINC_ITEMS"]

# Verbatim PHQ-9 wording (Pfizer: "No permission required to reproduce, translate,
# display or distribute"), as in the HL7 SDC PHQ-9 example and the LOINC panel.
PHQ9_ITEM_TEXT: tuple[str, ...] = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself - or that you are a failure or have let yourself or "
    "your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed. Or the opposite - "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
)

_TOPICS: tuple[str, ...] = (
    "loss of interest or pleasure",
    "low mood or hopelessness",
    "sleep problems",
    "tiredness or low energy",
    "appetite change",
    "feeling bad about oneself",
    "poor concentration",
    "slowed or restless movement",
    "thoughts of death or self-harm",
)

PHQ9_LOINC_ITEMS: tuple[str, ...] = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
)

DIFFICULTY_TEXT = (
    "If you checked off any problems, how difficult have these problems made it for you "
    "to do your work, take care of things at home, or get along with other people?"
)

DEPRESSION_BANDS: tuple[SeverityBand, ...] = (
    SeverityBand("minimal", "None-minimal", 0, 4),
    SeverityBand("mild", "Mild", 5, 9),
    SeverityBand("moderate", "Moderate", 10, 14),
    SeverityBand("moderately_severe", "Moderately severe", 15, 19),
    SeverityBand("severe", "Severe", 20, 27),
)

_SYMPTOM_ITEMS: tuple[Item, ...] = tuple(
    Item(
        id=f"phq9_q{number}",
        label=str(number),
        topic=_TOPICS[number - 1],
        text=PHQ9_ITEM_TEXT[number - 1],
        options=PHQ_FREQUENCY,
        loinc=PHQ9_LOINC_ITEMS[number - 1],
    )
    for number in range(1, 10)
)

INSTRUMENT = Instrument(
    id="PHQ-9",
    name="Patient Health Questionnaire-9",
    version="1.0",
    slug="phq-9",
    direction=Direction.HIGHER_IS_WORSE,
    items=(
        *_SYMPTOM_ITEMS,
        Item(
            id="phq9_q10",
            label="10",
            topic="functional difficulty (recorded, not scored)",
            text=DIFFICULTY_TEXT,
            options=PHQ_DIFFICULTY,
            counted=False,
            required=False,
            loinc="69722-7",
        ),
    ),
    total_min=0,
    total_max=27,
    scoring_rule="Sum of items 1-9 (0-3 each); item 10 (difficulty) is recorded, not summed.",
    bands=DEPRESSION_BANDS,
    critical_rules=(
        CriticalItemRule(
            "phq9_q9",
            1,
            "item 9 (thoughts of death or self-harm) endorsed: assess suicide risk",
        ),
    ),
    change=ChangeDefaults(
        reliable_change=Threshold(6, "NHS Talking Therapies (IAPT) manual: reliable change >= 6"),
        clinically_meaningful_change=Threshold(5, "Löwe et al., Med Care 2004;42:1194-1201"),
        remission_below=Threshold(5, "NCQA HEDIS DRR-E: remission = PHQ-9 total < 5"),
        response_reduction=Threshold(0.5, "NCQA HEDIS DRR-E: response = >= 50% reduction"),
    ),
    screen_cutoff=ScreenCutoff(10, "Kroenke et al. 2001: >= 10, sensitivity/specificity 88%"),
    loinc=LoincCodes(
        panel="44249-1",
        total="44261-6",
        note="Panel, total and item codes verified on US Core examples and LHC-Forms export.",
    ),
    licence=(
        "Public: Pfizer states no permission is required to reproduce, translate, display "
        "or distribute. Item text shipped."
    ),
    sources=(
        "Kroenke K, Spitzer RL, Williams JB. J Gen Intern Med 2001;16(9):606-613",
        "Löwe B et al. Med Care 2004;42(12):1194-1201",
        "NCQA HEDIS Depression Remission or Response (DRR-E)",
        "LOINC 44249-1 / 44261-6",
    ),
    scorer=standard_scorer,
)
