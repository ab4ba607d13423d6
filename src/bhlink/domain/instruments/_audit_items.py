"""AUDIT item definitions shared by the AUDIT and the AUDIT-C (WHO wording of the answers)."""

from __future__ import annotations

from bhlink.domain.instruments._model import AnswerOption, Item
from bhlink.domain.instruments._options import options

__all__ = ["AUDIT_LOINC_ITEMS", "audit_items"]

_FREQUENCY = options(
    ("never", "Never"),
    ("monthly_or_less", "Monthly or less"),
    ("2_to_4_times_a_month", "2 to 4 times a month"),
    ("2_to_3_times_a_week", "2 to 3 times a week"),
    ("4_or_more_times_a_week", "4 or more times a week"),
)
_QUANTITY = options(
    ("1_or_2", "1 or 2"),
    ("3_or_4", "3 or 4"),
    ("5_or_6", "5 or 6"),
    ("7_to_9", "7, 8, or 9"),
    ("10_or_more", "10 or more"),
)
_OCCASIONS = options(
    ("never", "Never"),
    ("less_than_monthly", "Less than monthly"),
    ("monthly", "Monthly"),
    ("weekly", "Weekly"),
    ("daily_or_almost_daily", "Daily or almost daily"),
)
# Questions 9 and 10 have three answers worth 0, 2 and 4 points (WHO AUDIT manual,
# Babor et al. 2001). The value a client submits is that printed score: 1 and 3 are
# not answers.
_YES_LAST_YEAR = (
    AnswerOption(0, "no", "No", 0),
    AnswerOption(2, "yes_not_in_the_last_year", "Yes, but not in the last year", 2),
    AnswerOption(4, "yes_during_the_last_year", "Yes, during the last year", 4),
)

_TOPICS: tuple[tuple[str, tuple[AnswerOption, ...]], ...] = (
    ("drinking frequency", _FREQUENCY),
    ("drinks on a typical drinking day", _QUANTITY),
    ("frequency of six or more drinks on one occasion", _OCCASIONS),
    ("unable to stop once started", _OCCASIONS),
    ("failed expectations because of drinking", _OCCASIONS),
    ("morning drinking", _OCCASIONS),
    ("guilt or remorse after drinking", _OCCASIONS),
    ("memory loss after drinking", _OCCASIONS),
    ("alcohol-related injury", _YES_LAST_YEAR),
    ("others concerned about drinking", _YES_LAST_YEAR),
)

# Items 1-3 (shared with the AUDIT-C, LOINC 72109-2). Codes for items 4-10 were not
# verified, so they carry none.
AUDIT_LOINC_ITEMS: tuple[str, ...] = ("68518-0", "68519-8", "68520-6")


def audit_items(prefix: str, count: int) -> tuple[Item, ...]:
    """Return the first ``count`` AUDIT items with ids ``{prefix}_q1`` ...."""
    return tuple(
        Item(
            id=f"{prefix}_q{number}",
            label=str(number),
            topic=_TOPICS[number - 1][0],
            options=_TOPICS[number - 1][1],
            loinc=AUDIT_LOINC_ITEMS[number - 1] if number <= len(AUDIT_LOINC_ITEMS) else None,
        )
        for number in range(1, count + 1)
    )
