"""Treatment plans: problems -> goals -> objectives -> interventions, measurable targets, reviews.

`parse_treatment_plan` turns the API's camelCase JSON into typed, frozen records and reports
every broken rule at once, each named by its JSON path
(`problems[0].goals[1].objectives[0].targetDate`). Rules, and why:

* every problem has at least one goal, every goal at least one objective, every objective at
  least one intervention: the plan must say what will be done about each problem;
* objectives are time-bound (a target date on or after the plan's effective date and not after
  its goal's target date) and may be measurable through an instrument threshold such as
  PHQ-9 < 10 (comparators <, <=, >, >=);
* progress is a whole percentage 0-100; status is one of PlanItemStatus;
* a plan is reviewed every `reviewIntervalDays` days from its effective date, 90 by default
  (a common Medicaid and accreditation cadence; payers and states may set another).

Exceptions:

    ProblemsError (bhlink.domain.codes)
    └── TreatmentPlanError        the plan breaks a rule (all problems listed)
        └── ThresholdSyntaxError  a threshold expression cannot be read
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from bhlink.domain.codes import Problem, ProblemsError, normalize_icd10, validate_diagnosis_code

DEFAULT_REVIEW_INTERVAL_DAYS = 90
MAX_REVIEW_INTERVAL_DAYS = 366


_T = TypeVar("_T")


class TreatmentPlanError(ProblemsError):
    """The treatment plan breaks one or more rules."""


class ThresholdSyntaxError(TreatmentPlanError):
    """A threshold expression is not `<instrument> <comparator> <number>`."""


class PlanItemStatus(StrEnum):
    """Where a goal or objective stands."""

    ACTIVE = "active"
    MET = "met"
    PARTIALLY_MET = "partially_met"
    NOT_MET = "not_met"
    DEFERRED = "deferred"
    DISCONTINUED = "discontinued"


class Comparator(StrEnum):
    """How a score is compared with a threshold."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True, slots=True)
class Threshold:
    """A measurable target on an instrument's score, e.g. PHQ-9 < 10."""

    instrument_id: str
    comparator: Comparator
    value: Decimal

    def is_met(self, score: int | Decimal) -> bool:
        """Whether `score` satisfies the target."""
        observed = Decimal(score)
        if self.comparator is Comparator.LT:
            return observed < self.value
        if self.comparator is Comparator.LE:
            return observed <= self.value
        if self.comparator is Comparator.GT:
            return observed > self.value
        return observed >= self.value

    def __str__(self) -> str:
        """The expression form: 'PHQ-9 < 10'."""
        return f"{self.instrument_id} {self.comparator.value} {self.value}"

    def to_dict(self) -> dict[str, object]:
        """JSON shape used by the API."""
        return {
            "instrumentId": self.instrument_id,
            "comparator": self.comparator.value,
            "value": str(self.value),
        }


# Instrument ids look like PHQ-9, GAD-7, PCL-5, C-SSRS, AUDIT-C: a letter first, then letters,
# digits, '-', '_', '.', '/'. Longest comparators first so '<=' is not read as '<'.
_INSTRUMENT = re.compile(r"^[A-Za-z][A-Za-z0-9._/-]{0,39}$")
_EXPRESSION = re.compile(
    r"^\s*(?P<instrument>[A-Za-z][A-Za-z0-9._/-]{0,39})\s*(?P<op><=|>=|<|>)\s*"
    r"(?P<value>-?\d+(?:\.\d+)?)\s*$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_threshold(expression: str, field_path: str = "threshold") -> Threshold:
    """Read 'PHQ-9 < 10' (spaces optional); raise ThresholdSyntaxError naming `field_path`."""
    match = _EXPRESSION.match(expression) if isinstance(expression, str) else None
    if match is None:
        raise ThresholdSyntaxError(
            [
                Problem(
                    field_path,
                    "must read '<instrument> <comparator> <number>' with comparator "
                    "<, <=, > or >= (e.g. 'PHQ-9 < 10')",
                    "threshold.syntax",
                )
            ]
        )
    return Threshold(match["instrument"], Comparator(match["op"]), Decimal(match["value"]))


def make_threshold(
    instrument_id: object, comparator: object, value: object, field_path: str = "measure"
) -> Threshold:
    """A Threshold from its three parts (the JSON object form), validating each."""
    problems: list[Problem] = []
    if not isinstance(instrument_id, str) or not _INSTRUMENT.match(instrument_id):
        problems.append(
            Problem(
                f"{field_path}.instrumentId",
                "must be an instrument id such as PHQ-9",
                "threshold.instrument",
            )
        )
    if not isinstance(comparator, str) or comparator not in Comparator.__members__.values():
        problems.append(
            Problem(
                f"{field_path}.comparator", "must be one of <, <=, >, >=", "threshold.comparator"
            )
        )
    number = _decimal(value)
    if number is None:
        problems.append(
            Problem(f"{field_path}.value", "must be a finite number", "threshold.value")
        )
    if problems:
        raise ThresholdSyntaxError(problems)
    assert isinstance(instrument_id, str) and isinstance(comparator, str) and number is not None
    return Threshold(instrument_id, Comparator(comparator), number)


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest decimal that round-trips, not binary noise
    elif isinstance(value, str) and re.fullmatch(r"-?\d+(?:\.\d+)?", value.strip()):
        number = Decimal(value.strip())
    else:
        return None
    return number if number.is_finite() else None


@dataclass(frozen=True, slots=True)
class Intervention:
    """What the clinician or team will do, how often, and who."""

    description: str
    frequency: str | None = None
    provider_id: str | None = None


@dataclass(frozen=True, slots=True)
class Objective:
    """A time-bound, ideally measurable, step towards a goal."""

    description: str
    target_date: date
    status: PlanItemStatus = PlanItemStatus.ACTIVE
    progress: int | None = None
    measure: Threshold | None = None
    interventions: tuple[Intervention, ...] = ()


@dataclass(frozen=True, slots=True)
class Goal:
    """An outcome the patient works towards for one problem."""

    description: str
    objectives: tuple[Objective, ...]
    target_date: date | None = None
    status: PlanItemStatus = PlanItemStatus.ACTIVE
    progress: int | None = None


@dataclass(frozen=True, slots=True)
class PlanProblem:
    """A problem the plan addresses, optionally tied to a diagnosis."""

    description: str
    goals: tuple[Goal, ...]
    diagnosis_code: str | None = None


@dataclass(frozen=True, slots=True)
class TreatmentPlan:
    """A whole plan with its review cadence."""

    effective_date: date
    problems: tuple[PlanProblem, ...]
    review_interval_days: int = DEFAULT_REVIEW_INTERVAL_DAYS

    @property
    def review_due(self) -> date:
        """The date the plan must be reviewed by."""
        return review_due_date(self.effective_date, self.review_interval_days)

    def is_review_due(self, today: date) -> bool:
        """True on and after the review date."""
        return today >= self.review_due


def review_due_date(
    effective_date: date, review_interval_days: int = DEFAULT_REVIEW_INTERVAL_DAYS
) -> date:
    """Effective date + interval days: 2026-01-01 with 90 days -> 2026-04-01."""
    if not isinstance(effective_date, date) or isinstance(effective_date, datetime):
        raise TreatmentPlanError([Problem("effectiveDate", "must be a date", "plan.date")])
    if not _valid_interval(review_interval_days):
        raise TreatmentPlanError([_interval_problem()])
    return effective_date + timedelta(days=review_interval_days)


def _valid_interval(days: object) -> bool:
    return (
        isinstance(days, int)
        and not isinstance(days, bool)
        and 1 <= days <= MAX_REVIEW_INTERVAL_DAYS
    )


def _interval_problem() -> Problem:
    return Problem(
        "reviewIntervalDays",
        f"must be a whole number of days from 1 to {MAX_REVIEW_INTERVAL_DAYS}",
        "plan.review_interval",
    )


def validate_treatment_plan(data: Mapping[str, object]) -> list[Problem]:
    """Every problem with a plan's JSON; an empty list means `parse_treatment_plan` succeeds."""
    try:
        parse_treatment_plan(data)
    except TreatmentPlanError as error:
        return list(error.problems)
    return []


def parse_treatment_plan(data: Mapping[str, object]) -> TreatmentPlan:
    """A TreatmentPlan from the API's camelCase JSON; raises TreatmentPlanError listing all."""
    parser = _PlanParser()
    plan = parser.plan(data)
    if parser.problems or plan is None:
        raise TreatmentPlanError(parser.problems or [Problem("$", "is not a plan", "plan.shape")])
    return plan


class _PlanParser:
    """Walks the JSON once, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, code: str) -> None:
        self.problems.append(Problem(path, message, code))

    def plan(self, data: object) -> TreatmentPlan | None:
        if not isinstance(data, Mapping):
            self.add("$", "must be an object", "plan.shape")
            return None
        effective = self.date_field(data.get("effectiveDate"), "effectiveDate", required=True)
        interval_raw = data.get("reviewIntervalDays", DEFAULT_REVIEW_INTERVAL_DAYS)
        interval = DEFAULT_REVIEW_INTERVAL_DAYS
        if _valid_interval(interval_raw):
            assert isinstance(interval_raw, int)
            interval = interval_raw
        else:
            self.problems.append(_interval_problem())
        problems = tuple(
            self.items(
                data.get("problems"),
                "problems",
                "problem",
                lambda item, path: self.plan_problem(item, path, effective),
            )
        )
        if effective is None or self.problems:
            return None
        return TreatmentPlan(effective, problems, interval)

    def items(
        self,
        raw: object,
        path: str,
        noun: str,
        parse: Callable[[Mapping[str, object], str], _T | None],
    ) -> list[_T]:
        if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
            self.add(
                path, f"must be a non-empty list: at least one {noun} is required", "plan.empty"
            )
            return []
        parsed: list[_T] = []
        for index, item in enumerate(raw):
            item_path = f"{path}[{index}]"
            if not isinstance(item, Mapping):
                self.add(item_path, "must be an object", "plan.shape")
                continue
            result = parse(item, item_path)
            if result is not None:
                parsed.append(result)
        return parsed

    def plan_problem(
        self, data: Mapping[str, object], path: str, effective: date | None
    ) -> PlanProblem | None:
        description = self.text(data.get("description"), f"{path}.description")
        diagnosis_raw = data.get("diagnosisCode")
        diagnosis: str | None = None
        if diagnosis_raw is not None:
            if not isinstance(diagnosis_raw, str):
                self.add(
                    f"{path}.diagnosisCode", "must be an ICD-10-CM code string", "icd10.bad_format"
                )
            else:
                found = validate_diagnosis_code(diagnosis_raw, f"{path}.diagnosisCode")
                self.problems.extend(found)
                diagnosis = None if found else normalize_icd10(diagnosis_raw)
        goals = self.items(
            data.get("goals"),
            f"{path}.goals",
            "goal",
            lambda item, item_path: self.goal(item, item_path, effective),
        )
        if description is None:
            return None
        return PlanProblem(description, tuple(goals), diagnosis)

    def goal(self, data: Mapping[str, object], path: str, effective: date | None) -> Goal | None:
        description = self.text(data.get("description"), f"{path}.description")
        target = self.date_field(data.get("targetDate"), f"{path}.targetDate", required=False)
        self.not_before(target, effective, f"{path}.targetDate")
        status = self.status(data.get("status"), f"{path}.status")
        progress = self.progress(data.get("progress"), f"{path}.progress")
        objectives = self.items(
            data.get("objectives"),
            f"{path}.objectives",
            "objective",
            lambda item, item_path: self.objective(item, item_path, effective, target),
        )
        if description is None:
            return None
        return Goal(description, tuple(objectives), target, status, progress)

    def objective(
        self,
        data: Mapping[str, object],
        path: str,
        effective: date | None,
        goal_target: date | None,
    ) -> Objective | None:
        description = self.text(data.get("description"), f"{path}.description")
        target = self.date_field(data.get("targetDate"), f"{path}.targetDate", required=True)
        self.not_before(target, effective, f"{path}.targetDate")
        if target is not None and goal_target is not None and target > goal_target:
            self.add(
                f"{path}.targetDate",
                "must not be after its goal's target date",
                "plan.objective_after_goal",
            )
        status = self.status(data.get("status"), f"{path}.status")
        progress = self.progress(data.get("progress"), f"{path}.progress")
        measure = self.measure(data.get("measure"), f"{path}.measure")
        interventions = self.items(
            data.get("interventions"),
            f"{path}.interventions",
            "intervention",
            self.intervention,
        )
        if description is None or target is None:
            return None
        return Objective(description, target, status, progress, measure, tuple(interventions))

    def intervention(self, data: Mapping[str, object], path: str) -> Intervention | None:
        description = self.text(data.get("description"), f"{path}.description")
        frequency = self.optional_text(data.get("frequency"), f"{path}.frequency")
        provider = self.optional_text(data.get("providerId"), f"{path}.providerId")
        if description is None:
            return None
        return Intervention(description, frequency, provider)

    def measure(self, raw: object, path: str) -> Threshold | None:
        if raw is None:
            return None
        try:
            if isinstance(raw, str):
                return parse_threshold(raw, path)
            if isinstance(raw, Mapping):
                return make_threshold(
                    raw.get("instrumentId"), raw.get("comparator"), raw.get("value"), path
                )
        except ThresholdSyntaxError as error:
            self.problems.extend(error.problems)
            return None
        self.add(
            path,
            "must be an expression such as 'PHQ-9 < 10' or an object with "
            "instrumentId, comparator and value",
            "threshold.syntax",
        )
        return None

    def text(self, raw: object, path: str) -> str | None:
        if not isinstance(raw, str) or not raw.strip():
            self.add(path, "is required", "plan.missing")
            return None
        return raw

    def optional_text(self, raw: object, path: str) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str) or not raw.strip():
            self.add(path, "must be non-empty text when given", "plan.bad_text")
            return None
        return raw

    def date_field(self, raw: object, path: str, *, required: bool) -> date | None:
        if raw is None:
            if required:
                self.add(path, "is required (YYYY-MM-DD)", "plan.missing")
            return None
        if isinstance(raw, date) and not isinstance(raw, datetime):
            return raw
        if isinstance(raw, str) and _ISO_DATE.match(raw):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        self.add(path, "must be a calendar date (YYYY-MM-DD)", "plan.date")
        return None

    def not_before(self, value: date | None, effective: date | None, path: str) -> None:
        if value is not None and effective is not None and value < effective:
            self.add(path, "must not be before the plan's effectiveDate", "plan.date_order")

    def status(self, raw: object, path: str) -> PlanItemStatus:
        if raw is None:
            return PlanItemStatus.ACTIVE
        if isinstance(raw, str) and raw in PlanItemStatus.__members__.values():
            return PlanItemStatus(raw)
        self.add(path, "must be one of " + ", ".join(PlanItemStatus), "plan.status")
        return PlanItemStatus.ACTIVE

    def progress(self, raw: object, path: str) -> int | None:
        if raw is None:
            return None
        if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= 100:
            return raw
        self.add(path, "must be a whole percentage from 0 to 100", "plan.progress")
        return None
