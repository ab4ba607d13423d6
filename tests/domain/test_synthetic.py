"""The synthetic-practice generator: plausible sizes, deterministic rows, the services' invariants."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest

from bhlink.domain.identifiers import is_valid_npi
from bhlink.domain.scheduling import BLOCKS_TIME, TELEHEALTH_POS, AppointmentStatus
from bhlink.domain.synthetic import (
    AppointmentRow,
    InsuranceRow,
    LocationRow,
    NoteRow,
    NoteVersionRow,
    PatientRow,
    PayerRow,
    ProviderRow,
    SyntheticPractice,
    plan,
)

TODAY = date(2026, 3, 2)
ULID_ID = re.compile(r"^(prv|loc|payer|pt|ins|apt|note)_[0-9a-hjkmnp-tv-z]{26}$")


def _practice(integration_id: str = "int_test") -> SyntheticPractice:
    return SyntheticPractice(
        integration_id, patients=150, appointments=2000, notes=30, seed=11, today=TODAY
    )


@dataclass
class Rows:
    """Every row of a generated practice."""

    directory: list[ProviderRow | LocationRow | PayerRow]
    patients: list[PatientRow] = field(default_factory=list)
    insurance: list[InsuranceRow] = field(default_factory=list)
    appointments: list[AppointmentRow] = field(default_factory=list)
    notes: list[NoteRow] = field(default_factory=list)
    versions: list[NoteVersionRow] = field(default_factory=list)


def _everything(practice: SyntheticPractice) -> Rows:
    rows = Rows(directory=[*practice.providers, *practice.locations, *practice.payers])
    for batch in practice.patient_batches(size=40):
        rows.patients += batch.patients
        rows.insurance += batch.insurance
    rows.appointments = list(itertools.chain.from_iterable(practice.appointment_batches(size=300)))
    for note_rows, version_rows in practice.note_batches(size=7):
        rows.notes += note_rows
        rows.versions += version_rows
    return rows


def test_plan_sizes_a_network_of_caseloads() -> None:
    network = plan(100_000, 1_000_000)
    assert network.providers == 667  # 150 patients each
    assert network.weeks <= 104 and network.past_weeks < network.weeks
    assert network.locations == 35  # 20 providers a clinic, plus telehealth


@pytest.mark.parametrize(
    ("patients", "appointments", "notes", "message"),
    [
        (0, 10, 0, "patients must be at least 1"),
        (10, -1, 0, "appointments must not be negative"),
        (10, 10, -5, "notes must not be negative"),
        (2, 10_000, 0, "appointments: at most"),
    ],
)
def test_plan_refuses_impossible_practices(
    patients: int, appointments: int, notes: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plan(patients, appointments, notes)


def test_rows_keep_the_services_invariants() -> None:
    practice = _practice()
    rows = _everything(practice)
    records: list[ProviderRow | LocationRow | PayerRow | PatientRow | AppointmentRow | NoteRow]
    records = [*rows.directory, *rows.patients, *rows.appointments, *rows.notes]
    # Consecutive change numbers with strictly increasing timestamps (decision 0003).
    ordered = sorted(records, key=lambda r: r.change_seq)
    assert [r.change_seq for r in ordered] == list(range(1, len(ordered) + 1))
    stamps = [r.updated_at for r in ordered]
    assert all(a < b for a, b in itertools.pairwise(stamps))
    assert practice.last_seq == len(ordered) and practice.last_change_at == stamps[-1]
    assert stamps[-1] < practice.clock_end + timedelta(seconds=1)
    # Prefixed ULIDs, unique.
    ids = [r.id for r in [*records, *rows.insurance]]
    assert all(ULID_ID.match(i) for i in ids) and len(ids) == len(set(ids))
    # Valid, unique NPIs; unique MRNs.
    npis = [p.npi for p in practice.providers] + [loc.npi for loc in practice.locations]
    assert all(is_valid_npi(n) for n in npis if n) and len(npis) == len(set(npis))
    mrns = [p.mrn for p in rows.patients]
    assert len(mrns) == len(set(mrns))


def test_schedule_never_double_books_and_follows_the_state_machine() -> None:
    practice = _practice()
    appointments = _everything(practice).appointments
    assert len(appointments) == 2000
    busy: dict[str, list[tuple[datetime, datetime]]] = {}
    for appt in appointments:
        status = AppointmentStatus(appt.status)
        if status in BLOCKS_TIME:
            busy.setdefault(appt.provider_id, []).append((appt.start_time, appt.end_time))
        past = appt.start_time < practice.clock_end
        allowed = {"completed", "cancelled", "no_show"} if past else {"scheduled", "confirmed"}
        assert status in allowed
        assert (appt.cancel_reason is not None) == (status == AppointmentStatus.CANCELLED)
        telehealth = appt.place_of_service in TELEHEALTH_POS
        assert telehealth == appt.telehealth_enabled == (appt.telehealth_link is not None)
    for sessions in busy.values():
        sessions.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(sessions))


def test_patients_of_an_appointment_are_on_its_providers_caseload() -> None:
    practice = _practice()
    rows = _everything(practice)
    primary = {p.id: p.primary_provider_id for p in rows.patients}
    assert all(primary[a.patient_id] == a.provider_id for a in rows.appointments)


def test_notes_document_completed_sessions_with_hashed_versions() -> None:
    practice = _practice()
    rows = _everything(practice)
    sessions = {a.id: a for a in rows.appointments}
    assert len(rows.notes) == 30
    for note, version in zip(rows.notes, rows.versions, strict=True):
        session = sessions[note.appointment_id]
        assert session.status == "completed"
        assert note.patient_id == session.patient_id and note.status == "draft"
        assert version.note_id == note.id and len(version.content_hash) == 64
        assert version.content["noteId"] == note.id


def test_same_seed_same_practice_other_integration_other_ids() -> None:
    first = _everything(_practice())
    again = _everything(_practice())
    other = _everything(_practice("int_other"))
    names = [(p.first_name, p.last_name, p.mrn, p.dob) for p in first.patients]
    assert names == [(p.first_name, p.last_name, p.mrn, p.dob) for p in again.patients]
    assert names == [(p.first_name, p.last_name, p.mrn, p.dob) for p in other.patients]
    assert [p.id for p in first.patients] == [p.id for p in again.patients]
    assert not {p.id for p in first.patients} & {p.id for p in other.patients}


def test_appointments_and_notes_wait_for_what_they_refer_to() -> None:
    practice = _practice()
    with pytest.raises(RuntimeError, match="patients first"):
        next(practice.appointment_batches())
    with pytest.raises(RuntimeError, match="appointments first"):
        next(practice.note_batches())
