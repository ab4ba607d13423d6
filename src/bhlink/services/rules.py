"""Turn the pure rule modules' ProblemsError into the API's DomainError kinds.

NoteValidationError, NoteContentError, TreatmentPlanError, CodeFormatError ... -> InvalidInput (422)
NoteStateError, NoteContentLockedError                                          -> Conflict (409)
NotePermissionError                                                             -> Forbidden (403)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bhlink.domain.codes import Problem, ProblemsError
from bhlink.domain.errors import Conflict, DomainError, FieldProblem, Forbidden, InvalidInput
from bhlink.domain.notes import NotePermissionError, NoteStateError


def _path(prefix: str, field: str) -> str:
    if not prefix:
        return field
    return prefix if field == "$" else f"{prefix}.{field}"


def field_problems(
    problems: tuple[Problem, ...] | list[Problem], prefix: str = ""
) -> list[FieldProblem]:
    """Rule problems as API field problems, optionally under a JSON path prefix."""
    return [FieldProblem(_path(prefix, p.field), p.message) for p in problems]


def as_domain_error(error: ProblemsError, detail: str, prefix: str = "") -> DomainError:
    """The DomainError a rule failure becomes (the first problem's code names the kind)."""
    errors = field_problems(error.problems, prefix)
    code = error.problems[0].code.replace(".", "_")
    if isinstance(error, NotePermissionError):
        return Forbidden(detail=detail, errors=errors, code=code)
    if isinstance(error, NoteStateError):
        return Conflict(detail=detail, errors=errors, code=code)
    return InvalidInput(detail=detail, errors=errors, code=code)


@contextmanager
def rule_errors(detail: str, prefix: str = "") -> Iterator[None]:
    """Run domain rules; a ProblemsError leaves as the matching DomainError."""
    try:
        yield
    except ProblemsError as error:
        raise as_domain_error(error, detail, prefix) from error
