"""Two bookings of one provider slot at the same moment: exactly one wins."""

from __future__ import annotations

import threading

from tests.api.test_appointments import seed_appointment
from tests.support.practice import Practice


def test_concurrent_bookings_of_one_slot_do_not_both_succeed(practice: Practice) -> None:
    headers = practice.login()
    statuses: list[int] = []
    barrier = threading.Barrier(4)

    def book(index: int) -> None:
        body = seed_appointment(
            practice, referenceId=f"race-{index}", patientId=practice.patient_ids[index % 3]
        )
        barrier.wait()
        response = practice.client.post(f"{practice.base}/appointments", json=body, headers=headers)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=book, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409, 409, 409]
    assert practice.count("appointments") == 1
