"""Timely filing: was a claim submitted within the payer's limit after the date of service.

The limit is payer-specific and counted in days from the date of service; a claim submitted
on the last day is on time. Medicare's limit is one calendar year after the date of service
(42 CFR 424.44(a)(1), Medicare Claims Processing Manual ch. 1, section 70); commercial and
Medicaid plans commonly use 90, 180 or 365 days, set per payer in their contracts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bhlink.domain.billing._errors import billing_error
from bhlink.domain.codes import Problem

MEDICARE_TIMELY_FILING_DAYS = 365


def filing_deadline(date_of_service: date, limit_days: int) -> date:
    """The last day a claim for `date_of_service` is on time."""
    if isinstance(limit_days, bool) or not isinstance(limit_days, int) or limit_days < 1:
        raise billing_error(
            "timelyFilingDays",
            "must be a whole number of days, at least 1",
            "billing.bad_filing_limit",
        )
    _check_date(date_of_service, "dateOfService")
    return date_of_service + timedelta(days=limit_days)


def check_timely_filing(
    date_of_service: date, submitted_on: date, limit_days: int
) -> list[Problem]:
    """Problems when the submission is late, or dated before the service itself."""
    deadline = filing_deadline(date_of_service, limit_days)
    _check_date(submitted_on, "submittedOn")
    if submitted_on < date_of_service:
        return [
            Problem("submittedOn", "is before the date of service", "timely_filing.before_service")
        ]
    if submitted_on > deadline:
        late_by = (submitted_on - deadline).days
        return [
            Problem(
                "submittedOn",
                f"is {late_by} day(s) after the payer's "
                f"{limit_days}-day filing limit (deadline {deadline.isoformat()})",
                "timely_filing.late",
            )
        ]
    return []


def _check_date(value: object, field: str) -> None:
    # datetime is a subclass of date; a timestamp here would make day arithmetic ambiguous.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise billing_error(field, "must be a calendar date (YYYY-MM-DD)", "billing.bad_date")
