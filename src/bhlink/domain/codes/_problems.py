"""The problem record every clinical and billing rule returns, and the exception that carries them.

    ProblemsError (ValueError)      carries `problems`: a tuple of Problem
    └── raised by the rule modules as their own subclasses
        (NoteError, TreatmentPlanError, ThresholdSyntaxError, CodeFormatError ...)

A Problem names the field by its JSON path in the API's camelCase (`diagnosisCodes[1]`,
`problems[0].goals[1].objectives[0].targetDate`) and says what is wrong with it. Messages
name fields, codes and rules only, never a value a patient gave, so they are safe to log and
to render as RFC 9457 `errors: [{field, message}]`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: where (`field`), what (`message`) and a stable machine-readable `code`."""

    field: str
    message: str
    code: str

    def as_dict(self) -> dict[str, str]:
        """The `{field, message, code}` shape of an RFC 9457 `errors` entry."""
        return {"field": self.field, "message": self.message, "code": self.code}


class ProblemsError(ValueError):
    """Raised when a rule refuses input or a change; `problems` lists every reason found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("ProblemsError needs at least one Problem")
        summary = "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        super().__init__(summary)

    @property
    def errors(self) -> list[dict[str, str]]:
        """The problems as a list of `{field, message, code}` dicts."""
        return [problem.as_dict() for problem in self.problems]
