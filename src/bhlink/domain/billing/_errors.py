"""The billing package's exception.

ProblemsError (bhlink.domain.codes)
└── BillingError   bad input to a billing rule (negative minutes, float money, unknown code)
"""

from __future__ import annotations

from bhlink.domain.codes import Problem, ProblemsError


class BillingError(ProblemsError):
    """A billing rule was given input it cannot work with."""


def billing_error(field: str, message: str, code: str) -> BillingError:
    """A BillingError with a single problem."""
    return BillingError([Problem(field, message, code)])
