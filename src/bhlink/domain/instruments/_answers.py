"""Validation of submitted answers against an instrument's items and skip logic."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from bhlink.domain.instruments._model import AnswerSheet, Instrument, Item, Sex
from bhlink.domain.instruments.exceptions import FieldError, InstrumentValidationError

__all__ = ["parse_sex", "validate_answers"]

# Question ids are short machine identifiers. A key that does not look like one may be
# free text pasted into the wrong place, so it is never echoed back in an error.
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def _field(key: str) -> str:
    return f"answers.{key}" if _SAFE_KEY.match(key) else "answers"


def _allowed(item: Item) -> str:
    values = ", ".join(str(value) for value in item.values)
    return f"must be one of {values} (or one of the option codes)"


def _parse_one(item: Item, raw: object) -> tuple[int | None, str | None]:
    """Return (value, None) for a usable answer, (None, None) for blank, else an error."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        # bool is a subclass of int in Python; True must not silently score 1.
        return None, "must be an integer option value, not a boolean"
    if isinstance(raw, int):
        if item.option(raw) is None:
            return None, _allowed(item)
        return raw, None
    if isinstance(raw, str):
        option = item.option_by_code(raw)
        if option is None:
            # Never echo the string: it may be a patient's free text.
            return None, "text is not a valid answer; " + _allowed(item)
        return option.value, None
    return None, "must be an integer option value or an option code"


def validate_answers(instrument: Instrument, answers: object) -> AnswerSheet:
    """Check ``answers`` against the instrument and return the normalised sheet.

    Raises InstrumentValidationError listing every problem found, each naming its item.
    """
    if not isinstance(answers, Mapping):
        raise InstrumentValidationError(
            [FieldError("answers", "must be an object mapping question ids to answers")]
        )
    errors: list[FieldError] = []
    known = {item.id: item for item in instrument.items}
    submitted: dict[str, int] = {}
    invalid: set[str] = set()
    for key, raw in answers.items():
        if not isinstance(key, str) or key not in known:
            name = key if isinstance(key, str) else ""
            errors.append(FieldError(_field(name), f"unknown question id for {instrument.id}"))
            continue
        value, problem = _parse_one(known[key], raw)
        if problem is not None:
            errors.append(FieldError(_field(key), problem))
            invalid.add(key)
        elif value is not None:
            submitted[key] = value

    values = dict(submitted)
    skipped: list[str] = []
    blank: list[Item] = []
    for item in instrument.items:
        if item.id in invalid:
            continue  # already reported; "required" on top would only add noise
        rule = item.asked_when
        if rule is not None:
            trigger = submitted.get(rule.item_id)
            if trigger is None:
                # The controlling answer is itself missing or invalid; that error is
                # reported on its own item, and this one cannot be judged yet.
                if item.id not in submitted and item.required:
                    blank.append(item)
                continue
            if trigger not in rule.values:
                if item.id in submitted and submitted[item.id] != rule.skipped_value:
                    errors.append(
                        FieldError(
                            _field(item.id),
                            f"must be left blank: the form skips it given the answer "
                            f"to {rule.item_id}",
                        )
                    )
                    continue
                values[item.id] = rule.skipped_value
                skipped.append(item.id)
                continue
        if item.id not in submitted and item.required:
            blank.append(item)

    counted_blank = [item for item in blank if item.counted]
    prorate = (
        instrument.max_prorated_missing > 0
        and len(blank) == len(counted_blank)
        and 0 < len(counted_blank) <= instrument.max_prorated_missing
    )
    if blank and not prorate:
        allowance = (
            f" ({instrument.id} allows at most {instrument.max_prorated_missing} unanswered)"
            if instrument.max_prorated_missing
            else ""
        )
        errors.extend(
            FieldError(_field(item.id), "an answer is required" + allowance) for item in blank
        )
    if errors:
        raise InstrumentValidationError(errors)
    return AnswerSheet(
        values=MappingProxyType(values),
        submitted=MappingProxyType(submitted),
        skipped=tuple(skipped),
        missing=tuple(item.id for item in counted_blank) if prorate else (),
    )


def parse_sex(sex: object) -> Sex | None:
    """Normalise the optional ``sex`` argument (FHIR AdministrativeGender codes)."""
    if sex is None:
        return None
    if isinstance(sex, Sex):
        return sex
    if isinstance(sex, str):
        try:
            return Sex(sex.strip().lower())
        except ValueError:
            pass
    raise InstrumentValidationError(
        [FieldError("sex", "must be one of male, female, other, unknown")], context="sex"
    )
