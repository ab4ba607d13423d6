"""PHQ-2: the first two PHQ-9 items as a depression screen (screen only, no severity).

Rules and their sources (each checked):

* Items = PHQ-9 items 1 and 2, scored 0-3; total 0-6 (Kroenke, Spitzer & Williams,
  Med Care 2003;41:1284-1292; LOINC 55758-7).
* Screen positive at >= 3 (sensitivity 61%, specificity 92% for major depression);
  >= 2 is the more sensitive alternative (86% / 78%) (Arroll et al., Ann Fam Med
  2010;8:348-353, PMC2906530). A practice chooses 2 through ``screen_cutoff``.
* No critical item, no change thresholds: a screen, not an outcome measure.
* LOINC: panel 55757-9, total 55758-7 (loinc.org, per the project research notes);
  items 44250-9 and 44255-8 are the PHQ-9 item codes.
"""

from __future__ import annotations

from bhlink.domain.instruments._model import (
    ChangeDefaults,
    Direction,
    Instrument,
    Item,
    LoincCodes,
    ScreenCutoff,
)
from bhlink.domain.instruments._options import PHQ_FREQUENCY
from bhlink.domain.instruments._scoring import standard_scorer
from bhlink.domain.instruments.phq9 import PHQ9_ITEM_TEXT, PHQ9_LOINC_ITEMS

__all__ = ["INSTRUMENT"]

INSTRUMENT = Instrument(
    id="PHQ-2",
    name="Patient Health Questionnaire-2",
    version="1.0",
    slug="phq-2",
    direction=Direction.HIGHER_IS_WORSE,
    items=(
        Item(
            id="phq2_q1",
            label="1",
            topic="loss of interest or pleasure",
            text=PHQ9_ITEM_TEXT[0],
            options=PHQ_FREQUENCY,
            loinc=PHQ9_LOINC_ITEMS[0],
        ),
        Item(
            id="phq2_q2",
            label="2",
            topic="low mood or hopelessness",
            text=PHQ9_ITEM_TEXT[1],
            options=PHQ_FREQUENCY,
            loinc=PHQ9_LOINC_ITEMS[1],
        ),
    ),
    total_min=0,
    total_max=6,
    scoring_rule="Sum of the two items (0-3 each).",
    bands=(),
    screen_bands=(("negative", "Negative screen"), ("positive", "Positive screen")),
    critical_rules=(),
    change=ChangeDefaults(),
    screen_cutoff=ScreenCutoff(3, "Kroenke et al. 2003; Arroll et al. 2010 (>= 3: 61%/92%)"),
    loinc=LoincCodes(
        panel="55757-9",
        total="55758-7",
        note="Panel and total confirmed on loinc.org (research notes); items reuse PHQ-9 codes.",
    ),
    licence="Public (Pfizer, no permission required). Item text shipped.",
    sources=(
        "Kroenke K, Spitzer RL, Williams JB. Med Care 2003;41(11):1284-1292",
        "Arroll B et al. Ann Fam Med 2010;8(4):348-353",
    ),
    scorer=standard_scorer,
)
