"""The appointment state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bhlink.domain.errors import Conflict
from bhlink.domain.scheduling import AppointmentStatus as S
from bhlink.domain.scheduling import check_times, check_transition


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (S.SCHEDULED, S.CONFIRMED),
        (S.CONFIRMED, S.CHECKED_IN),
        (S.CHECKED_IN, S.COMPLETED),
        (S.SCHEDULED, S.NO_SHOW),
        (S.CONFIRMED, S.CANCELLED),
    ],
)
def test_allowed(a: S, b: S) -> None:
    check_transition(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (S.SCHEDULED, S.COMPLETED),
        (S.COMPLETED, S.CANCELLED),
        (S.CANCELLED, S.SCHEDULED),
        (S.NO_SHOW, S.CHECKED_IN),
    ],
)
def test_refused(a: S, b: S) -> None:
    with pytest.raises(Conflict):
        check_transition(a, b)


def test_times() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert check_times(now, now + timedelta(minutes=50)) == []
    assert check_times(now, now)[0].field == "endTime"
    assert check_times(now, now + timedelta(days=2))[0].field == "endTime"
