"""Answer-option sets shared by several instruments, and helpers to build them."""

from __future__ import annotations

from bhlink.domain.instruments._model import AnswerOption

__all__ = [
    "PHQ_DIFFICULTY",
    "PHQ_FREQUENCY",
    "YES_NO",
    "options",
    "reversed_options",
]


def options(*choices: tuple[str, str | None], start: int = 0) -> tuple[AnswerOption, ...]:
    """Build options valued start, start+1, ... in form order; score equals value."""
    return tuple(
        AnswerOption(value=start + index, code=code, label=label, score=start + index)
        for index, (code, label) in enumerate(choices)
    )


def reversed_options(*choices: tuple[str, str | None]) -> tuple[AnswerOption, ...]:
    """Build options valued 0, 1, ... in form order but scored from the top down."""
    top = len(choices) - 1
    return tuple(
        AnswerOption(value=index, code=code, label=label, score=top - index)
        for index, (code, label) in enumerate(choices)
    )


# PHQ answer list LL358-3: LA6568-5 ... LA6571-9, ordinal 0-3. Verified against the
# LOINC/LHC-Forms Questionnaire exports for panels 44249-1 (PHQ-9) and 69737-5 (GAD-7).
PHQ_FREQUENCY: tuple[AnswerOption, ...] = (
    AnswerOption(0, "not_at_all", "Not at all", 0, "LA6568-5"),
    AnswerOption(1, "several_days", "Several days", 1, "LA6569-3"),
    AnswerOption(2, "more_than_half_the_days", "More than half the days", 2, "LA6570-1"),
    AnswerOption(3, "nearly_every_day", "Nearly every day", 3, "LA6571-9"),
)

# PHQ-9 item 10 (LOINC 69722-7). Note LOINC's codes are not in answer order:
# "Very difficult" is LA6575-0 and "Extremely difficult" LA6574-3 (LHC-Forms export of
# 44249-1). The ordinal is recorded but never added to any total.
PHQ_DIFFICULTY: tuple[AnswerOption, ...] = (
    AnswerOption(0, "not_difficult_at_all", "Not difficult at all", 0, "LA6572-7"),
    AnswerOption(1, "somewhat_difficult", "Somewhat difficult", 1, "LA6573-5"),
    AnswerOption(2, "very_difficult", "Very difficult", 2, "LA6575-0"),
    AnswerOption(3, "extremely_difficult", "Extremely difficult", 3, "LA6574-3"),
)

# LOINC LA32-8 No / LA33-6 Yes (as in the LHC-Forms C-SSRS screener export, 93373-9).
YES_NO: tuple[AnswerOption, ...] = (
    AnswerOption(0, "no", "No", 0, "LA32-8"),
    AnswerOption(1, "yes", "Yes", 1, "LA33-6"),
)
