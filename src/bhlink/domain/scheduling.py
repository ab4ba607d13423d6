"""Appointment rules: the status state machine, overlap, and telehealth place-of-service."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from bhlink.domain.errors import Conflict, FieldProblem


class AppointmentStatus(StrEnum):
    """Where an appointment is in its life."""

    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


S = AppointmentStatus
ALLOWED_TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    S.SCHEDULED: frozenset({S.CONFIRMED, S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CONFIRMED: frozenset({S.SCHEDULED, S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}
TERMINAL = frozenset({S.COMPLETED, S.CANCELLED, S.NO_SHOW})
# Cancelled and no-show slots free the provider's time for someone else.
BLOCKS_TIME = frozenset({S.SCHEDULED, S.CONFIRMED, S.CHECKED_IN, S.COMPLETED})

CANCEL_REASONS = frozenset(
    {
        "patient_request",
        "provider_unavailable",
        "weather",
        "insurance",
        "rescheduled",
        "late_cancel",
        "clinic_closed",
        "other",
    }
)

# CMS place-of-service codes for telehealth: 02 (not in the patient's home), 10 (in the home).
TELEHEALTH_POS = frozenset({"02", "10"})


def check_transition(current: AppointmentStatus, target: AppointmentStatus) -> None:
    """Raise Conflict when the state machine does not allow `current` → `target`."""
    if current == target:
        return
    if target not in ALLOWED_TRANSITIONS[current]:
        raise Conflict(
            detail=f"an appointment that is {current.value} cannot become {target.value}",
            errors=[
                FieldProblem(
                    "status", f"transition {current.value} -> {target.value} is not allowed"
                )
            ],
            code="invalid_transition",
        )


# The longest an appointment may last; overlap searches rely on it to bound their index range.
MAX_DURATION = timedelta(hours=24)


def check_times(start: datetime, end: datetime) -> list[FieldProblem]:
    """An appointment must end after it starts and last at most one day."""
    problems: list[FieldProblem] = []
    if end <= start:
        problems.append(FieldProblem("endTime", "must be after startTime"))
    elif end - start > MAX_DURATION:
        problems.append(FieldProblem("endTime", "an appointment may last at most 24 hours"))
    return problems


def duration_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes between start and end."""
    return int((end - start).total_seconds() // 60)
