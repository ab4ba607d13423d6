"""DAST-10: ten yes/no questions on drug use in the past 12 months; item 3 reverse-scored.

Rules and their sources (each checked):

* "Score 1 point for each question answered 'Yes', except for question 3 for which a
  'No' receives 1 point" (Skinner 1982; Comorbidity Guidelines Appendix W). Answers are
  submitted as no = 0 / yes = 1; item 3 scores 1 - value. Total 0-10.
* Bands: 0 no problems reported, 1-2 low, 3-5 moderate, 6-8 substantial, 9-10 severe
  (same sources; NIDA CDE "DAST Score" value meanings).
* Not to be confused with the 28-item DAST (CamCOPS's "DAST"), whose reversed items
  are 4, 5 and 7.
* No critical item, no change thresholds; all ten answers required.
* LOINC: panel 82666-9, total 82667-7 (loinc.org, 12-month version); item codes not
  verified.
"""

from __future__ import annotations

from bhlink.domain.instruments._model import (
    AnswerOption,
    ChangeDefaults,
    Direction,
    Instrument,
    Item,
    LoincCodes,
    ScreenCutoff,
    SeverityBand,
)
from bhlink.domain.instruments._options import YES_NO
from bhlink.domain.instruments._scoring import standard_scorer

__all__ = ["INSTRUMENT"]

_REVERSED_YES_NO = (
    AnswerOption(0, "no", "No", 1, "LA32-8"),
    AnswerOption(1, "yes", "Yes", 0, "LA33-6"),
)

_TOPICS: tuple[str, ...] = (
    "drug use other than for medical reasons",
    "use of more than one drug at a time",
    "always able to stop using drugs (reverse-scored)",
    "blackouts or flashbacks",
    "guilt about drug use",
    "family complaints about drug use",
    "neglect of family because of drug use",
    "illegal activities to obtain drugs",
    "withdrawal symptoms",
    "medical problems from drug use",
)

INSTRUMENT = Instrument(
    id="DAST-10",
    name="Drug Abuse Screening Test-10",
    version="1.0",
    slug="dast-10",
    direction=Direction.HIGHER_IS_WORSE,
    items=tuple(
        Item(
            id=f"dast10_q{number}",
            label=str(number),
            topic=_TOPICS[number - 1],
            options=_REVERSED_YES_NO if number == 3 else YES_NO,
            reverse_scored=number == 3,
        )
        for number in range(1, 11)
    ),
    total_min=0,
    total_max=10,
    scoring_rule="1 point per 'yes' (item 3: 1 point for 'no'); total 0-10.",
    bands=(
        SeverityBand("none", "No problems reported", 0, 0),
        SeverityBand("low", "Low level", 1, 2),
        SeverityBand("moderate", "Moderate level", 3, 5),
        SeverityBand("substantial", "Substantial level", 6, 8),
        SeverityBand("severe", "Severe level", 9, 10),
    ),
    critical_rules=(),
    change=ChangeDefaults(),
    screen_cutoff=ScreenCutoff(3, "LOINC 82667-7 / Skinner: >= 3 indicates a possible problem"),
    loinc=LoincCodes(
        panel="82666-9",
        total="82667-7",
        note="Panel and total verified on loinc.org; item codes not verified.",
    ),
    licence=(
        "© Harvey A. Skinner / CAMH: free for non-commercial clinical use with credit. "
        "Item wording is not shipped; scoring uses item ids only."
    ),
    sources=(
        "Skinner HA. Addict Behav 1982;7(4):363-371",
        "Comorbidity Guidelines (AU), Appendix W: DAST-10 scoring and interpretation",
    ),
    scorer=standard_scorer,
)
