"""PCL-5: PTSD Checklist for DSM-5, total 0-80 with cluster subscales and the DSM-5 rule.

Rules and their sources (each checked):

* 20 items scored 0-4 (Not at all, A little bit, Moderately, Quite a bit, Extremely),
  summed to a total of 0-80. Cluster severity = sum of the cluster's items:
  B items 1-5, C items 6-7, D items 8-14, E items 15-20 (National Center for PTSD
  scoring guidance as reproduced by the Australian Comorbidity Guidelines, Appendix S,
  and the VA WRIISC PCL-5 form).
* Provisional PTSD (DSM-5 rule): treat each item rated 2 ("Moderately") or higher as an
  endorsed symptom and require at least 1 B, 1 C, 2 D and 2 E items (same sources).
* Cut-point: "a PCL-5 cut-off score between 31-33 is indicative of probable PTSD"
  (Comorbidity Guidelines; NCPTSD). Default 33 (as CamCOPS uses); 31 or 32 through
  ``screen_cutoff``. "There are currently no empirically derived severity ranges", so
  the only bands are below / at-or-above the cut-point.
* No critical item is defined by the authors (item 16, risky or self-destructive
  behaviour, is a candidate a practice may watch; it is not flagged here).
* Change: 5 points = minimum reliable response, 10 points = clinically meaningful
  (VA/NCPTSD guidance, extrapolated from the DSM-IV PCL). Newer work puts the RCI at
  15-18 points in veterans (Marx et al., Psychol Assess 2022;34:197-203) and the minimal
  important difference at 9-12 in primary care, with changes of 5 or less likely not
  reliable (Blanchard et al., J Trauma Stress 2023;36:1102-1114); a practice can
  override ``reliable_change`` and ``clinically_meaningful_change``.
* LOINC: panel 101697-1, total 101698-9 (LOINC term pages). Item codes were not
  verified (only 101699-7 was seen), so items carry none.
* All 20 items are required: no proration is published.
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

__all__ = ["CLUSTERS", "INSTRUMENT"]

_OPTIONS = options(
    ("not_at_all", "Not at all"),
    ("a_little_bit", "A little bit"),
    ("moderately", "Moderately"),
    ("quite_a_bit", "Quite a bit"),
    ("extremely", "Extremely"),
)

_TOPICS: tuple[str, ...] = (
    "intrusive memories",
    "disturbing dreams",
    "reliving the experience",
    "upset at reminders",
    "physical reactions to reminders",
    "avoiding memories or feelings",
    "avoiding external reminders",
    "trouble remembering parts of the experience",
    "strong negative beliefs",
    "blame of self or others",
    "strong negative feelings",
    "loss of interest",
    "feeling distant from others",
    "trouble feeling positive emotions",
    "irritability or anger",
    "risky or self-destructive behaviour",
    "hypervigilance",
    "easily startled",
    "difficulty concentrating",
    "trouble sleeping",
)

# (subscale key, DSM-5 criterion, first item, last item, items needed at >= 2)
CLUSTERS: tuple[tuple[str, str, int, int, int], ...] = (
    ("cluster_b_intrusion", "B", 1, 5, 1),
    ("cluster_c_avoidance", "C", 6, 7, 1),
    ("cluster_d_cognition_mood", "D", 8, 14, 2),
    ("cluster_e_arousal_reactivity", "E", 15, 20, 2),
)

_ENDORSED_AT = 2  # "Moderately" or higher counts as a symptom (DSM-5 rule)


def _score(
    instrument: Instrument, sheet: AnswerSheet, sex: Sex | None, settings: InstrumentSettings
) -> ScoredResult:
    scores = item_scores(instrument, sheet)
    total = sum_items(scores, instrument.item_ids)
    subscales: dict[str, int | float] = {}
    missing_criteria: list[str] = []
    for key, criterion, first, last, needed in CLUSTERS:
        ids = [f"pcl5_q{number}" for number in range(first, last + 1)]
        subscales[key] = sum_items(scores, ids)
        endorsed = sum(1 for item_id in ids if scores[item_id] >= _ENDORSED_AT)
        if endorsed < needed:
            missing_criteria.append(criterion)
    interpretations = screen_interpretation(
        instrument, total, sex, settings, positive_message="probable PTSD by cut-point"
    )
    if not missing_criteria:
        interpretations += (
            Interpretation(
                "provisional_ptsd",
                "DSM-5 rule met: >= 1 B, >= 1 C, >= 2 D, >= 2 E items rated >= 2",
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
        subscales=subscales,
        interpretations=interpretations,
    )


INSTRUMENT = Instrument(
    id="PCL-5",
    name="PTSD Checklist for DSM-5",
    version="1.0",
    slug="pcl-5",
    direction=Direction.HIGHER_IS_WORSE,
    items=tuple(
        Item(
            id=f"pcl5_q{number}",
            label=str(number),
            topic=_TOPICS[number - 1],
            options=_OPTIONS,
        )
        for number in range(1, 21)
    ),
    total_min=0,
    total_max=80,
    scoring_rule=(
        "Sum of 20 items (0-4 each); cluster sums B 1-5, C 6-7, D 8-14, E 15-20; "
        "DSM-5 rule on items rated >= 2."
    ),
    bands=(),
    screen_bands=(
        ("below_cutoff", "Below the PCL-5 cut-point"),
        ("probable_ptsd", "Probable PTSD (at or above the cut-point)"),
    ),
    critical_rules=(),
    change=ChangeDefaults(
        reliable_change=Threshold(5, "VA National Center for PTSD: 5 points = minimum response"),
        clinically_meaningful_change=Threshold(
            10, "VA National Center for PTSD: 10 points = clinically meaningful"
        ),
        response_reduction=Threshold(0.5, "Conventional >= 50% reduction from baseline"),
    ),
    screen_cutoff=ScreenCutoff(33, "NCPTSD: cut-point 31-33 (default 33, as in CamCOPS)"),
    loinc=LoincCodes(
        panel="101697-1",
        total="101698-9",
        note="Panel and total verified on LOINC term pages; item codes not verified.",
    ),
    licence=(
        "US Government work (National Center for PTSD), public domain. Item text is not "
        "shipped yet: only the verified wording of each item may be added."
    ),
    sources=(
        "Weathers FW et al. The PTSD Checklist for DSM-5 (PCL-5). National Center for PTSD, 2013",
        "Blevins CA et al. J Trauma Stress 2015;28:489-498",
        "Comorbidity Guidelines (AU), Appendix S: PCL-5 scoring and interpretation",
    ),
    scorer=_score,
)
