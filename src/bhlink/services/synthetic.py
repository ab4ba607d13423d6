"""Synthetic practices at network scale, bulk-loaded for benchmarks (`bhlink demo generate`).

The rows come from the pure generator in `bhlink.domain.synthetic` and go to the tables through
the store's bulk writer, in the caller's unit of work (one transaction: a load that fails leaves
nothing behind). The integration, its API client and users are made by the ordinary tenancy
services, so logins, audit chains and the change counter are exactly what the API expects.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from datetime import date

from bhlink.domain.clock import utcnow
from bhlink.domain.synthetic import PracticePlan, SyntheticPractice, plan
from bhlink.services import audit, tenancy
from bhlink.services.context import Actor
from bhlink.services.demo import DemoCredentials, DemoUser
from bhlink.store.tables import (
    Appointment,
    CareTeamMember,
    ClinicalNote,
    InsurancePolicy,
    Location,
    NoteVersion,
    Patient,
    Payer,
    Provider,
)
from bhlink.store.unit_of_work import UnitOfWork

# Where the clinical-notes module keeps its notes (a schema without it gets none).
NOTES_TABLE = "clinical_notes"
# The logins a generated practice gets: username, roles, linked to the first provider.
USERS = (
    ("admin@synthetic.example", ["admin"], False),
    ("clinician@synthetic.example", ["clinician"], True),
    ("frontdesk@synthetic.example", ["front_desk"], False),
)
_LOADED = (
    Provider,
    Location,
    Payer,
    Patient,
    InsurancePolicy,
    CareTeamMember,
    Appointment,
    ClinicalNote,
    NoteVersion,
)


@dataclass(frozen=True)
class GeneratedPractice:
    """What was loaded, how long each phase took, and how to log in."""

    credentials: DemoCredentials
    plan: PracticePlan
    first_monday: date
    rows: dict[str, int]
    seconds: dict[str, float]
    notes_skipped: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def appointments_per_second(self) -> float:
        """Appointment rows generated and written per second of the appointment phase."""
        spent = self.seconds.get("appointments", 0.0)
        return self.rows.get("appointments", 0) / spent if spent else 0.0

    def as_json(self) -> dict[str, object]:
        """CamelCase JSON for `bhlink demo generate --json` (the benchmark reads it)."""
        return {
            "integrationId": self.credentials.integration_id,
            "credentials": self.credentials.as_json(),
            "plan": {
                "patients": self.plan.patients,
                "appointments": self.plan.appointments,
                "providers": self.plan.providers,
                "locations": self.plan.locations,
                "payers": self.plan.payers,
                "weeks": self.plan.weeks,
                "pastWeeks": self.plan.past_weeks,
                "firstMonday": self.first_monday.isoformat(),
            },
            "rows": self.rows,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "appointmentsPerSecond": round(self.appointments_per_second),
            "notesSkipped": self.notes_skipped,
        }


def generate(
    uow: UnitOfWork,
    *,
    patients: int,
    appointments: int,
    notes: int = 0,
    seed: int = 1,
    today: date | None = None,
    timezone: str = "America/Los_Angeles",
    telehealth_base_url: str = "https://telehealth.bhlink.local/join",
    name: str | None = None,
) -> GeneratedPractice:
    """Create a new integration and bulk-load a synthetic practice into it (caller commits).

    Raises ValueError when the counts cannot make a practice (see domain.synthetic.plan).
    """
    started = time.perf_counter()
    # Sizes are checked before anything is written.
    plan(patients, appointments, notes)
    integration = tenancy.create_integration(
        uow,
        name=name or f"Synthetic practice ({patients} patients, seed {seed})",
        vendor="native",
        timezone=timezone,
        require_mfa=False,
    )
    with_notes = notes > 0 and uow.bulk.has_table(NOTES_TABLE)
    practice = SyntheticPractice(
        integration.id,
        patients=patients,
        appointments=appointments,
        notes=notes if with_notes else 0,
        seed=seed,
        today=today or utcnow().date(),
        first_seq=integration.change_seq + 1,
        timezone=timezone,
        telehealth_base_url=telehealth_base_url,
    )
    rows = {
        "providers": uow.bulk.insert(Provider, practice.providers),
        "locations": uow.bulk.insert(Location, practice.locations),
        "payers": uow.bulk.insert(Payer, practice.payers),
        "patients": 0,
        "insurancePolicies": 0,
        "careTeamMembers": 0,
    }
    for batch in practice.patient_batches():
        rows["patients"] += uow.bulk.insert(Patient, batch.patients)
        rows["insurancePolicies"] += uow.bulk.insert(InsurancePolicy, batch.insurance)
        rows["careTeamMembers"] += uow.bulk.insert(CareTeamMember, batch.care_team)
    patients_done = time.perf_counter()
    rows["appointments"] = uow.bulk.insert(
        Appointment, itertools.chain.from_iterable(practice.appointment_batches())
    )
    appointments_done = time.perf_counter()
    rows["notes"] = 0
    for note_rows, versions in practice.note_batches():
        rows["notes"] += uow.bulk.insert(ClinicalNote, note_rows)
        uow.bulk.insert(NoteVersion, versions)
    # The counter last, at the highest change number used: the next API write follows it.
    uow.bulk.set_change_counter(integration.id, practice.last_seq, practice.last_change_at)
    notes_skipped = None
    if notes > 0 and not with_notes:
        notes_skipped = (
            f"no {NOTES_TABLE} table in this database (the clinical-notes module is not "
            f"installed): {notes} notes skipped"
        )
    credentials = _logins(uow, integration.id, practice.providers[0].id)
    audit.record(
        uow,
        Actor.system(integration.id, "synthetic practice generator"),
        "practice.generated",
        resource_type="integration",
        resource_id=integration.id,
        detail={"rows": rows, "seed": seed},
    )
    uow.bulk.analyze(_LOADED)
    finished = time.perf_counter()
    return GeneratedPractice(
        credentials=credentials,
        plan=practice.plan,
        first_monday=practice.week_start(0),
        rows=rows,
        seconds={
            "directoryAndPatients": patients_done - started,
            "appointments": appointments_done - patients_done,
            "total": finished - started,
        },
        notes_skipped=notes_skipped,
    )


def _logins(uow: UnitOfWork, integration_id: str, provider_id: str) -> DemoCredentials:
    client = tenancy.create_client(uow, integration_id, "synthetic practice client")
    users: list[DemoUser] = []
    for username, roles, linked in USERS:
        password = secrets.token_urlsafe(12)
        tenancy.create_user(
            uow,
            integration_id,
            username=username,
            name=username.split("@")[0].title() + " (synthetic)",
            password=password,
            roles=roles,
            provider_id=provider_id if linked else None,
        )
        users.append(DemoUser(username, password, roles, None, provider_id if linked else None))
    return DemoCredentials(integration_id, client.client.id, client.secret, users)
