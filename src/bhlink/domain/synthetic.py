"""Synthetic practice: deterministic, realistic rows for benchmarks and load tests (pure).

`SyntheticPractice` plans a practice network of a given size (providers scale with the patient
count, locations with providers) and produces its rows in batches, so a million appointments
never sit in memory at once. Rows are slotted dataclasses whose field names are the record
fields the store persists; the store layer writes them in bulk.

The rows keep the invariants the services keep:

* every id is `<prefix>_<ULID>`, the ULID time being the record's creation time;
* `change_seq` values are consecutive from `first_seq`, and `updated_at` strictly increases
  with `change_seq` (the exact-sync rule of decision 0003), all before `clock_end`;
* NPIs carry a valid check digit and are unique; MRNs are unique;
* a provider is never booked twice at the same time; telehealth appointments carry a telehealth
  place of service (02/10) and a link, in-person ones POS 11 (CMS place-of-service code set);
* statuses follow the appointment state machine: past appointments are completed, cancelled
  (with a reason) or no-show, future ones scheduled or confirmed; `version` counts the changes
  that got each record to its state.

The same seed and `today` give the same practice; record ids also depend on the integration id,
so two practices generated with one seed in one database never share an id.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ulid import ULID

from bhlink.domain import notes as note_rules
from bhlink.domain.identifiers import npi_check_digit
from bhlink.domain.scheduling import AppointmentStatus

# A clinician carries about this many active clients (a full-time outpatient caseload).
PATIENTS_PER_PROVIDER = 150
# Sessions a provider holds in an ordinary week, and the most a week of slots allows.
SESSIONS_PER_WEEK = 27
SLOT_HOURS = (9, 10, 11, 13, 14, 15, 16, 17)
SLOTS_PER_WEEK = len(SLOT_HOURS) * 5
# The schedule never stretches over more than this many weeks (past and future together).
MAX_WEEKS = 104
# Share of the schedule that lies ahead of `today`.
FUTURE_SHARE = 0.15
PROVIDERS_PER_LOCATION = 20
# Share of sessions held by video.
TELEHEALTH_SHARE = 0.35
HISTORY = timedelta(days=730)

FIRST_NAMES = [
    "Avery",
    "Jordan",
    "Riley",
    "Morgan",
    "Casey",
    "Taylor",
    "Quinn",
    "Jamie",
    "Rowan",
    "Skyler",
    "Emerson",
    "Harper",
    "Reese",
    "Dakota",
    "Sage",
    "Elliot",
    "Finley",
    "Hayden",
    "Kendall",
    "Logan",
    "Parker",
    "Sawyer",
    "Blake",
    "Drew",
    "Maria",
    "Jose",
    "Aisha",
    "Wei",
    "Priya",
    "Fatima",
    "Olga",
    "Kwame",
    "Sofia",
    "Liam",
    "Noah",
    "Emma",
    "Olivia",
    "Mateo",
    "Yuki",
    "Amara",
    "Chen",
    "Diego",
    "Leila",
    "Omar",
    "Nia",
]
LAST_NAMES = [
    "Nguyen",
    "Garcia",
    "Patel",
    "Johnson",
    "Kim",
    "Okafor",
    "Martinez",
    "Smith",
    "Chen",
    "Williams",
    "Brown",
    "Lopez",
    "Singh",
    "Davis",
    "Hernandez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Jackson",
    "Lee",
    "Walker",
    "Young",
    "Hall",
    "Rivera",
    "Cohen",
    "Ivanova",
    "Mensah",
    "Haddad",
    "Novak",
    "Kowalski",
    "Tanaka",
    "Rossi",
    "Dubois",
    "Schmidt",
    "Ali",
    "Khan",
    "Reyes",
    "Bauer",
    "Silva",
]
CITIES = (
    ("Seattle", "WA", "98101"),
    ("Tacoma", "WA", "98402"),
    ("Bellevue", "WA", "98004"),
    ("Everett", "WA", "98201"),
    ("Olympia", "WA", "98501"),
    ("Spokane", "WA", "99201"),
    ("Portland", "OR", "97204"),
    ("Vancouver", "WA", "98660"),
)
STREETS = ("Pine St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Lake Blvd", "Hill Rd")
# Behavioral-health ICD-10-CM codes (anxiety, depression, trauma, ADHD, bipolar, OCD, SUD).
DIAGNOSES = (
    "F41.1",
    "F32.1",
    "F33.1",
    "F43.10",
    "F43.23",
    "F90.0",
    "F31.81",
    "F42.2",
    "F10.20",
    "F40.10",
    "F34.1",
    "F43.22",
)
# CPT psychotherapy and evaluation codes with their session lengths in minutes.
SERVICES = (
    ("90834", 45),
    ("90837", 60),
    ("90832", 30),
    ("90834", 45),
    ("90847", 50),
    ("90791", 60),
    ("90853", 60),
)
# NUCC taxonomy codes of behavioral-health clinicians and the credential each one goes with.
CLINICIANS = (
    ("LICSW", "1041C0700X"),
    ("PsyD", "103T00000X"),
    ("LMHC", "101YM0800X"),
    ("MD", "2084P0800X"),
    ("LMFT", "106H00000X"),
    ("PhD", "103T00000X"),
    ("ARNP", "364SP0808X"),
)
# Payers as practices bill them: name, EDI payer id, claim filing indicator, telehealth policy.
PAYERS = (
    ("Regence BlueShield", "00932", "BL", {"placeOfService": "10", "modifier": "95"}),
    ("Premera Blue Cross", "00430", "BL", {"placeOfService": "02", "modifier": "95"}),
    ("Washington Apple Health", "WAMCD", "MC", {"placeOfService": "02", "modifier": "GT"}),
    ("Aetna", "60054", "CI", {"placeOfService": "10", "modifier": None}),
    ("Cigna Behavioral Health", "62308", "CI", {"placeOfService": "either", "modifier": "95"}),
    ("UnitedHealthcare", "87726", "CI", {"placeOfService": "10", "modifier": "95"}),
    ("Kaiser Permanente WA", "91051", "HM", {"placeOfService": "02", "modifier": "95"}),
    ("Medicare Part B (Noridian)", "02202", "MB", {"placeOfService": "10", "modifier": None}),
)
# Progress-note phrases (SOAP) and interventions a draft is assembled from.
SUBJECTIVE = (
    "Client reports improved sleep and fewer panic episodes this week.",
    "Client describes ongoing low mood and difficulty concentrating at work.",
    "Client reports increased conflict at home and irritability.",
    "Client states anxiety was manageable using breathing exercises.",
)
OBJECTIVE = (
    "Alert and oriented, affect congruent, speech normal rate and volume.",
    "Affect constricted, psychomotor slowing noted, good eye contact.",
    "Engaged and cooperative; thought process linear and goal-directed.",
)
ASSESSMENT = (
    "Symptoms improving; progressing toward treatment goals.",
    "Symptoms stable; continued moderate impairment in daily functioning.",
    "Partial response to current interventions; no safety concerns reported.",
)
PLAN = (
    "Continue weekly CBT; practice thought records before next session.",
    "Continue current plan; review sleep hygiene handout next session.",
    "Increase session frequency; coordinate with prescriber about medication.",
)
INTERVENTIONS = ("CBT", "Motivational interviewing", "Psychoeducation", "DBT skills", "EMDR")
CANCEL_REASONS = ("patient_request", "provider_unavailable", "rescheduled", "late_cancel", "other")


@dataclass(slots=True)
class ProviderRow:
    """A provider record."""

    id: str
    integration_id: str
    reference_id: str | None
    created_at: datetime
    updated_at: datetime
    change_seq: int
    version: int
    npi: str
    first_name: str
    last_name: str
    credentials: str
    taxonomy: str
    email: str
    phone: str
    supervisor_id: str | None
    status: str


@dataclass(slots=True)
class LocationRow:
    """A location record (the last one of a practice is its telehealth location)."""

    id: str
    integration_id: str
    reference_id: str | None
    created_at: datetime
    updated_at: datetime
    change_seq: int
    version: int
    name: str
    address: dict[str, str]
    phone: str
    timezone: str
    default_place_of_service: str
    npi: str | None
    status: str


@dataclass(slots=True)
class PayerRow:
    """A payer record."""

    id: str
    integration_id: str
    reference_id: str | None
    created_at: datetime
    updated_at: datetime
    change_seq: int
    version: int
    name: str
    edi_payer_id: str
    claim_filing_indicator: str
    address: dict[str, str] | None
    telehealth_policy: dict[str, Any]
    timely_filing_days: int
    status: str


@dataclass(slots=True)
class PatientRow:
    """A patient record."""

    id: str
    integration_id: str
    reference_id: str | None
    created_at: datetime
    updated_at: datetime
    change_seq: int
    version: int
    mrn: str
    first_name: str
    middle_name: str | None
    last_name: str
    preferred_name: str | None
    dob: date
    sex: str
    gender_identity: str | None
    email: str | None
    phone: str | None
    address_line1: str | None
    address_line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    primary_provider_id: str | None
    portal_status: str
    portal_invited_on: datetime | None
    status: str
    active_from: date
    active_until: date | None
    part2: bool


@dataclass(slots=True)
class InsuranceRow:
    """One coverage of a patient."""

    id: str
    integration_id: str
    patient_id: str
    position: int
    type: str
    payer_id: str
    member_id: str
    group_number: str | None
    relationship: str
    subscriber_first_name: str | None
    subscriber_last_name: str | None
    subscriber_dob: date | None
    subscriber_sex: str | None
    effective_start: date | None
    effective_end: date | None


@dataclass(slots=True)
class CareTeamRow:
    """A provider on a patient's care team."""

    patient_id: str
    provider_id: str
    integration_id: str
    role: str


@dataclass(slots=True)
class AppointmentRow:
    """An individual (one-patient) appointment record."""

    id: str
    integration_id: str
    reference_id: str | None
    created_at: datetime
    updated_at: datetime
    change_seq: int
    version: int
    patient_id: str
    provider_id: str
    location_id: str
    appointment_type: str
    service_code: str
    diagnosis_codes: list[str]
    start_time: datetime
    end_time: datetime
    place_of_service: str
    telehealth_enabled: bool
    telehealth_link: str | None
    reminder_email: bool
    reminder_sms: bool
    notes: str | None
    status: str
    cancel_reason: str | None
    status_changed_at: datetime | None
    is_group: bool
    allow_overlap: bool
    authorization_id: str | None


@dataclass(slots=True)
class NoteRow:
    """A draft progress note written for a completed session."""

    id: str
    integration_id: str
    reference_id: str | None
    created_at: datetime
    updated_at: datetime
    change_seq: int
    version: int
    patient_id: str
    provider_id: str
    appointment_id: str
    created_by_user_id: str | None
    note_type: str
    note_format: str
    status: str
    source: str
    sections: dict[str, str]
    diagnosis_codes: list[str]
    interventions: list[str]
    goals_addressed: list[dict[str, Any]]
    service_code: str
    session_start: datetime
    session_end: datetime
    duration_minutes: int
    telehealth: bool
    content_version: int


@dataclass(slots=True)
class NoteVersionRow:
    """The first content version of a note, with the hash the notes module records."""

    note_id: str
    version: int
    integration_id: str
    reason: str
    content: dict[str, Any]
    content_hash: str
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True)
class PatientBatch:
    """Patients and the child rows that belong to them."""

    patients: list[PatientRow]
    insurance: list[InsuranceRow]
    care_team: list[CareTeamRow]


@dataclass(frozen=True)
class PracticePlan:
    """How big each part of the practice is, derived from the requested counts."""

    patients: int
    appointments: int
    providers: int
    locations: int
    payers: int
    weeks: int
    past_weeks: int
    notes: int = 0

    @property
    def changes(self) -> int:
        """Change numbers the practice may use (one per tenant record; notes at most)."""
        return (
            self.providers
            + self.locations
            + self.payers
            + self.patients
            + self.appointments
            + self.notes
        )


def plan(patients: int, appointments: int, notes: int = 0) -> PracticePlan:
    """Size the practice: providers carry ~150 patients and ~27 sessions a week.

    Raises ValueError when the counts cannot make a plausible practice (no patients, negative
    counts, or more appointments than 40 weekly slots per provider over two years can hold).
    """
    if patients < 1:
        raise ValueError("patients must be at least 1")
    if appointments < 0:
        raise ValueError("appointments must not be negative")
    if notes < 0:
        raise ValueError("notes must not be negative")
    providers = min(patients, max(2, math.ceil(patients / PATIENTS_PER_PROVIDER)))
    weeks = max(1, min(MAX_WEEKS, math.ceil(appointments / (providers * SESSIONS_PER_WEEK))))
    if appointments > providers * weeks * SLOTS_PER_WEEK:
        # More sessions than the providers can hold: add providers (each needs a patient).
        providers = min(patients, math.ceil(appointments / (weeks * SLOTS_PER_WEEK)))
        if appointments > providers * weeks * SLOTS_PER_WEEK:
            raise ValueError(
                f"appointments: at most {providers * weeks * SLOTS_PER_WEEK} fit the schedule "
                f"of {patients} patients; generate more patients"
            )
    past_weeks = weeks - math.floor(weeks * FUTURE_SHARE) if weeks > 1 else 1
    locations = math.ceil(providers / PROVIDERS_PER_LOCATION) + 1
    return PracticePlan(
        patients=patients,
        appointments=appointments,
        providers=providers,
        locations=locations,
        payers=len(PAYERS),
        weeks=weeks,
        past_weeks=past_weeks,
        notes=notes,
    )


class _Clock:
    """Hands out consecutive change numbers with strictly increasing timestamps."""

    def __init__(self, first_seq: int, start: datetime, end: datetime, changes: int) -> None:
        self.seq = first_seq - 1
        self._start = start
        span_us = (end - start) // timedelta(microseconds=1)
        self._step_us = max(1, span_us // max(1, changes))
        self._k = 0

    def at(self, k: int) -> datetime:
        """The timestamp of the k-th change (0-based)."""
        return self._start + timedelta(microseconds=k * self._step_us)

    def tick(self) -> tuple[int, datetime]:
        """The next change number and its timestamp."""
        self.seq += 1
        at = self.at(self._k)
        self._k += 1
        return self.seq, at


class SyntheticPractice:
    """The rows of one synthetic practice, produced in batches (see the module docstring)."""

    def __init__(
        self,
        integration_id: str,
        *,
        patients: int,
        appointments: int,
        notes: int = 0,
        seed: int = 1,
        today: date,
        first_seq: int = 1,
        timezone: str = "America/Los_Angeles",
        telehealth_base_url: str = "https://telehealth.bhlink.local/join",
    ) -> None:
        self.integration_id = integration_id
        self.plan = plan(patients, appointments, notes)
        self.seed = seed
        self.today = today
        self.first_seq = first_seq
        self.zone = ZoneInfo(timezone)
        self.telehealth_base_url = telehealth_base_url.rstrip("/")
        # Every record changed before the start of `today` (UTC), so later API writes follow.
        self.clock_end = datetime.combine(today, time(0), tzinfo=UTC) - timedelta(seconds=1)
        self._clock = _Clock(first_seq, self.clock_end - HISTORY, self.clock_end, self.plan.changes)
        self._content = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        # Ids depend on the integration too, so one seed can fill several practices.
        self._ids = random.Random(f"{seed}:{integration_id}")  # noqa: S311
        self._npis: set[str] = set()
        self.providers = self._make_providers()
        self.locations = self._make_locations()
        self.payers = self._make_payers()
        self._patient_ids: list[str] = []
        self._patients_done = False
        self._appointments_done = False
        # Completed sessions that will get a note: a uniform sample (reservoir) of them all.
        self._noted: list[AppointmentRow] = []
        self._completed_seen = 0
        self._notes_rng = random.Random(f"notes:{seed}")  # noqa: S311

    # -- the counter the integration must hold once every row is written ---------------------

    @property
    def last_seq(self) -> int:
        """The highest change number handed out so far."""
        return self._clock.seq

    @property
    def last_change_at(self) -> datetime:
        """The `updated_at` of the record with the highest change number handed out so far."""
        return self._clock.at(self._clock.seq - self.first_seq)

    # -- helpers -------------------------------------------------------------------------------

    def _id(self, prefix: str, at: datetime) -> str:
        millis = int(at.timestamp() * 1000)
        return f"{prefix}_{str(ULID.from_int((millis << 80) | self._ids.getrandbits(80))).lower()}"

    def _npi(self) -> str:
        while True:
            body = str(self._content.randint(100_000_000, 299_999_999))
            npi = body + str(npi_check_digit(body))
            if npi not in self._npis:
                self._npis.add(npi)
                return npi

    # -- the directory ---------------------------------------------------------------------------

    def _make_providers(self) -> list[ProviderRow]:
        rng = self._content
        rows: list[ProviderRow] = []
        for index in range(self.plan.providers):
            seq, at = self._clock.tick()
            credentials, taxonomy = CLINICIANS[index % len(CLINICIANS)]
            # Pre-licensure clinicians (two of every six) are supervised by the group's lead.
            lead = index - index % 6
            supervisor = rows[lead].id if index % 6 in (4, 5) else None
            rows.append(
                ProviderRow(
                    id=self._id("prv", at),
                    integration_id=self.integration_id,
                    reference_id=None,
                    created_at=at,
                    updated_at=at,
                    change_seq=seq,
                    version=1,
                    npi=self._npi(),
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    credentials=credentials,
                    taxonomy=taxonomy,
                    email=f"provider{index + 1}@practice.example",
                    phone=f"+1-206-555-{index % 10000:04d}",
                    supervisor_id=supervisor,
                    status="active",
                )
            )
        return rows

    def _make_locations(self) -> list[LocationRow]:
        rows: list[LocationRow] = []
        for index in range(self.plan.locations):
            seq, at = self._clock.tick()
            telehealth = index == self.plan.locations - 1
            city, region, zip5 = CITIES[index % len(CITIES)]
            rows.append(
                LocationRow(
                    id=self._id("loc", at),
                    integration_id=self.integration_id,
                    reference_id=None,
                    created_at=at,
                    updated_at=at,
                    change_seq=seq,
                    version=1,
                    name="Telehealth" if telehealth else f"{city} Clinic {index + 1}",
                    address={
                        "line1": f"{100 + index} Wellness Ave",
                        "city": city,
                        "region": region,
                        "postalCode": zip5,
                    },
                    phone=f"+1-206-555-{7000 + index % 1000:04d}",
                    timezone=self.zone.key,
                    # CMS POS 02: telehealth other than in the patient's home; 11: office.
                    default_place_of_service="02" if telehealth else "11",
                    npi=self._npi(),
                    status="active",
                )
            )
        return rows

    def _make_payers(self) -> list[PayerRow]:
        rows: list[PayerRow] = []
        for name, edi_id, indicator, policy in PAYERS:
            seq, at = self._clock.tick()
            rows.append(
                PayerRow(
                    id=self._id("payer", at),
                    integration_id=self.integration_id,
                    reference_id=None,
                    created_at=at,
                    updated_at=at,
                    change_seq=seq,
                    version=1,
                    name=name,
                    edi_payer_id=edi_id,
                    claim_filing_indicator=indicator,
                    address=None,
                    telehealth_policy=dict(policy),
                    timely_filing_days=365,
                    status="active",
                )
            )
        return rows

    # -- patients ----------------------------------------------------------------------------

    def patient_batches(self, size: int = 5000) -> Iterator[PatientBatch]:
        """Every patient with their insurance and care team, `size` patients at a time.

        Patient i is on provider (i mod providers)'s caseload; one in seven also sees a
        prescriber from another provider's group.
        """
        if self._patients_done:
            raise RuntimeError("patients were generated already")
        rng = self._content
        providers = self.providers
        payers = self.payers
        count = len(providers)
        batch = PatientBatch([], [], [])
        for index in range(self.plan.patients):
            seq, at = self._clock.tick()
            patient_id = self._id("pt", at)
            self._patient_ids.append(patient_id)
            provider = providers[index % count]
            city, region, zip5 = rng.choice(CITIES)
            dob = date(rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28))
            roll = rng.random()
            status = "active" if roll < 0.88 else ("discharged" if roll < 0.96 else "inactive")
            active_from = (at - timedelta(days=rng.randint(0, 60))).date()
            active_until = (
                active_from + timedelta(days=rng.randint(30, 400)) if status != "active" else None
            )
            portal = rng.choice(("not_invited", "invited", "enrolled", "enrolled"))
            batch.patients.append(
                PatientRow(
                    id=patient_id,
                    integration_id=self.integration_id,
                    reference_id=None,
                    created_at=at,
                    updated_at=at,
                    change_seq=seq,
                    version=1,
                    mrn=f"MRN-{index + 1:07d}",
                    first_name=rng.choice(FIRST_NAMES),
                    middle_name=None,
                    last_name=rng.choice(LAST_NAMES),
                    preferred_name=None,
                    dob=dob,
                    sex=rng.choice(("female", "male", "female", "male", "other")),
                    gender_identity=None,
                    email=f"patient{index + 1}@mail.example",
                    phone=f"+1-206-555-{index % 10000:04d}",
                    address_line1=f"{rng.randint(10, 9999)} {rng.choice(STREETS)}",
                    address_line2=None,
                    city=city,
                    region=region,
                    postal_code=zip5,
                    country="US",
                    primary_provider_id=provider.id,
                    portal_status=portal,
                    portal_invited_on=at if portal != "not_invited" else None,
                    status=status,
                    active_from=active_from,
                    active_until=active_until,
                    # 42 CFR Part 2: substance-use treatment records (about one in twenty).
                    part2=rng.random() < 0.05,
                )
            )
            self._insurance(batch.insurance, patient_id, dob, payers, at)
            if index % 7 == 0 and count > 1:
                prescriber = providers[(index + 3) % count]
                if prescriber.id != provider.id:
                    batch.care_team.append(
                        CareTeamRow(
                            patient_id=patient_id,
                            provider_id=prescriber.id,
                            integration_id=self.integration_id,
                            role="psychiatric_prescriber",
                        )
                    )
            if len(batch.patients) >= size:
                yield batch
                batch = PatientBatch([], [], [])
        self._patients_done = True
        if batch.patients:
            yield batch

    def _insurance(
        self,
        out: list[InsuranceRow],
        patient_id: str,
        dob: date,
        payers: list[PayerRow],
        at: datetime,
    ) -> None:
        rng = self._content
        if rng.random() < 0.06:  # self-pay
            return
        minor = dob.year > self.today.year - 18
        ranks = ("primary", "secondary") if rng.random() < 0.1 else ("primary",)
        for position, rank in enumerate(ranks, start=1):
            payer = rng.choice(payers)
            out.append(
                InsuranceRow(
                    id=self._id("ins", at),
                    integration_id=self.integration_id,
                    patient_id=patient_id,
                    position=position,
                    type=rank,
                    payer_id=payer.id,
                    member_id=f"{payer.edi_payer_id[:3].upper()}{rng.randint(1_000_000, 9_999_999)}",
                    group_number=f"GRP-{rng.randint(10_000, 99_999)}",
                    relationship="child" if minor else "self",
                    subscriber_first_name=rng.choice(FIRST_NAMES) if minor else None,
                    subscriber_last_name=rng.choice(LAST_NAMES) if minor else None,
                    subscriber_dob=date(dob.year - 30, 6, 15) if minor else None,
                    subscriber_sex=rng.choice(("female", "male")) if minor else None,
                    effective_start=date(self.today.year - 1, 1, 1),
                    effective_end=None,
                )
            )

    # -- appointments ------------------------------------------------------------------------

    def week_start(self, week: int) -> date:
        """The Monday of schedule week `week` (0 is the oldest; `plan.past_weeks` is this week)."""
        this_monday = self.today - timedelta(days=self.today.weekday())
        return this_monday + timedelta(weeks=week - self.plan.past_weeks)

    def appointment_batches(self, size: int = 20000) -> Iterator[list[AppointmentRow]]:
        """Every appointment, week by week and provider by provider, `size` at a time.

        Each provider-week gets its sessions in distinct slots (no double booking) with patients
        from the provider's caseload. Call after `patient_batches` is exhausted.
        """
        if not self._patients_done:
            raise RuntimeError("generate the patients first: appointments refer to them")
        rng = self._content
        providers = self.providers
        count = len(providers)
        patient_ids = self._patient_ids
        total_patients = len(patient_ids)
        clinics = self.locations[:-1]
        telehealth_location = self.locations[-1]
        now = self.clock_end
        remaining = self.plan.appointments
        provider_weeks = count * self.plan.weeks
        batch: list[AppointmentRow] = []
        slot_index = list(range(SLOTS_PER_WEEK))
        for week in range(self.plan.weeks):
            monday = self.week_start(week)
            slot_times = [
                datetime.combine(
                    monday + timedelta(days=day), time(hour), tzinfo=self.zone
                ).astimezone(UTC)
                for day in range(5)
                for hour in SLOT_HOURS
            ]
            for p_index, provider in enumerate(providers):
                # Spread what is left evenly over the provider-weeks still to fill.
                left_weeks = provider_weeks - (week * count + p_index)
                sessions = min(SLOTS_PER_WEEK, math.ceil(remaining / left_weeks))
                remaining -= sessions
                caseload = (total_patients - p_index + count - 1) // count
                for slot in sorted(rng.sample(slot_index, sessions)):
                    start = slot_times[slot]
                    patient_id = patient_ids[p_index + count * rng.randrange(caseload)]
                    location = (
                        telehealth_location
                        if rng.random() < TELEHEALTH_SHARE
                        else clinics[(p_index // PROVIDERS_PER_LOCATION) % len(clinics)]
                    )
                    row = self._appointment(rng, provider, patient_id, start, now, location)
                    if row.status == AppointmentStatus.COMPLETED:
                        self._sample_for_note(row)
                    batch.append(row)
                    if len(batch) >= size:
                        yield batch
                        batch = []
        self._appointments_done = True
        if batch:
            yield batch

    def _sample_for_note(self, row: AppointmentRow) -> None:
        """Reservoir sampling: every completed session has the same chance of a note."""
        wanted = self.plan.notes
        if wanted == 0:
            return
        self._completed_seen += 1
        if len(self._noted) < wanted:
            self._noted.append(row)
            return
        slot = self._notes_rng.randrange(self._completed_seen)
        if slot < wanted:
            self._noted[slot] = row

    # -- notes -------------------------------------------------------------------------------

    def note_batches(
        self, size: int = 5000
    ) -> Iterator[tuple[list[NoteRow], list[NoteVersionRow]]]:
        """Draft SOAP progress notes for sampled completed sessions, oldest session first.

        Each note has its first content version hashed as the notes module does
        (bhlink.domain.notes.content_hash over the record content). Fewer notes than asked
        come out when fewer sessions were completed. Call after `appointment_batches`.
        """
        if not self._appointments_done:
            raise RuntimeError("generate the appointments first: notes document them")
        rng = self._notes_rng
        notes: list[NoteRow] = []
        versions: list[NoteVersionRow] = []
        for session in sorted(self._noted, key=lambda a: (a.start_time, a.id)):
            seq, at = self._clock.tick()
            note_id = self._id("note", at)
            sections = {
                "subjective": rng.choice(SUBJECTIVE),
                "objective": rng.choice(OBJECTIVE),
                "assessment": rng.choice(ASSESSMENT),
                "plan": rng.choice(PLAN),
            }
            minutes = (session.end_time - session.start_time) // timedelta(minutes=1)
            row = NoteRow(
                id=note_id,
                integration_id=self.integration_id,
                reference_id=None,
                created_at=at,
                updated_at=at,
                change_seq=seq,
                version=1,
                patient_id=session.patient_id,
                provider_id=session.provider_id,
                appointment_id=session.id,
                created_by_user_id=None,
                note_type=note_rules.NoteType.PROGRESS.value,
                note_format=note_rules.NoteFormat.SOAP.value,
                status=note_rules.NoteStatus.DRAFT.value,
                source="import",
                sections=sections,
                diagnosis_codes=list(session.diagnosis_codes),
                interventions=[rng.choice(INTERVENTIONS)],
                goals_addressed=[],
                service_code=session.service_code,
                session_start=session.start_time,
                session_end=session.end_time,
                duration_minutes=minutes,
                telehealth=session.telehealth_enabled,
                content_version=1,
            )
            content = self._note_content(row)
            notes.append(row)
            versions.append(
                NoteVersionRow(
                    note_id=note_id,
                    version=1,
                    integration_id=self.integration_id,
                    reason="created",
                    content=content,
                    content_hash=note_rules.content_hash(content),
                    created_at=at,
                    created_by="system",
                )
            )
            if len(notes) >= size:
                yield notes, versions
                notes, versions = [], []
        if notes:
            yield notes, versions

    @staticmethod
    def _note_content(row: NoteRow) -> dict[str, Any]:
        """The version content the notes service records for a new draft (no addenda yet)."""
        note = note_rules.new_note(
            row.id,
            row.note_type,
            row.note_format,
            row.provider_id,
            sections=row.sections,
            diagnosis_codes=row.diagnosis_codes,
        )
        return {
            **note.content_fields(),
            "patientId": row.patient_id,
            "appointmentId": row.appointment_id,
            "source": row.source,
            "interventions": list(row.interventions),
            "goalsAddressed": [],
            "serviceCode": row.service_code,
            "sessionStart": row.session_start.isoformat(),
            "sessionEnd": row.session_end.isoformat(),
            "durationMinutes": row.duration_minutes,
            "telehealth": row.telehealth,
            "addenda": [],
        }

    def _appointment(
        self,
        rng: random.Random,
        provider: ProviderRow,
        patient_id: str,
        start: datetime,
        now: datetime,
        location: LocationRow,
    ) -> AppointmentRow:
        seq, at = self._clock.tick()
        appointment_id = self._id("apt", at)
        code, minutes = SERVICES[rng.randrange(len(SERVICES))]
        telehealth = location.default_place_of_service == "02"
        if telehealth:
            # CMS POS 10: telehealth in the patient's home; 02: elsewhere.
            place = "10" if rng.random() < 0.7 else "02"
            link: str | None = f"{self.telehealth_base_url}/{appointment_id}"
        else:
            place, link = "11", None
        status, version, reason = self._status(rng, start < now)
        return AppointmentRow(
            id=appointment_id,
            integration_id=self.integration_id,
            reference_id=None,
            created_at=at,
            updated_at=at,
            change_seq=seq,
            version=version,
            patient_id=patient_id,
            provider_id=provider.id,
            location_id=location.id,
            appointment_type="Intake" if code == "90791" else "Follow-up",
            service_code=code,
            diagnosis_codes=[DIAGNOSES[rng.randrange(len(DIAGNOSES))]],
            start_time=start,
            end_time=start + timedelta(minutes=minutes),
            place_of_service=place,
            telehealth_enabled=telehealth,
            telehealth_link=link,
            reminder_email=True,
            reminder_sms=rng.random() < 0.6,
            notes=None,
            status=status.value,
            cancel_reason=reason,
            status_changed_at=at if version > 1 else None,
            is_group=False,
            allow_overlap=False,
            authorization_id=None,
        )

    @staticmethod
    def _status(rng: random.Random, past: bool) -> tuple[AppointmentStatus, int, str | None]:
        """A status reachable through the state machine, and how many changes it took."""
        roll = rng.random()
        if past:
            if roll < 0.08:
                return AppointmentStatus.CANCELLED, 2, rng.choice(CANCEL_REASONS)
            if roll < 0.14:
                return AppointmentStatus.NO_SHOW, 2, None
            # scheduled -> checked_in -> completed
            return AppointmentStatus.COMPLETED, 3, None
        if roll < 0.3:
            return AppointmentStatus.CONFIRMED, 2, None
        return AppointmentStatus.SCHEDULED, 1, None
