"""Exact incremental sync: a cursor walk under concurrent writes skips nothing and repeats nothing."""

from __future__ import annotations

import threading

from tests.support.practice import Practice


def _walk(practice: Practice, params: dict[str, str]) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    cursor = None
    while True:
        query = {**params, "pageSize": "7", **({"cursor": cursor} if cursor else {})}
        page = practice.get("/patients", params=query).json()
        seen.extend(page["items"])
        cursor = page["nextCursor"]
        if not cursor:
            return seen


def test_cursor_walk_returns_every_patient_once(practice: Practice) -> None:
    for i in range(30):
        practice.post(
            "/patients",
            {
                "mrn": f"MRN-W{i}",
                "firstName": "W",
                "lastName": str(i),
                "dob": "1990-01-01",
                "sex": "male",
            },
        )
    seen = _walk(practice, {})
    ids = [p["patientId"] for p in seen]
    assert len(ids) == len(set(ids)) == 33
    pages = practice.get("/patients", params={"pageSize": "7"}).json()
    assert pages["total"] == 33 and pages["page"] == 1


def test_walk_during_writes_misses_nothing_and_repeats_only_changed_records(
    practice: Practice,
) -> None:
    for i in range(40):
        practice.post(
            "/patients",
            {
                "mrn": f"MRN-C{i}",
                "firstName": "C",
                "lastName": str(i),
                "dob": "1990-01-01",
                "sex": "male",
            },
        )
    start = practice.get("/patients", params={"pageSize": "1"}).json()["items"][0]["updatedAt"]
    existing = {p["patientId"] for p in _walk(practice, {})}
    writer_headers = practice.login("front_desk")
    created: list[str] = []
    updated: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        i = 0
        targets = sorted(existing)
        while not stop.is_set() and i < 60:
            if i % 2 == 0:
                r = practice.client.post(
                    f"{practice.base}/patients",
                    json={
                        "mrn": f"MRN-N{i}",
                        "firstName": "N",
                        "lastName": str(i),
                        "dob": "1990-01-01",
                        "sex": "female",
                    },
                    headers=writer_headers,
                )
                created.append(r.json()["patientId"])
            else:
                pid = targets[i % len(targets)]
                practice.client.patch(
                    f"{practice.base}/patients/{pid}",
                    json={"preferredName": f"n{i}"},
                    headers=writer_headers,
                )
                updated.append(pid)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    seen = _walk(practice, {"updatedAfter": "2000-01-01T00:00:00Z"})
    stop.set()
    thread.join()
    ids = [p["patientId"] for p in seen]
    # Every record that existed before the walk is seen at least once (no skips)...
    assert existing <= set(ids)
    # ...and a record appears twice only if it was updated while we walked, each time newer.
    for pid in {i for i in ids if ids.count(i) > 1}:
        assert pid in updated
        versions = [p["version"] for p in seen if p["patientId"] == pid]
        assert versions == sorted(versions) and len(set(versions)) == len(versions)
    # A sync resumed from the newest timestamp seen catches every later change.
    newest = max(p["updatedAt"] for p in seen)
    rest = {p["patientId"] for p in _walk(practice, {"updatedAfter": newest})}
    assert set(created) <= set(ids) | rest
    assert set(updated) <= set(ids) | rest
    assert start  # the walk began after the fixture's writes


def test_cursor_is_bound_to_filters_and_tenant(
    practice: Practice, other_practice: Practice
) -> None:
    for i in range(3):
        practice.post(
            "/patients",
            {
                "mrn": f"MRN-F{i}",
                "firstName": "F",
                "lastName": str(i),
                "dob": "1990-01-01",
                "sex": "male",
            },
        )
    cursor = practice.get("/patients", params={"pageSize": "2"}).json()["nextCursor"]
    assert cursor
    other_filters = practice.get(
        "/patients", params={"pageSize": "2", "cursor": cursor, "status": "active"}
    )
    assert (
        other_filters.status_code == 422 and other_filters.json()["errors"][0]["field"] == "cursor"
    )
    forged = practice.get("/patients", params={"cursor": cursor[:-3] + "AAA", "pageSize": "2"})
    assert forged.status_code == 422
    foreign = other_practice.get("/patients", params={"pageSize": "2", "cursor": cursor})
    assert foreign.status_code == 422
