"""C-SSRS screener: six yes/no questions giving a low/moderate/high risk tier, not a sum.

Rules and their sources (each checked):

* Questions 1-2 are always asked; 3-5 are asked only when question 2 is "yes" (the
  LHC-Forms export of LOINC panel 93373-9 enables them on 93247-5 = yes; Columbia
  scoring guide: "if the answers to both are negative, skip to the Suicidal Behavior
  section"). Question 6a ("within the past 3 months?") is asked only when question 6 is
  "yes". Skipped questions count as "no" and may be omitted.
* Risk tier (Columbia triage guidance as used by Blueprint and the research notes):
  high = yes to 4 or 5, or suicidal behaviour in the past 3 months (6a); moderate = yes
  to 3, or lifetime behaviour (6) more than 3 months ago; low = yes to 1 or 2 only;
  none = every answer "no". "A positive answer to Question 4 or 5 ... or any behavior
  in the past 3 months indicate the most severely emergent clinical situation"
  (C-SSRS triage guidelines).
* Critical items: 4, 5 and 6a.
* No total, no change thresholds.
* LOINC: screener panel 93373-9 (LHC-Forms export); items 93246-7, 93247-5, 93248-3,
  93249-1, 93250-9, 93267-3, 93269-9; the tier is reported with 93374-7 "Suicide risk
  level" (seen in FHIR implementations only: verify on loinc.org).
"""

from __future__ import annotations

from bhlink.domain.instruments._model import (
    AnswerSheet,
    AskedWhen,
    ChangeDefaults,
    CriticalItemRule,
    Direction,
    Instrument,
    InstrumentSettings,
    Item,
    LoincCodes,
    ScoredResult,
    SeverityBand,
    Sex,
)
from bhlink.domain.instruments._options import YES_NO
from bhlink.domain.instruments._scoring import build_result, item_scores

__all__ = ["INSTRUMENT", "RISK_LEVEL_LOINC", "RISK_TIERS"]

RISK_LEVEL_LOINC = "93374-7"

# Ordered tiers; min/max are tier ranks (0-3) so charts can place them on an axis.
RISK_TIERS: tuple[SeverityBand, ...] = (
    SeverityBand("none", "No risk identified", 0, 0),
    SeverityBand("low", "Low risk", 1, 1),
    SeverityBand("moderate", "Moderate risk", 2, 2),
    SeverityBand("high", "High risk", 3, 3),
)

_YES = 1
_IF_Q2_YES = AskedWhen("cssrs_q2", frozenset({_YES}), skipped_value=0)
_IF_Q6_YES = AskedWhen("cssrs_q6", frozenset({_YES}), skipped_value=0)

_ITEMS: tuple[tuple[str, str, str, AskedWhen | None], ...] = (
    ("cssrs_q1", "1", "wish to be dead", None),
    ("cssrs_q2", "2", "non-specific active suicidal thoughts", None),
    ("cssrs_q3", "3", "suicidal thoughts with method, without intent", _IF_Q2_YES),
    ("cssrs_q4", "4", "suicidal intent without specific plan", _IF_Q2_YES),
    ("cssrs_q5", "5", "suicidal intent with specific plan", _IF_Q2_YES),
    ("cssrs_q6", "6", "suicidal behaviour, lifetime", None),
    ("cssrs_q6a", "6a", "suicidal behaviour within the past 3 months", _IF_Q6_YES),
)
_LOINC = ("93246-7", "93247-5", "93248-3", "93249-1", "93250-9", "93267-3", "93269-9")


def _tier(values: dict[str, int]) -> SeverityBand:
    def yes(item_id: str) -> bool:
        return values.get(item_id) == _YES

    if yes("cssrs_q4") or yes("cssrs_q5") or yes("cssrs_q6a"):
        return RISK_TIERS[3]
    if yes("cssrs_q3") or yes("cssrs_q6"):
        return RISK_TIERS[2]
    if yes("cssrs_q1") or yes("cssrs_q2"):
        return RISK_TIERS[1]
    return RISK_TIERS[0]


def _score(
    instrument: Instrument, sheet: AnswerSheet, sex: Sex | None, settings: InstrumentSettings
) -> ScoredResult:
    scores = item_scores(instrument, sheet)
    tier = _tier(dict(sheet.values))
    return build_result(
        instrument,
        sheet,
        scores,
        total=None,
        prorated=False,
        sex=sex,
        settings=settings,
        subscales={"risk_rank": tier.min},
        severity=(tier.code, tier.label),
    )


INSTRUMENT = Instrument(
    id="C-SSRS-SCREENER",
    name="Columbia Suicide Severity Rating Scale - Screener (recent)",
    version="1.0",
    slug="c-ssrs-screener",
    direction=Direction.HIGHER_IS_WORSE,
    items=tuple(
        Item(
            id=item_id,
            label=label,
            topic=topic,
            options=YES_NO,
            asked_when=asked_when,
            loinc=_LOINC[index],
        )
        for index, (item_id, label, topic, asked_when) in enumerate(_ITEMS)
    ),
    total_min=None,
    total_max=None,
    scoring_rule="No sum: risk tier from the highest-risk 'yes' (see module docstring).",
    bands=RISK_TIERS,
    critical_rules=(
        CriticalItemRule("cssrs_q4", 1, "suicidal intent (question 4): immediate evaluation"),
        CriticalItemRule(
            "cssrs_q5", 1, "suicidal plan and intent (question 5): immediate evaluation"
        ),
        CriticalItemRule(
            "cssrs_q6a", 1, "suicidal behaviour in the past 3 months: immediate evaluation"
        ),
    ),
    change=ChangeDefaults(),
    screen_cutoff=None,
    loinc=LoincCodes(
        panel="93373-9",
        total=None,
        note=(
            "Panel and item codes from the LHC-Forms export of 93373-9; risk level 93374-7 "
            "seen only in implementations."
        ),
    ),
    licence=(
        "© Research Foundation for Mental Hygiene (Posner et al.); LOINC marks it 'used with "
        "permission'. Item wording is not shipped: scoring uses item ids only. Confirm "
        "commercial-software terms with Columbia before distributing the wording."
    ),
    sources=(
        "Posner K et al. Am J Psychiatry 2011;168(12):1266-1277",
        "Columbia Lighthouse Project: C-SSRS screener triage guidance",
        "LOINC 93373-9 (LHC-Forms Questionnaire)",
    ),
    scorer=_score,
)
