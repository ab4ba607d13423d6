"""Event-type catalogue and subscription filters."""

from __future__ import annotations

import re

import pytest

from bhlink.events.event_types import (
    DESCRIPTIONS,
    GROUPS,
    EventType,
    FilterProblem,
    describe,
    is_known,
    matches,
    validate_filter,
)

# The catalogue promised to API clients (task brief); changing it is an API change.
PROMISED = [
    "patient.created",
    "patient.updated",
    "provider.created",
    "provider.updated",
    "location.created",
    "location.updated",
    "payer.created",
    "payer.updated",
    "appointment.created",
    "appointment.updated",
    "appointment.cancelled",
    "appointment.completed",
    "appointment.no_show",
    "appointment.checked_in",
    "appointment.confirmed",
    "note.created",
    "note.updated",
    "note.signed",
    "note.cosigned",
    "note.locked",
    "note.amended",
    "note.addendum_added",
    "treatment_plan.created",
    "treatment_plan.updated",
    "treatment_plan.signed",
    "treatment_plan.review_due",
    "treatment_plan.objective_met",
    "assessment.completed",
    "assessment.critical_item",
    "assessment.reliable_change",
    "assessment.assigned",
    "risk_flag.acknowledged",
    "document.uploaded",
    "consent.created",
    "consent.revoked",
    "diagnosis.created",
    "diagnosis.updated",
    "medication.created",
    "medication.updated",
    "allergy.created",
    "allergy.updated",
    "authorization.created",
    "authorization.updated",
    "authorization.exhausted",
    "authorization.expiring",
    "charge.created",
    "charge.voided",
    "claim.created",
    "claim.updated",
    "claim.submitted",
    "claim.accepted",
    "claim.rejected",
    "claim.paid",
    "claim.partially_paid",
    "claim.denied",
    "claim.voided",
    "remittance.posted",
    "task.created",
    "task.completed",
    "webhook.endpoint_disabled",
    "webhook.test",
]


class TestCatalogue:
    def test_exactly_the_promised_types(self) -> None:
        assert len(PROMISED) == 61
        assert sorted(member.value for member in EventType) == sorted(PROMISED)

    def test_every_type_has_a_one_line_description(self) -> None:
        assert set(DESCRIPTIONS) == set(EventType)
        for member, text in DESCRIPTIONS.items():
            assert text.strip() and "\n" not in text, member
            assert text.endswith("."), member

    def test_names_follow_the_standard_webhooks_form(self) -> None:
        for member in EventType:
            assert re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", member.value), member

    def test_groups(self) -> None:
        assert {name.split(".")[0] for name in PROMISED} == GROUPS
        assert len(GROUPS) == 20

    def test_lookup_helpers(self) -> None:
        assert is_known("note.signed")
        assert not is_known("note.deleted")
        assert describe("claim.denied") == DESCRIPTIONS[EventType.CLAIM_DENIED]
        with pytest.raises(ValueError):
            describe("claim.lost")

    def test_descriptions_cannot_be_mutated(self) -> None:
        with pytest.raises(TypeError):
            DESCRIPTIONS[EventType.WEBHOOK_TEST] = "changed"  # type: ignore[index]


class TestMatches:
    def test_exact_name(self) -> None:
        assert matches(["appointment.created"], "appointment.created")
        assert not matches(["appointment.created"], "appointment.updated")

    def test_group_wildcard(self) -> None:
        assert matches(["appointment.*"], "appointment.no_show")
        assert not matches(["appointment.*"], "note.signed")

    def test_group_wildcard_needs_the_whole_group_name(self) -> None:
        # A prefix of a group name is not the group: "treatment.*" is not "treatment_plan.*".
        assert not matches(["treatment.*"], "treatment_plan.signed")

    def test_everything(self) -> None:
        assert all(matches(["*"], member) for member in EventType)

    def test_any_pattern_may_match(self) -> None:
        assert matches(["note.signed", "claim.*"], "claim.paid")

    def test_empty_filter_selects_nothing(self) -> None:
        assert not matches([], "note.signed")

    @pytest.mark.parametrize(
        "pattern", ["appointment*", "*.created", "appointment.", "APPOINTMENT.CREATED", "", "**"]
    )
    def test_malformed_patterns_select_nothing(self, pattern: str) -> None:
        assert not matches([pattern], "appointment.created")

    def test_members_and_strings_are_interchangeable(self) -> None:
        assert matches([EventType.NOTE_SIGNED], "note.signed")
        assert matches(["note.signed"], EventType.NOTE_SIGNED)

    def test_unknown_event_type_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="catalogue"):
            matches(["*"], "note.deleted")


class TestValidateFilter:
    def test_valid_filters(self) -> None:
        assert validate_filter(["*"]) == []
        assert validate_filter(["appointment.*", "note.signed", "claim.denied"]) == []
        assert validate_filter(("webhook.test",)) == []

    def test_problems_name_the_item(self) -> None:
        problems = validate_filter(
            ["note.signed", "appointment.*", "note.deleted", "billing.*", "claim..paid"]
        )
        assert problems == [
            FilterProblem("eventTypes[2]", "unknown event type"),
            FilterProblem("eventTypes[3]", "unknown event group"),
            FilterProblem(
                "eventTypes[4]", "malformed pattern: use an event type, '<group>.*' or '*'"
            ),
        ]

    @pytest.mark.parametrize(
        "pattern",
        [
            "",
            "*.created",
            "appointment*",
            "appointment.created.extra",
            "Note.Signed",
            "note signed",
            "note.*.*",
            ".*",
            "*.*",
            " note.signed",
        ],
    )
    def test_malformed_patterns(self, pattern: str) -> None:
        [problem] = validate_filter([pattern])
        assert problem.field == "eventTypes[0]"
        assert problem.message.startswith("malformed pattern")

    def test_non_string_items(self) -> None:
        assert validate_filter(["*", 7, None]) == [
            FilterProblem("eventTypes[1]", "must be a string"),
            FilterProblem("eventTypes[2]", "must be a string"),
        ]

    def test_duplicates(self) -> None:
        assert validate_filter(["note.signed", "claim.*", "note.signed"]) == [
            FilterProblem("eventTypes[2]", "duplicate pattern")
        ]

    def test_empty_list(self) -> None:
        assert validate_filter([]) == [
            FilterProblem("eventTypes", "must contain at least one event type or pattern")
        ]

    @pytest.mark.parametrize("value", [None, "note.signed", {"note.signed": True}, 3])
    def test_not_a_list(self, value: object) -> None:
        [problem] = validate_filter(value)
        assert problem.field == "eventTypes"

    def test_custom_field_name(self) -> None:
        assert validate_filter(["nope.nope"], field="filter.eventTypes") == [
            FilterProblem("filter.eventTypes[0]", "unknown event type")
        ]
