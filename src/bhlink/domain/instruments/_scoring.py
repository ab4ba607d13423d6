"""Scoring steps shared by the instruments: sums, proration, bands, flags, results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from bhlink.domain.instruments._model import (
    AnswerSheet,
    CriticalFlag,
    Direction,
    Instrument,
    InstrumentSettings,
    Interpretation,
    ScoredResult,
    Sex,
)

__all__ = [
    "build_result",
    "critical_flags",
    "item_scores",
    "prorated_total",
    "screen_interpretation",
    "standard_scorer",
    "sum_items",
]


def item_scores(instrument: Instrument, sheet: AnswerSheet) -> dict[str, int]:
    """Return the points of every answered (or skip-imputed) item, reversal applied."""
    return {
        item.id: item.score_of(sheet.values[item.id])
        for item in instrument.items
        if item.id in sheet.values
    }


def sum_items(scores: Mapping[str, int], item_ids: Iterable[str]) -> int:
    """Sum the points of the given items (all must be present)."""
    return sum(scores[item_id] for item_id in item_ids)


def prorated_total(instrument: Instrument, scores: Mapping[str, int]) -> tuple[int | float, bool]:
    """Return (total, prorated) over the counted items.

    With every counted item present the total is the plain sum. With some missing
    (only reachable when the instrument allows proration) it is the mean of the
    answered items times the number of items, rounded half-up to one decimal so the
    same answers always give the same number.
    """
    counted = [item.id for item in instrument.items if item.counted]
    answered = [item_id for item_id in counted if item_id in scores]
    raw = sum_items(scores, answered)
    if len(answered) == len(counted):
        return raw, False
    mean_times_n = Decimal(raw) * len(counted) / len(answered)
    return float(mean_times_n.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)), True


def critical_flags(instrument: Instrument, scores: Mapping[str, int]) -> tuple[CriticalFlag, ...]:
    """Evaluate every critical-item rule against the item scores, independent of the total."""
    return tuple(
        CriticalFlag(rule.item_id, rule.reason, scores[rule.item_id])
        for rule in instrument.critical_rules
        if rule.item_id in scores and scores[rule.item_id] >= rule.min_score
    )


def screen_interpretation(
    instrument: Instrument,
    total: float,
    sex: Sex | None,
    settings: InstrumentSettings,
    *,
    positive_message: str,
) -> tuple[Interpretation, ...]:
    """Return ``positive_screen`` when the total reaches the effective cut-off."""
    cutoff = instrument.effective_cutoff(sex, settings)
    if cutoff is None:
        return ()
    if instrument.direction is Direction.HIGHER_IS_WORSE:
        positive = total >= cutoff
        rule = f"total {_number(total)} >= cut-off {_number(cutoff)}"
    else:
        positive = total <= cutoff
        rule = f"total {_number(total)} <= cut-off {_number(cutoff)}"
    if not positive:
        return ()
    return (Interpretation("positive_screen", f"{positive_message} ({rule})"),)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def build_result(
    instrument: Instrument,
    sheet: AnswerSheet,
    scores: Mapping[str, int],
    *,
    total: int | float | None,
    prorated: bool,
    sex: Sex | None,
    settings: InstrumentSettings,
    subscales: Mapping[str, int | float] | None = None,
    interpretations: tuple[Interpretation, ...] = (),
    severity: tuple[str, str] | None = None,
) -> ScoredResult:
    """Assemble a ScoredResult; the band comes from ``total`` unless ``severity`` is given."""
    if severity is None and total is not None:
        band = instrument.band_for(total, sex, settings)
        severity = (band.code, band.label) if band is not None else None
    return ScoredResult(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        total=total,
        severity=severity[0] if severity else None,
        severity_label=severity[1] if severity else None,
        subscales=MappingProxyType(dict(subscales or {})),
        critical_flags=critical_flags(instrument, scores),
        interpretations=interpretations,
        prorated=prorated,
        answers=sheet.submitted,
        item_scores=MappingProxyType(dict(scores)),
        skipped_items=sheet.skipped,
        missing_items=sheet.missing,
    )


def standard_scorer(
    instrument: Instrument,
    sheet: AnswerSheet,
    sex: Sex | None,
    settings: InstrumentSettings,
) -> ScoredResult:
    """Sum the counted items, band the total, flag critical items, test the cut-off."""
    scores = item_scores(instrument, sheet)
    total, prorated = prorated_total(instrument, scores)
    interpretations: tuple[Interpretation, ...] = ()
    if prorated:
        interpretations += (
            Interpretation(
                "prorated",
                f"{len(sheet.missing)} item(s) unanswered; total prorated from the "
                f"mean of the answered items",
            ),
        )
    interpretations += screen_interpretation(
        instrument,
        total,
        sex,
        settings,
        positive_message=f"{instrument.id} screen positive",
    )
    return build_result(
        instrument,
        sheet,
        scores,
        total=total,
        prorated=prorated,
        sex=sex,
        settings=settings,
        interpretations=interpretations,
    )
