"""GAD-7: seven-item anxiety severity measure, with the unscored difficulty item.

Rules and their sources (each checked):

* Items 1-7 scored 0-3, total 0-21; the closing difficulty question is recorded but
  never summed (Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166:1092-1097).
  Adding it as an eighth item is a known defect of some open-source scorers.
* Severity: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe (Spitzer 2006;
  Kroenke et al., Ann Intern Med 2007;146:317-325: "scores of 5, 10, and 15 indicated
  mild, moderate, and severe anxiety symptoms").
* Cut-off >= 10 for GAD (sensitivity 89%, specificity 82%, Spitzer 2006).
* No critical item; all seven items required (no published proration).
* Change: reliable change >= 4 points (IAPT "reliable improvement": a reduction in
  GAD-7 of 4 or more, as quoted in trial NCT05134103); the alternative RCI of 5.59 -> 6
  (BYU ScholarsArchive facpub 4117) is a practice override; minimal clinically important
  difference 4 (Toussaint et al., J Affect Disord 2020;265:395-401). Remission is taken
  as a total in the minimal band (< 5, Spitzer 2006 bands); override per practice.
* LOINC: panel 69737-5, total 70274-6, items 69725-0, 68509-9, 69733-4, 69734-2,
  69735-9, 69689-8, 69736-7 (LHC-Forms export of 69737-5). That panel has no
  difficulty item, so it carries no code here.
"""

from __future__ import annotations

from bhlink.domain.instruments._model import (
    ChangeDefaults,
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

__all__ = ["GAD7_ITEM_TEXT", "GAD7_LOINC_ITEMS", "INSTRUMENT"]

# Verbatim GAD-7 wording (public: no permission required), as in the LOINC panel.
GAD7_ITEM_TEXT: tuple[str, ...] = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)

_TOPICS: tuple[str, ...] = (
    "nervousness",
    "uncontrollable worry",
    "excessive worry",
    "trouble relaxing",
    "restlessness",
    "irritability",
    "fear of something awful",
)

GAD7_LOINC_ITEMS: tuple[str, ...] = (
    "69725-0",
    "68509-9",
    "69733-4",
    "69734-2",
    "69735-9",
    "69689-8",
    "69736-7",
)

_SYMPTOM_ITEMS: tuple[Item, ...] = tuple(
    Item(
        id=f"gad7_q{number}",
        label=str(number),
        topic=_TOPICS[number - 1],
        text=GAD7_ITEM_TEXT[number - 1],
        options=PHQ_FREQUENCY,
        loinc=GAD7_LOINC_ITEMS[number - 1],
    )
    for number in range(1, 8)
)

INSTRUMENT = Instrument(
    id="GAD-7",
    name="Generalized Anxiety Disorder-7",
    version="1.0",
    slug="gad-7",
    direction=Direction.HIGHER_IS_WORSE,
    items=(
        *_SYMPTOM_ITEMS,
        Item(
            id="gad7_q8",
            label="8",
            topic="functional difficulty (recorded, not scored)",
            options=PHQ_DIFFICULTY,
            counted=False,
            required=False,
        ),
    ),
    total_min=0,
    total_max=21,
    scoring_rule="Sum of items 1-7 (0-3 each); item 8 (difficulty) is recorded, not summed.",
    bands=(
        SeverityBand("minimal", "Minimal", 0, 4),
        SeverityBand("mild", "Mild", 5, 9),
        SeverityBand("moderate", "Moderate", 10, 14),
        SeverityBand("severe", "Severe", 15, 21),
    ),
    critical_rules=(),
    change=ChangeDefaults(
        reliable_change=Threshold(4, "NHS Talking Therapies (IAPT) manual: reliable change >= 4"),
        clinically_meaningful_change=Threshold(4, "Toussaint et al. 2020: MCID 4 points"),
        remission_below=Threshold(5, "Minimal band 0-4 (Spitzer et al. 2006)"),
        response_reduction=Threshold(0.5, "Conventional >= 50% reduction from baseline"),
    ),
    screen_cutoff=ScreenCutoff(10, "Spitzer et al. 2006: >= 10, sensitivity 89%, specificity 82%"),
    loinc=LoincCodes(
        panel="69737-5",
        total="70274-6",
        note="Panel, total and item codes verified on the LHC-Forms export of 69737-5.",
    ),
    licence=(
        "Public: Pfizer states no permission is required to reproduce, translate, display "
        "or distribute. Item text shipped (items 1-7)."
    ),
    sources=(
        "Spitzer RL, Kroenke K, Williams JB, Löwe B. Arch Intern Med 2006;166:1092-1097",
        "Kroenke K et al. Ann Intern Med 2007;146:317-325",
        "Toussaint A et al. J Affect Disord 2020;265:395-401",
        "LOINC 69737-5 / 70274-6",
    ),
    scorer=standard_scorer,
)
