"""GAD-2: the first two GAD-7 items as an anxiety screen (screen only, no severity).

Rules and their sources (each checked):

* Items = GAD-7 items 1 and 2, scored 0-3; total 0-6.
* Screen positive at >= 3: sensitivity 86%, specificity 83% for GAD (Kroenke et al.,
  Ann Intern Med 2007;146:317-325; Cabana GAD-2 help page).
* No critical item, no change thresholds.
* LOINC: no dedicated GAD-2 panel or total code was found (not verified to exist);
  the items reuse the GAD-7 item codes 69725-0 and 68509-9.
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
from bhlink.domain.instruments.gad7 import GAD7_ITEM_TEXT, GAD7_LOINC_ITEMS

__all__ = ["INSTRUMENT"]

INSTRUMENT = Instrument(
    id="GAD-2",
    name="Generalized Anxiety Disorder-2",
    version="1.0",
    slug="gad-2",
    direction=Direction.HIGHER_IS_WORSE,
    items=(
        Item(
            id="gad2_q1",
            label="1",
            topic="nervousness",
            text=GAD7_ITEM_TEXT[0],
            options=PHQ_FREQUENCY,
            loinc=GAD7_LOINC_ITEMS[0],
        ),
        Item(
            id="gad2_q2",
            label="2",
            topic="uncontrollable worry",
            text=GAD7_ITEM_TEXT[1],
            options=PHQ_FREQUENCY,
            loinc=GAD7_LOINC_ITEMS[1],
        ),
    ),
    total_min=0,
    total_max=6,
    scoring_rule="Sum of the two items (0-3 each).",
    bands=(),
    screen_bands=(("negative", "Negative screen"), ("positive", "Positive screen")),
    critical_rules=(),
    change=ChangeDefaults(),
    screen_cutoff=ScreenCutoff(3, "Kroenke et al. 2007: >= 3, sensitivity 86%, specificity 83%"),
    loinc=LoincCodes(
        panel=None,
        total=None,
        note="No GAD-2 panel or total code found; items reuse GAD-7 item codes.",
    ),
    licence="Public (Pfizer, no permission required). Item text shipped.",
    sources=("Kroenke K et al. Ann Intern Med 2007;146:317-325",),
    scorer=standard_scorer,
)
