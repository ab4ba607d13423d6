"""The instrument registry and the ``score`` entry point."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bhlink.domain.instruments import (
    audit,
    audit_c,
    core10,
    cssrs_screener,
    dast10,
    epds,
    gad2,
    gad7,
    k10,
    pcl5,
    phq2,
    phq9,
    phq_a,
    who5,
)
from bhlink.domain.instruments._answers import parse_sex, validate_answers
from bhlink.domain.instruments._model import Instrument, PracticeConfig, ScoredResult, Sex
from bhlink.domain.instruments.exceptions import UnknownInstrumentError

__all__ = ["get_instrument", "list_instruments", "score"]

_INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {
        module.INSTRUMENT.id: module.INSTRUMENT
        for module in (
            phq9,
            phq2,
            phq_a,
            gad7,
            gad2,
            pcl5,
            audit_c,
            audit,
            dast10,
            cssrs_screener,
            k10,
            who5,
            core10,
            epds,
        )
    }
)


def list_instruments() -> tuple[Instrument, ...]:
    """Return every registered instrument, sorted by id."""
    return tuple(_INSTRUMENTS[key] for key in sorted(_INSTRUMENTS))


def get_instrument(instrument_id: str) -> Instrument:
    """Return the instrument with this id (e.g. ``"PHQ-9"``); ids are case-sensitive.

    Raises UnknownInstrumentError (an InstrumentValidationError) for any other id.
    """
    instrument = _INSTRUMENTS.get(instrument_id) if isinstance(instrument_id, str) else None
    if instrument is None:
        raise UnknownInstrumentError(tuple(sorted(_INSTRUMENTS)))
    return instrument


def score(
    instrument_id: str,
    answers: Mapping[str, int | str | None],
    *,
    sex: Sex | str | None = None,
    config: PracticeConfig | None = None,
) -> ScoredResult:
    """Validate ``answers`` and score them with the instrument's published rules.

    ``answers`` maps question ids (``"phq9_q1"``) to an option value (int) or an option
    code (str); None or a missing key means unanswered. ``sex`` (male/female/other/
    unknown) selects sex-specific cut-offs. ``config`` carries practice overrides.

    Raises InstrumentValidationError naming every offending field.
    """
    instrument = get_instrument(instrument_id)
    parsed_sex = parse_sex(sex)
    sheet = validate_answers(instrument, answers)
    settings = (config or PracticeConfig()).settings_for(instrument.id)
    return instrument.scorer(instrument, sheet, parsed_sex, settings)
