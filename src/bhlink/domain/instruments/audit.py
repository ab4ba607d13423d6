"""AUDIT: ten-item alcohol screen with WHO risk zones and the zone-raising rule.

Rules and their sources (each checked):

* Questions 1-8 are scored 0-4; questions 9 and 10 have three answers scored 0, 2 and 4;
  total 0-40 (Babor, Higgins-Biddle, Saunders & Monteiro, AUDIT: Guidelines for Use in
  Primary Care, 2nd ed., WHO 2001, WHO/MSD/MSB/01.6a).
* Zones: I 0-7 low risk, II 8-15 hazardous, III 16-19 harmful, IV 20-40 possible
  dependence (WHO 2001; Comorbidity Guidelines Appendix U).
* "Provide the next highest level of intervention to patients who score 2 or more on
  Questions 4, 5 and 6, or 4 on Questions 9 or 10" (same sources). The wording leaves
  open whether "2 or more on Questions 4, 5 and 6" means each item or their sum; this
  engine uses the sum of 4-6 (the dependence domain), which flags every patient the
  per-item reading would and more. The zone stays the score's zone; the raise is
  reported as the interpretation ``intervention_zone_raised``.
* Domain subscales (WHO 2001): hazardous use Q1-3, dependence Q4-6, harmful use Q7-10.
* The interview version's skip instructions are not applied: all ten answers are
  required (an item skipped in the interview is answered 0).
* No critical item: Q9/Q10 = 4 raises the intervention zone instead (the research
  notes listed them as critical; WHO frames them as a reason to intervene more).
* LOINC: panel 72110-0, total 75624-7 (loinc.org); items 1-3 68518-0, 68519-8, 68520-6.
"""

from __future__ import annotations

from bhlink.domain.instruments._audit_items import audit_items
from bhlink.domain.instruments._model import (
    AnswerSheet,
    ChangeDefaults,
    Direction,
    Instrument,
    InstrumentSettings,
    Interpretation,
    LoincCodes,
    ScoredResult,
    SeverityBand,
    Sex,
)
from bhlink.domain.instruments._scoring import build_result, item_scores, sum_items

__all__ = ["INSTRUMENT", "ZONES"]

ZONES: tuple[SeverityBand, ...] = (
    SeverityBand("low_risk", "Zone I: low risk", 0, 7),
    SeverityBand("hazardous", "Zone II: hazardous use", 8, 15),
    SeverityBand("harmful", "Zone III: harmful use", 16, 19),
    SeverityBand("possible_dependence", "Zone IV: possible dependence", 20, 40),
)

_DOMAINS: tuple[tuple[str, range], ...] = (
    ("hazardous_use", range(1, 4)),
    ("dependence", range(4, 7)),
    ("harmful_use", range(7, 11)),
)


def _score(
    instrument: Instrument, sheet: AnswerSheet, sex: Sex | None, settings: InstrumentSettings
) -> ScoredResult:
    scores = item_scores(instrument, sheet)
    total = sum_items(scores, instrument.item_ids)
    subscales: dict[str, int | float] = {
        name: sum_items(scores, [f"audit_q{number}" for number in numbers])
        for name, numbers in _DOMAINS
    }
    reasons: list[str] = []
    if subscales["dependence"] >= 2:
        reasons.append("questions 4-6 score 2 or more")
    if scores["audit_q9"] == 4 or scores["audit_q10"] == 4:
        reasons.append("question 9 or 10 scores 4")
    interpretations: tuple[Interpretation, ...] = ()
    band = instrument.band_for(total)
    if reasons and band is not None:
        position = ZONES.index(band)
        if position + 1 < len(ZONES):
            raised = ZONES[position + 1]
            interpretations = (
                Interpretation(
                    "intervention_zone_raised",
                    f"{' and '.join(reasons)}: intervene at {raised.label}",
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
    id="AUDIT",
    name="Alcohol Use Disorders Identification Test",
    version="1.0",
    slug="audit",
    direction=Direction.HIGHER_IS_WORSE,
    items=audit_items("audit", 10),
    total_min=0,
    total_max=40,
    scoring_rule="Sum of 10 items: Q1-8 0-4 each, Q9-10 0/2/4.",
    bands=ZONES,
    critical_rules=(),
    change=ChangeDefaults(),
    screen_cutoff=None,
    loinc=LoincCodes(
        panel="72110-0",
        total="75624-7",
        note="Panel and total verified on loinc.org; items 4-10 not verified (no codes).",
    ),
    licence=(
        "WHO AUDIT: free to reproduce, not for sale; LOINC and US Core treat it as public "
        "domain. Answer labels shipped; item wording not shipped yet."
    ),
    sources=(
        "Babor TF et al. AUDIT: Guidelines for Use in Primary Care, 2nd ed. WHO 2001",
        "Comorbidity Guidelines (AU), Appendix U: AUDIT scoring",
    ),
    scorer=_score,
)
