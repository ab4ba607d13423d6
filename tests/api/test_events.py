"""GET /events: the catch-up path returns exactly what a consumer missed, filtered and paged."""

from __future__ import annotations

from typing import Any

from tests.support.practice import Practice
from tests.support.webhooks import touch_patient


def _walk(practice: Practice, params: dict[str, Any], between_pages: Any = None) -> list[str]:
    """Follow nextCursor to the end; `between_pages` runs after each page (concurrent writes)."""
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = practice.get("/events", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["nextCursor"]
        if cursor is None:
            return seen
        if between_pages is not None:
            between_pages()
    raise AssertionError("paging never ended")


def test_a_consumer_that_was_down_gets_exactly_the_events_it_missed(practice: Practice) -> None:
    everything = _walk(practice, {"pageSize": 500})
    last_seen = everything[-1]  # the consumer processed everything up to here, then went down
    for index in range(5):
        touch_patient(practice, index=index % 3, name=f"missed {index}")
    missed_ids = _walk(practice, {"pageSize": 500})[len(everything) :]
    assert len(missed_ids) == 5

    written_during_catch_up: list[int] = []

    def write_more() -> None:
        if len(written_during_catch_up) < 2:
            written_during_catch_up.append(1)
            touch_patient(practice, index=0, name=f"during {len(written_during_catch_up)}")

    caught_up = _walk(practice, {"after": last_seen, "pageSize": 2}, between_pages=write_more)
    assert caught_up[:5] == missed_ids
    assert len(caught_up) == 7  # the two written while paging come last, none skipped or twice
    assert len(set(caught_up)) == 7
    assert caught_up == _walk(practice, {"pageSize": 500})[len(everything) :]


def test_events_have_the_payload_shape(practice: Practice) -> None:
    touch_patient(practice)
    item = practice.get("/events", params={"type": "patient.updated"}).json()["items"][-1]
    assert set(item) == {"id", "type", "occurredAt", "integrationId", "resource", "changedFields"}
    assert item["id"].startswith("evt_")
    assert item["resource"] == {"type": "patient", "id": practice.patient_ids[0]}
    assert item["changedFields"] == ["preferredName"]
    assert item["occurredAt"].endswith("Z")
    one = practice.get(f"/events/{item['id']}")
    assert one.status_code == 200 and one.json() == item


def test_filters(practice: Practice) -> None:
    touch_patient(practice, index=1)
    by_group = practice.get("/events", params={"type": "patient.*"}).json()
    assert by_group["total"] == 4  # three created by the fixture, one update
    assert {i["type"] for i in by_group["items"]} == {"patient.created", "patient.updated"}
    exact = practice.get("/events", params={"type": "patient.updated"}).json()
    assert [i["resource"]["id"] for i in exact["items"]] == [practice.patient_ids[1]]
    by_resource = practice.get("/events", params={"resourceId": practice.patient_ids[1]}).json()
    assert [i["type"] for i in by_resource["items"]] == ["patient.created", "patient.updated"]
    providers = practice.get("/events", params={"resourceType": "provider"}).json()
    assert providers["total"] == 4
    # The fixture wrote 9 events (4 providers, a location, a payer, 3 patients), then one update.
    assert practice.get("/events", params={"type": "*"}).json()["total"] == 10
    last = exact["items"][0]["occurredAt"]
    assert practice.get("/events", params={"occurredAfter": last}).json()["items"] == []
    assert practice.get("/events", params={"occurredBefore": last}).json()["total"] == 9


def test_bad_filters_are_422_naming_the_parameter(practice: Practice) -> None:
    for params, field in (
        ({"type": "patient.exploded"}, "type"),
        ({"type": "nothing.*"}, "type"),
        ({"after": "evt_01doesnotexist"}, "after"),
        ({"occurredAfter": "yesterday"}, "occurredAfter"),
        ({"occurredBefore": "2026-01-01T00:00:00"}, "occurredBefore"),
        ({"pageSize": 0}, "pageSize"),
    ):
        response = practice.get("/events", params=params)
        assert response.status_code == 422, (params, response.text)
        assert field in [e["field"] for e in response.json()["errors"]], response.text


def test_a_cursor_only_works_for_its_own_filters_and_tenant(
    practice: Practice, other_practice: Practice
) -> None:
    cursor = practice.get("/events", params={"pageSize": 1}).json()["nextCursor"]
    assert cursor
    moved = practice.get("/events", params={"resourceType": "patient", "cursor": cursor})
    assert moved.status_code == 422
    assert other_practice.get("/events", params={"cursor": cursor}).status_code == 422


def test_tenants_see_only_their_events(practice: Practice, other_practice: Practice) -> None:
    mine = practice.get("/events", params={"pageSize": 500}).json()["items"]
    theirs = other_practice.get("/events", params={"pageSize": 500}).json()["items"]
    assert {i["integrationId"] for i in mine} == {practice.integration_id}
    assert not {i["id"] for i in mine} & {i["id"] for i in theirs}
    assert other_practice.get(f"/events/{mine[0]['id']}").status_code == 404
    after_foreign = other_practice.get("/events", params={"after": mine[0]["id"]})
    assert after_foreign.status_code == 422
