"""A practice's measurement-based-care settings, read from `integration.settings`.

Keys (all optional)::

    {
      "baselineMode": "first_in_episode",      # or "first_ever" | "explicit"
      "riskFollowUpDueHours": 24,               # when a risk follow-up task falls due
      "instrumentSettings": {                   # engine overrides per instrument
        "GAD-7": {"reliableChange": 4},
        "PHQ-9": {"referenceSd": 5.5, "referenceReliability": 0.84}
      }
    }

`baselineMode` decides which result a new one is compared with when no baseline was
chosen explicitly (an explicit choice always wins; see services.assessments):

* ``first_in_episode`` (default): the first result of the instrument in the same episode
  (results without an `episodeId` form one series: "no episodes used");
* ``first_ever``: the first result of the instrument, whatever the episode;
* ``explicit``: only a baseline set with `POST /patients/{id}/baselines`; none otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic.alias_generators import to_camel, to_snake

from bhlink.domain.errors import Conflict, FieldProblem, NotFound
from bhlink.domain.instruments import (
    InstrumentSettings,
    InstrumentValidationError,
    PracticeConfig,
    list_instruments,
)
from bhlink.store.unit_of_work import UnitOfWork

DEFAULT_FOLLOW_UP_HOURS = 24
_SETTING_NAMES = frozenset(InstrumentSettings.__dataclass_fields__)


class BaselineMode(StrEnum):
    """How the baseline of a result is chosen when none was set explicitly."""

    FIRST_EVER = "first_ever"
    FIRST_IN_EPISODE = "first_in_episode"
    EXPLICIT = "explicit"


@dataclass(frozen=True)
class MbcSettings:
    """Everything the assessment services need to know about the practice."""

    baseline_mode: BaselineMode
    config: PracticeConfig
    follow_up_due_hours: int
    timezone: str
    practice_name: str


def _instrument_settings(raw: object, problems: list[FieldProblem]) -> PracticeConfig:
    base = "settings.instrumentSettings"
    if raw is None:
        return PracticeConfig()
    if not isinstance(raw, Mapping):
        problems.append(FieldProblem(base, "must map instrument ids to settings"))
        return PracticeConfig()
    known = {instrument.id for instrument in list_instruments()}
    parsed: dict[str, InstrumentSettings] = {}
    for instrument_id, values in raw.items():
        where = f"{base}.{instrument_id}"
        if instrument_id not in known:
            problems.append(FieldProblem(base, "names an unknown instrument"))
            continue
        if not isinstance(values, Mapping):
            problems.append(FieldProblem(where, "must be an object"))
            continue
        fields: dict[str, float] = {}
        for key, value in values.items():
            name = to_snake(str(key))
            if name not in _SETTING_NAMES:
                problems.append(FieldProblem(where, "has an unknown setting"))
            elif (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                problems.append(FieldProblem(f"{where}.{to_camel(name)}", "must be a number"))
            else:
                fields[name] = float(value)
        parsed[instrument_id] = InstrumentSettings(**fields)
    try:
        return PracticeConfig(instruments=parsed)
    except InstrumentValidationError as exc:
        for error in exc.errors:
            # The engine names "config.<instrument>.<snake_name>": speak the settings' language.
            _, instrument_id, name = error.field.split(".", 2)
            problems.append(FieldProblem(f"{base}.{instrument_id}.{to_camel(name)}", error.message))
        return PracticeConfig()


def parse(settings: Mapping[str, Any], *, timezone: str, practice_name: str) -> MbcSettings:
    """Read the settings; a Conflict (409) names every bad key, since the state is wrong."""
    problems: list[FieldProblem] = []
    mode_raw = settings.get("baselineMode", BaselineMode.FIRST_IN_EPISODE.value)
    try:
        mode = BaselineMode(mode_raw)
    except ValueError:
        problems.append(
            FieldProblem(
                "settings.baselineMode",
                "must be one of " + ", ".join(m.value for m in BaselineMode),
            )
        )
        mode = BaselineMode.FIRST_IN_EPISODE
    hours = settings.get("riskFollowUpDueHours", DEFAULT_FOLLOW_UP_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 720:
        problems.append(
            FieldProblem("settings.riskFollowUpDueHours", "must be a whole number of hours, 1-720")
        )
        hours = DEFAULT_FOLLOW_UP_HOURS
    config = _instrument_settings(settings.get("instrumentSettings"), problems)
    if problems:
        raise Conflict(
            detail="the integration's measurement-based-care settings are not valid; "
            "an administrator must correct them",
            errors=problems,
            code="invalid_integration_settings",
        )
    return MbcSettings(
        baseline_mode=mode,
        config=config,
        follow_up_due_hours=hours,
        timezone=timezone,
        practice_name=practice_name,
    )


def load(uow: UnitOfWork, integration_id: str) -> MbcSettings:
    """The settings of one integration."""
    integration = uow.tenancy.integration(integration_id)
    if integration is None:
        raise NotFound(detail="integration not found", code="integration_not_found")
    return parse(
        integration.settings or {},
        timezone=integration.timezone,
        practice_name=integration.name,
    )
