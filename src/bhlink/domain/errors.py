"""Domain errors, one hierarchy rendered by every entry point (HTTP problem+json, CLI, worker).

    DomainError
    ├── InvalidInput          (422) field-level problems in a request
    ├── NotFound              (404) unknown id, or an id the caller may not know exists
    ├── Conflict              (409) the state of a record forbids the change
    ├── PreconditionFailed    (412) If-Match names a version that is no longer current
    ├── PreconditionRequired  (428) an update of a versioned record came without If-Match
    ├── Unauthenticated       (401) missing, wrong, expired or revoked credentials
    ├── Forbidden             (403) authenticated, but the role or entitlement does not allow it
    ├── PayloadTooLarge       (413)
    └── RateLimited           (429)

Messages never carry PHI: they name fields, ids and rules, never values a patient gave.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one input field (a JSON path such as `insurance[0].memberId`)."""

    field: str
    message: str


@dataclass
class DomainError(Exception):
    """Base class: `title` is fixed per kind, `detail` explains this occurrence."""

    detail: str
    errors: list[FieldProblem] = field(default_factory=list)
    code: str | None = None

    status = 500
    title = "Internal error"

    def __post_init__(self) -> None:
        super().__init__(self.detail)


class InvalidInput(DomainError):
    """The request names fields that are missing or invalid."""

    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    """The resource does not exist in this integration (or must look so to the caller)."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The current state forbids the change."""

    status = 409
    title = "Conflict"


class PreconditionFailed(DomainError):
    """The If-Match version is stale."""

    status = 412
    title = "Precondition failed"


class PreconditionRequired(DomainError):
    """An If-Match header is required."""

    status = 428
    title = "Precondition required"


class Unauthenticated(DomainError):
    """Credentials are missing or not valid."""

    status = 401
    title = "Unauthenticated"


class Forbidden(DomainError):
    """The caller may not do this."""

    status = 403
    title = "Forbidden"


class PayloadTooLarge(DomainError):
    """The request body is larger than allowed."""

    status = 413
    title = "Payload too large"


@dataclass
class RateLimited(DomainError):
    """Too many requests; another may succeed after `retry_after` seconds."""

    retry_after: int = 1

    status = 429
    title = "Too many requests"


def invalid(field_path: str, message: str) -> InvalidInput:
    """Shorthand for a single-field InvalidInput."""
    return InvalidInput(
        detail=f"{field_path}: {message}", errors=[FieldProblem(field_path, message)]
    )
