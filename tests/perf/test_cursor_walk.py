"""A full cursor walk returns every patient exactly once, also from an updatedAfter point."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.perf.conftest import Generated


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _walk(generated: Generated, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        answer = generated.client.get(
            generated.base + "/patients", params=query, headers=generated.headers
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
        pages += 1
        assert page["page"] == pages
        items.extend(page["items"])
        cursor = page["nextCursor"]
        if not cursor:
            return items


def test_walk_returns_every_generated_patient_exactly_once(generated: Generated) -> None:
    # 17 does not divide 120: the last page is a short one.
    items = _walk(generated, pageSize=17)
    ids = [p["patientId"] for p in items]
    assert len(ids) == len(set(ids)) == generated.result.rows["patients"]
    # Change order is time order (decision 0003), the generated records included.
    stamps = [_at(p["updatedAt"]) for p in items]
    assert all(a < b for a, b in itertools.pairwise(stamps))


def test_updated_after_returns_exactly_the_records_changed_later(generated: Generated) -> None:
    everyone = _walk(generated, pageSize=500)
    stamps = sorted(_at(p["updatedAt"]) for p in everyone)
    for after in (stamps[0], stamps[len(stamps) // 3], stamps[-2], stamps[-1]):
        expected = {p["patientId"] for p in everyone if _at(p["updatedAt"]) > after}
        found = _walk(generated, pageSize=7, updatedAfter=after.isoformat().replace("+00:00", "Z"))
        assert [p["patientId"] for p in found if p["patientId"] in expected] == [
            p["patientId"] for p in found
        ]
        assert {p["patientId"] for p in found} == expected
        first = generated.client.get(
            generated.base + "/patients",
            params={"pageSize": 1, "updatedAfter": after.isoformat().replace("+00:00", "Z")},
            headers=generated.headers,
        ).json()
        assert first["total"] == len(expected)


def test_updated_after_sees_a_record_changed_after_the_load(generated: Generated) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    patient = _walk(generated, pageSize=500)[5]
    changed = generated.client.patch(
        f"{generated.base}/patients/{patient['patientId']}",
        json={"preferredName": "Sam"},
        headers=generated.headers,
    )
    assert changed.status_code == 200, changed.text
    found = _walk(generated, pageSize=50, updatedAfter=before.isoformat().replace("+00:00", "Z"))
    assert [p["patientId"] for p in found] == [patient["patientId"]]
    assert found[0]["version"] == patient["version"] + 1
