"""Value types of the instrument engine: instruments, items, bands, settings and results."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from bhlink.domain.instruments.exceptions import FieldError, InstrumentValidationError

__all__ = [
    "AnswerOption",
    "AnswerSheet",
    "AskedWhen",
    "ChangeDefaults",
    "CriticalFlag",
    "CriticalItemRule",
    "Direction",
    "Instrument",
    "InstrumentSettings",
    "Interpretation",
    "Item",
    "LoincCodes",
    "PracticeConfig",
    "ScoredResult",
    "ScreenCutoff",
    "SeverityBand",
    "Sex",
    "Threshold",
]

EMPTY_MAPPING: Mapping[str, int] = MappingProxyType({})


class Direction(StrEnum):
    """Which way a total moves when the patient gets better."""

    HIGHER_IS_WORSE = "higher_is_worse"
    HIGHER_IS_BETTER = "higher_is_better"


class Sex(StrEnum):
    """Sex values the engine accepts (FHIR AdministrativeGender codes)."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class AnswerOption:
    """One answer choice of an item.

    ``value`` is what a client submits: the option's ordinal as published for the form
    (for reverse-scored items, its position on the form, 0 = first answer listed).
    ``score`` is what the option adds to the total once any reversal is applied.
    ``code`` is a stable machine code that is accepted in place of ``value``.
    """

    value: int
    code: str
    label: str | None
    score: int
    loinc_answer: str | None = None


@dataclass(frozen=True, slots=True)
class AskedWhen:
    """Skip logic: the item is asked only when ``item_id`` was answered with one of ``values``.

    When it is not asked it counts as ``skipped_value`` (an option value of the item).
    """

    item_id: str
    values: frozenset[int]
    skipped_value: int


@dataclass(frozen=True, slots=True)
class Item:
    """One question of an instrument.

    ``text`` is the verbatim wording and is shipped only where the licence allows it;
    ``topic`` is our own short description, safe to show anywhere.
    ``counted`` items add to the total; the others are recorded but never summed
    (e.g. the PHQ-9 difficulty question).
    """

    id: str
    label: str
    topic: str
    options: tuple[AnswerOption, ...]
    text: str | None = None
    counted: bool = True
    required: bool = True
    reverse_scored: bool = False
    asked_when: AskedWhen | None = None
    loinc: str | None = None

    def option(self, value: int) -> AnswerOption | None:
        """Return the option with this value, or None when the value is not offered."""
        for option in self.options:
            if option.value == value:
                return option
        return None

    def option_by_code(self, code: str) -> AnswerOption | None:
        """Return the option with this machine code, or None."""
        for option in self.options:
            if option.code == code:
                return option
        return None

    def score_of(self, value: int) -> int:
        """Return the points the answer ``value`` is worth (reversal applied)."""
        option = self.option(value)
        if option is None:
            raise ValueError(f"{self.id}: no option with that value")
        return option.score

    @property
    def values(self) -> tuple[int, ...]:
        """The answer values this item accepts, in form order."""
        return tuple(option.value for option in self.options)


@dataclass(frozen=True, slots=True)
class SeverityBand:
    """A labelled score range; ``min`` and ``max`` are inclusive."""

    code: str
    label: str
    min: int
    max: int

    def contains(self, total: float) -> bool:
        """True when ``total`` lies in this band (inclusive)."""
        return self.min <= total <= self.max


@dataclass(frozen=True, slots=True)
class CriticalItemRule:
    """Flag the item whenever its scored value is at least ``min_score``."""

    item_id: str
    min_score: int
    reason: str


@dataclass(frozen=True, slots=True)
class Threshold:
    """A number taken from the literature, with the source that gives it."""

    value: float
    source: str


@dataclass(frozen=True, slots=True)
class ScreenCutoff:
    """A positive-screen cut-off: totals at or beyond it screen positive.

    ``by_sex`` holds sex-specific cut-offs; ``value`` applies when sex is not given
    (or is ``other``/``unknown``).
    """

    value: float
    source: str
    by_sex: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def for_sex(self, sex: Sex | None) -> float:
        """Return the cut-off that applies to ``sex``."""
        if sex is not None and sex.value in self.by_sex:
            return self.by_sex[sex.value]
        return self.value


@dataclass(frozen=True, slots=True)
class ChangeDefaults:
    """Literature defaults used by the outcome analysis (overridable per practice)."""

    reliable_change: Threshold | None = None
    clinically_meaningful_change: Threshold | None = None
    remission_below: Threshold | None = None
    response_reduction: Threshold | None = None


@dataclass(frozen=True, slots=True)
class LoincCodes:
    """LOINC codes of the instrument; ``note`` says how each was verified."""

    panel: str | None
    total: str | None
    note: str


@dataclass(frozen=True, slots=True)
class CriticalFlag:
    """A critical item that fired: which item, why, and the points it scored."""

    item_id: str
    reason: str
    score: int


@dataclass(frozen=True, slots=True)
class Interpretation:
    """A named finding beyond the total, e.g. ``provisional_ptsd`` or ``positive_screen``."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class InstrumentSettings:
    """One practice's overrides for one instrument; None keeps the published default.

    ``reference_sd`` and ``reference_reliability`` (both set) switch the reliable-change
    test to the Jacobson-Truax index computed from the practice's own norms.
    """

    reliable_change: float | None = None
    clinically_meaningful_change: float | None = None
    screen_cutoff: float | None = None
    remission_below: float | None = None
    response_reduction: float | None = None
    reference_sd: float | None = None
    reference_reliability: float | None = None

    def problems(self, prefix: str) -> list[FieldError]:
        """Return what is wrong with these settings (empty when they are usable)."""
        errors: list[FieldError] = []
        for name in ("reliable_change", "clinically_meaningful_change", "reference_sd"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                errors.append(FieldError(f"{prefix}.{name}", "must be greater than 0"))
        if self.reference_reliability is not None and not 0 < self.reference_reliability < 1:
            errors.append(
                FieldError(f"{prefix}.reference_reliability", "must lie strictly between 0 and 1")
            )
        if self.response_reduction is not None and not 0 < self.response_reduction <= 1:
            errors.append(
                FieldError(f"{prefix}.response_reduction", "must lie in (0, 1], e.g. 0.5")
            )
        if (self.reference_sd is None) != (self.reference_reliability is None):
            errors.append(
                FieldError(
                    f"{prefix}.reference_sd",
                    "reference_sd and reference_reliability must be given together",
                )
            )
        return errors


@dataclass(frozen=True, slots=True)
class PracticeConfig:
    """Per-practice settings keyed by instrument id (e.g. ``"GAD-7"``)."""

    instruments: Mapping[str, InstrumentSettings] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        for instrument_id, settings in self.instruments.items():
            errors.extend(settings.problems(f"config.{instrument_id}"))
        if errors:
            raise InstrumentValidationError(errors, context="config")

    def settings_for(self, instrument_id: str) -> InstrumentSettings:
        """Return the overrides for one instrument (all None when there are none)."""
        return self.instruments.get(instrument_id, InstrumentSettings())


@dataclass(frozen=True, slots=True)
class AnswerSheet:
    """Answers after validation: option values per item id.

    ``values`` includes items the skip logic imputed; ``submitted`` only what the
    caller sent. ``missing`` lists counted items left blank where proration allows it.
    """

    values: Mapping[str, int]
    submitted: Mapping[str, int]
    skipped: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScoredResult:
    """Everything the engine concluded from one completed instrument.

    ``total`` is None only for instruments that have no total (the C-SSRS screener,
    whose result is its risk tier in ``severity``). ``item_scores`` holds the points
    per item after reversal and skip imputation; ``answers`` the normalised option
    values as submitted (what a QuestionnaireResponse records).
    """

    instrument_id: str
    instrument_version: str
    total: int | float | None
    severity: str | None
    severity_label: str | None
    subscales: Mapping[str, int | float]
    critical_flags: tuple[CriticalFlag, ...]
    interpretations: tuple[Interpretation, ...]
    prorated: bool
    answers: Mapping[str, int]
    item_scores: Mapping[str, int]
    skipped_items: tuple[str, ...] = ()
    missing_items: tuple[str, ...] = ()

    @property
    def has_critical_flags(self) -> bool:
        """True when any critical item fired."""
        return bool(self.critical_flags)

    def has_interpretation(self, code: str) -> bool:
        """True when the interpretation ``code`` is present."""
        return any(item.code == code for item in self.interpretations)


Scorer = Callable[["Instrument", AnswerSheet, Sex | None, InstrumentSettings], ScoredResult]


@dataclass(frozen=True, slots=True, eq=False)
class Instrument:
    """A scored instrument: its items, rules, bands, thresholds, codes and licence.

    ``bands`` are the published severity bands over ``total``. Screening-only
    instruments leave ``bands`` empty and set ``screen_bands`` so the two bands
    (negative/positive) follow the effective cut-off, including sex-specific ones.
    """

    id: str
    name: str
    version: str
    slug: str
    direction: Direction
    items: tuple[Item, ...]
    total_min: int | None
    total_max: int | None
    scoring_rule: str
    bands: tuple[SeverityBand, ...]
    critical_rules: tuple[CriticalItemRule, ...]
    change: ChangeDefaults
    screen_cutoff: ScreenCutoff | None
    loinc: LoincCodes
    licence: str
    sources: tuple[str, ...]
    scorer: Scorer
    max_prorated_missing: int = 0
    screen_bands: tuple[tuple[str, str], tuple[str, str]] | None = None

    @property
    def has_total(self) -> bool:
        """False for instruments whose result is a category, not a sum (C-SSRS)."""
        return self.total_min is not None

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in form order."""
        return tuple(item.id for item in self.items)

    def item(self, item_id: str) -> Item:
        """Return the item with this id (KeyError when there is none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def bands_for(
        self, sex: Sex | None = None, settings: InstrumentSettings | None = None
    ) -> tuple[SeverityBand, ...]:
        """Return the severity bands that apply, given sex and practice overrides."""
        if self.screen_bands is None or self.screen_cutoff is None:
            return self.bands
        if self.total_min is None or self.total_max is None:
            return ()
        cutoff = self.effective_cutoff(sex, settings)
        if cutoff is None:
            return ()
        (low_code, low_label), (high_code, high_label) = self.screen_bands
        boundary = int(cutoff)
        if self.direction is Direction.HIGHER_IS_WORSE:
            return (
                SeverityBand(low_code, low_label, self.total_min, boundary - 1),
                SeverityBand(high_code, high_label, boundary, self.total_max),
            )
        return (
            SeverityBand(high_code, high_label, self.total_min, boundary),
            SeverityBand(low_code, low_label, boundary + 1, self.total_max),
        )

    def effective_cutoff(
        self, sex: Sex | None = None, settings: InstrumentSettings | None = None
    ) -> float | None:
        """Return the screening cut-off after sex and practice overrides (None if none)."""
        if settings is not None and settings.screen_cutoff is not None:
            return settings.screen_cutoff
        if self.screen_cutoff is None:
            return None
        return self.screen_cutoff.for_sex(sex)

    def band_for(
        self,
        total: float,
        sex: Sex | None = None,
        settings: InstrumentSettings | None = None,
    ) -> SeverityBand | None:
        """Return the band holding ``total``.

        A prorated total can fall between two integer bands (10.6 on the CORE-10); it
        belongs to the highest band whose minimum it has reached.
        """
        found: SeverityBand | None = None
        for band in sorted(self.bands_for(sex, settings), key=lambda band: band.min):
            if total >= band.min:
                found = band
        return found
