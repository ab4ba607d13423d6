"""Measurement-based-care instruments: definitions, validation and scoring (pure).

Usage::

    from bhlink.domain.instruments import score, get_instrument

    result = score("PHQ-9", {"phq9_q1": 2, ..., "phq9_q9": 0})
    result.total, result.severity, result.critical_flags

Every rule is taken from the instrument's published source, cited in its module.
"""

from bhlink.domain.instruments._model import (
    AnswerOption,
    AskedWhen,
    ChangeDefaults,
    CriticalFlag,
    CriticalItemRule,
    Direction,
    Instrument,
    InstrumentSettings,
    Interpretation,
    Item,
    LoincCodes,
    PracticeConfig,
    ScoredResult,
    ScreenCutoff,
    SeverityBand,
    Sex,
    Threshold,
)
from bhlink.domain.instruments._registry import get_instrument, list_instruments, score
from bhlink.domain.instruments.exceptions import (
    FieldError,
    InstrumentError,
    InstrumentValidationError,
    UnknownInstrumentError,
)

__all__ = [
    "AnswerOption",
    "AskedWhen",
    "ChangeDefaults",
    "CriticalFlag",
    "CriticalItemRule",
    "Direction",
    "FieldError",
    "Instrument",
    "InstrumentError",
    "InstrumentSettings",
    "InstrumentValidationError",
    "Interpretation",
    "Item",
    "LoincCodes",
    "PracticeConfig",
    "ScoredResult",
    "ScreenCutoff",
    "SeverityBand",
    "Sex",
    "Threshold",
    "UnknownInstrumentError",
    "get_instrument",
    "list_instruments",
    "score",
]
