"""AUDIT-C: the three AUDIT consumption questions as a screen with sex-specific cut-offs.

Rules and their sources (each checked):

* Items = AUDIT questions 1-3, each 0-4; total 0-12 (Bush et al., Arch Intern Med
  1998;158:1789-1795; Bradley et al., Arch Intern Med 2003;163:821-829).
* Positive screen: >= 4 for men, >= 3 for women (same sources; eMentalHealth.ca key;
  US Core AUDIT-C example note). When sex is not given (or is ``other``/``unknown``)
  the more sensitive women's cut-off 3 applies and the result says so. A practice
  override of ``screen_cutoff`` replaces both.
* No critical item, no change thresholds (a screen).
* LOINC: panel 72109-2, total 75626-2, items 68518-0, 68519-8, 68520-6 (US Core AUDIT-C
  examples; loinc.org). US Core's AUDIT-C Questionnaire starts with 68517-2, the
  single-question screen; that is not AUDIT question 1.
"""

from __future__ import annotations

from types import MappingProxyType

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
    ScreenCutoff,
    Sex,
)
from bhlink.domain.instruments._scoring import (
    build_result,
    item_scores,
    screen_interpretation,
    sum_items,
)

__all__ = ["INSTRUMENT"]


def _score(
    instrument: Instrument, sheet: AnswerSheet, sex: Sex | None, settings: InstrumentSettings
) -> ScoredResult:
    scores = item_scores(instrument, sheet)
    total = sum_items(scores, instrument.item_ids)
    interpretations = screen_interpretation(
        instrument, total, sex, settings, positive_message="unhealthy alcohol use screen positive"
    )
    if settings.screen_cutoff is None and sex not in (Sex.MALE, Sex.FEMALE):
        interpretations += (
            Interpretation(
                "sex_specific_cutoff_not_applied",
                "sex not given as male or female: the more sensitive cut-off (>= 3) was used",
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
        interpretations=interpretations,
    )


INSTRUMENT = Instrument(
    id="AUDIT-C",
    name="Alcohol Use Disorders Identification Test - Consumption",
    version="1.0",
    slug="audit-c",
    direction=Direction.HIGHER_IS_WORSE,
    items=audit_items("auditc", 3),
    total_min=0,
    total_max=12,
    scoring_rule="Sum of AUDIT questions 1-3 (0-4 each).",
    bands=(),
    screen_bands=(("negative", "Negative screen"), ("positive", "Positive screen")),
    critical_rules=(),
    change=ChangeDefaults(),
    screen_cutoff=ScreenCutoff(
        3,
        "Bush et al. 1998; Bradley et al. 2003: >= 4 men, >= 3 women",
        by_sex=MappingProxyType({"male": 4, "female": 3}),
    ),
    loinc=LoincCodes(
        panel="72109-2",
        total="75626-2",
        note="Panel, total and item codes verified (US Core AUDIT-C examples, loinc.org).",
    ),
    licence=(
        "WHO AUDIT: free to reproduce, not for sale; LOINC and US Core treat it as public "
        "domain. Answer labels shipped; item wording not shipped yet."
    ),
    sources=(
        "Bush K et al. Arch Intern Med 1998;158(16):1789-1795",
        "Bradley KA et al. Arch Intern Med 2003;163(7):821-829",
    ),
    scorer=_score,
)
