"""Outcome analysis: change between two scores of one instrument, and score objectives.

Definitions and their sources:

* Reliable change. With a reference SD and reliability (a practice's own norms) the
  Jacobson-Truax index is used: RCI = (current - baseline) / S_diff, where
  S_diff = sqrt(2 * SE^2) and SE = SD * sqrt(1 - r); the change is reliable when
  |RCI| > 1.96 (Jacobson & Truax, J Consult Clin Psychol 1991;59:12-19). Otherwise the
  instrument's published reliable-change threshold in points applies (|delta| >= it),
  each cited in the instrument's module (e.g. PHQ-9 6, GAD-7 4, PCL-5 5, EPDS 4).
* Improved / deteriorated: a reliable change in the better / worse direction, which
  depends on the instrument (WHO-5 improves upward, the others downward). None when no
  threshold is known for the instrument.
* Response: a reduction of at least 50% from baseline on a higher-is-worse instrument
  (NCQA HEDIS DRR-E for the PHQ-9); not defined for higher-is-better instruments.
* Remission: current total below the instrument's remission threshold (PHQ-9 and PHQ-A
  < 5, HEDIS DRR-E; GAD-7 < 5, its minimal band); None where none is published.
* Objectives such as ``"PHQ-9 < 10"``: met when the current total satisfies the
  comparison; "progressing" when not yet met but closer to the target than baseline.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum

from bhlink.domain.instruments import (
    Direction,
    FieldError,
    Instrument,
    InstrumentValidationError,
    PracticeConfig,
    ScoredResult,
    get_instrument,
    list_instruments,
)

__all__ = [
    "ChangeAnalysis",
    "ChangeKind",
    "Comparator",
    "ObjectiveEvaluation",
    "ObjectiveStatus",
    "ScoreObjective",
    "analyze_change",
    "evaluate_objective",
    "jacobson_truax_threshold",
    "parse_objective",
]

_Z_95 = 1.96  # two-tailed 95% criterion of Jacobson & Truax (1991)


class ChangeKind(StrEnum):
    """Direction-aware description of a raw change (before any reliability test)."""

    BETTER = "better"
    WORSE = "worse"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class ChangeAnalysis:
    """Comparison of a current total with a baseline total on one instrument.

    Every ``bool | None`` field is None when the instrument (or the practice config)
    defines no threshold for it, so "not defined" is never reported as "no".
    """

    instrument_id: str
    direction: Direction
    baseline: float
    current: float
    delta: float
    percent_change: float | None
    change: ChangeKind
    reliable_change_threshold: float | None
    reliable_change_method: str | None
    rci: float | None
    reliable: bool | None
    improved: bool | None
    deteriorated: bool | None
    clinically_meaningful_change_threshold: float | None
    clinically_meaningful_improvement: bool | None
    response: bool | None
    remission: bool | None
    sources: tuple[str, ...]


def jacobson_truax_threshold(sd: float, reliability: float) -> float:
    """Return the smallest |difference| that is reliable at 95%: 1.96 * SD * sqrt(2(1 - r))."""
    if not sd > 0 or not 0 < reliability < 1:
        raise ValueError("sd must be > 0 and reliability strictly between 0 and 1")
    return _Z_95 * sd * math.sqrt(2 * (1 - reliability))


def _total_of(
    instrument: Instrument, value: float | ScoredResult, field: str
) -> tuple[float | None, FieldError | None]:
    if isinstance(value, ScoredResult):
        if value.instrument_id != instrument.id:
            return None, FieldError(
                field, f"is a result of another instrument, not {instrument.id}"
            )
        if value.total is None:
            return None, FieldError(field, "has no total score")
        return float(value.total), None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, FieldError(field, "must be a number")
    low, high = instrument.total_min, instrument.total_max
    if low is None or high is None:
        return None, FieldError(field, f"{instrument.id} has no total score to compare")
    if not low <= value <= high:
        return None, FieldError(field, f"must lie between {low} and {high} for {instrument.id}")
    return float(value), None


def analyze_change(
    instrument_id: str,
    baseline: float | ScoredResult,
    current: float | ScoredResult,
    *,
    config: PracticeConfig | None = None,
) -> ChangeAnalysis:
    """Compare ``current`` with ``baseline`` (totals or ScoredResults) on one instrument.

    Raises InstrumentValidationError for an unknown instrument, an instrument without a
    total (the C-SSRS screener), or totals outside the instrument's range.
    """
    instrument = get_instrument(instrument_id)
    settings = (config or PracticeConfig()).settings_for(instrument.id)
    base, base_error = _total_of(instrument, baseline, "baseline")
    now, now_error = _total_of(instrument, current, "current")
    errors = [error for error in (base_error, now_error) if error is not None]
    if errors or base is None or now is None:
        raise InstrumentValidationError(errors, context="scores")

    defaults = instrument.change
    sources: list[str] = []
    delta = now - base
    better_sign = -1 if instrument.direction is Direction.HIGHER_IS_WORSE else 1
    if delta == 0:
        change = ChangeKind.UNCHANGED
    elif delta * better_sign > 0:
        change = ChangeKind.BETTER
    else:
        change = ChangeKind.WORSE

    rci: float | None = None
    method: str | None = None
    threshold: float | None = None
    reliable: bool | None = None
    if settings.reference_sd is not None and settings.reference_reliability is not None:
        threshold = jacobson_truax_threshold(settings.reference_sd, settings.reference_reliability)
        standard_error = settings.reference_sd * math.sqrt(1 - settings.reference_reliability)
        rci = delta / math.sqrt(2 * standard_error**2)
        reliable = abs(rci) > _Z_95
        method = "jacobson_truax"
        sources.append("Jacobson & Truax 1991, practice reference SD and reliability")
    elif settings.reliable_change is not None:
        threshold = settings.reliable_change
        method = "threshold"
        sources.append("practice configuration: reliable_change")
    elif defaults.reliable_change is not None:
        threshold = defaults.reliable_change.value
        method = "threshold"
        sources.append(defaults.reliable_change.source)
    if method == "threshold" and threshold is not None:
        reliable = abs(delta) >= threshold

    meaningful_threshold = settings.clinically_meaningful_change
    if meaningful_threshold is None and defaults.clinically_meaningful_change is not None:
        meaningful_threshold = defaults.clinically_meaningful_change.value
        sources.append(defaults.clinically_meaningful_change.source)
    meaningful = (
        None
        if meaningful_threshold is None
        else change is ChangeKind.BETTER and abs(delta) >= meaningful_threshold
    )

    response: bool | None = None
    reduction = settings.response_reduction
    if reduction is None and defaults.response_reduction is not None:
        reduction = defaults.response_reduction.value
        sources.append(defaults.response_reduction.source)
    if reduction is not None and instrument.direction is Direction.HIGHER_IS_WORSE and base > 0:
        response = (base - now) / base >= reduction

    remission: bool | None = None
    remission_below = settings.remission_below
    if remission_below is None and defaults.remission_below is not None:
        remission_below = defaults.remission_below.value
        sources.append(defaults.remission_below.source)
    if remission_below is not None:
        remission = now < remission_below

    return ChangeAnalysis(
        instrument_id=instrument.id,
        direction=instrument.direction,
        baseline=base,
        current=now,
        delta=delta,
        percent_change=None if base == 0 else round(delta / base * 100, 1),
        change=change,
        reliable_change_threshold=threshold,
        reliable_change_method=method,
        rci=rci,
        reliable=reliable,
        improved=None if reliable is None else reliable and change is ChangeKind.BETTER,
        deteriorated=None if reliable is None else reliable and change is ChangeKind.WORSE,
        clinically_meaningful_change_threshold=meaningful_threshold,
        clinically_meaningful_improvement=meaningful,
        response=response,
        remission=remission,
        sources=tuple(sources),
    )


class Comparator(StrEnum):
    """Comparison of a score objective."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    def holds(self, value: float, target: float) -> bool:
        """True when ``value`` satisfies ``value <op> target``."""
        if self is Comparator.LT:
            return value < target
        if self is Comparator.LE:
            return value <= target
        if self is Comparator.GT:
            return value > target
        return value >= target

    def nearest_whole_meeting(self, target: float) -> float:
        """Return the whole-number total closest to ``target`` that meets the objective.

        Totals are whole numbers (only a prorated CORE-10 has a decimal), so "< 10" is
        met from 9 and "> 4.5" from 5.
        """
        if self is Comparator.LT:
            return float(math.ceil(target) - 1)
        if self is Comparator.LE:
            return float(math.floor(target))
        if self is Comparator.GT:
            return float(math.floor(target) + 1)
        return float(math.ceil(target))


class ObjectiveStatus(StrEnum):
    """Where a patient stands against a score objective."""

    MET = "met"
    PROGRESSING = "progressing"
    NOT_MET = "not_met"


@dataclass(frozen=True, slots=True)
class ScoreObjective:
    """A treatment-plan objective on one instrument's total, e.g. PHQ-9 < 10."""

    instrument_id: str
    comparator: Comparator
    target: float

    def __str__(self) -> str:
        target = int(self.target) if self.target.is_integer() else self.target
        return f"{self.instrument_id} {self.comparator.value} {target}"


@dataclass(frozen=True, slots=True)
class ObjectiveEvaluation:
    """Outcome of checking a score objective against a current total.

    ``progress`` is the share (0-1) of the distance from baseline to the nearest
    whole-number total meeting the objective that has been covered; None without a
    baseline. ``remaining`` is how many points the current total must still move to
    get there (0 when met).
    """

    objective: ScoreObjective
    current: float
    status: ObjectiveStatus
    met: bool
    progress: float | None
    remaining: float


_OBJECTIVE = re.compile(
    r"^\s*(?P<instrument>[A-Za-z0-9][A-Za-z0-9\-]*)\s*(?P<op><=|>=|<|>|≤|≥)\s*"
    r"(?P<target>\d+(?:\.\d+)?)\s*$"
)
_UNICODE_OPS = {"≤": "<=", "≥": ">="}


def parse_objective(text: str) -> ScoreObjective:
    """Parse ``"<instrument> <comparator> <number>"`` (e.g. ``"PHQ-9 < 10"``).

    Instrument ids match case-insensitively; comparators are <, <=, >, >= (or ≤, ≥).
    Raises InstrumentValidationError (field ``objective``) without echoing the text.
    """
    match = _OBJECTIVE.match(text) if isinstance(text, str) else None
    if match is None:
        raise InstrumentValidationError(
            [FieldError("objective", "must look like '<instrument> <, <=, > or >= <number>'")],
            context="objective",
        )
    wanted = match["instrument"].upper()
    instrument = next(
        (item for item in list_instruments() if item.id.upper() == wanted),
        None,
    )
    if instrument is None or not instrument.has_total:
        raise InstrumentValidationError(
            [FieldError("objective", "names no instrument with a total score")],
            context="objective",
        )
    target = float(match["target"])
    assert instrument.total_min is not None and instrument.total_max is not None
    if not instrument.total_min <= target <= instrument.total_max:
        raise InstrumentValidationError(
            [
                FieldError(
                    "objective",
                    f"target must lie between {instrument.total_min} and "
                    f"{instrument.total_max} for {instrument.id}",
                )
            ],
            context="objective",
        )
    operator = _UNICODE_OPS.get(match["op"], match["op"])
    return ScoreObjective(instrument.id, Comparator(operator), target)


def evaluate_objective(
    objective: ScoreObjective | str,
    current: float | ScoredResult,
    *,
    baseline: float | ScoredResult | None = None,
) -> ObjectiveEvaluation:
    """Evaluate an objective against the current total (and optionally a baseline)."""
    goal = parse_objective(objective) if isinstance(objective, str) else objective
    instrument = get_instrument(goal.instrument_id)
    now, now_error = _total_of(instrument, current, "current")
    base: float | None = None
    base_error: FieldError | None = None
    if baseline is not None:
        base, base_error = _total_of(instrument, baseline, "baseline")
    errors = [error for error in (now_error, base_error) if error is not None]
    if errors or now is None:
        raise InstrumentValidationError(errors, context="scores")

    met = goal.comparator.holds(now, goal.target)
    boundary = goal.comparator.nearest_whole_meeting(goal.target)
    remaining = 0.0 if met else abs(boundary - now)
    progress: float | None = None
    if base is not None:
        if met:
            progress = 1.0
        elif goal.comparator.holds(base, goal.target) or base == boundary:
            progress = 0.0
        else:
            covered = (base - now) / (base - boundary)
            progress = round(min(1.0, max(0.0, covered)), 3)
    if met:
        status = ObjectiveStatus.MET
    elif progress is not None and progress > 0:
        status = ObjectiveStatus.PROGRESSING
    else:
        status = ObjectiveStatus.NOT_MET
    return ObjectiveEvaluation(
        objective=goal,
        current=now,
        status=status,
        met=met,
        progress=progress,
        remaining=remaining,
    )
