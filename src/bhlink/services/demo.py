"""The demo practice: a deterministic, realistic behavioral-health clinic loaded through the services."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bhlink.domain.clock import utcnow
from bhlink.domain.identifiers import npi_check_digit
from bhlink.domain.synthetic import FIRST_NAMES, LAST_NAMES
from bhlink.schemas.appointments import AppointmentWrite, StatusChange
from bhlink.schemas.directory import LocationWrite, PayerWrite, ProviderWrite
from bhlink.schemas.patients import PatientWrite
from bhlink.services import appointments, directory, patients, tenancy
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.store.tables import Location, Patient, Provider
from bhlink.store.unit_of_work import UnitOfWork

DEMO_INTEGRATION_ID = "int_demo"
# The demo draws from the first 24 names of the synthetic generator's lists, so the same seed
# keeps giving the same demo practice.
FIRST = FIRST_NAMES[:24]
LAST = LAST_NAMES[:24]
CITIES = [
    ("Seattle", "WA", "98101"),
    ("Tacoma", "WA", "98402"),
    ("Bellevue", "WA", "98004"),
    ("Everett", "WA", "98201"),
    ("Olympia", "WA", "98501"),
]
DIAGNOSES = [
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
]
SERVICES = [
    ("90834", 45),
    ("90837", 60),
    ("90832", 30),
    ("90834", 45),
    ("90847", 50),
    ("90791", 60),
]
SLOTS = [time(9), time(10), time(11), time(13), time(14), time(15), time(16)]


@dataclass
class DemoUser:
    """A demo login."""

    username: str
    password: str
    roles: list[str]
    totp_secret: str | None = None
    provider_id: str | None = None


@dataclass
class DemoCredentials:
    """What `bhlink demo credentials --json` prints."""

    integration_id: str
    client_id: str
    client_secret: str
    users: list[DemoUser] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """CamelCase JSON for the CLI."""
        return {
            "integrationId": self.integration_id,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "users": [
                {
                    "username": u.username,
                    "password": u.password,
                    "roles": u.roles,
                    "totpSecret": u.totp_secret,
                    "providerId": u.provider_id,
                }
                for u in self.users
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> DemoCredentials:
        """Inverse of as_json."""
        users = [
            DemoUser(
                username=u["username"],
                password=u["password"],
                roles=list(u["roles"]),
                totp_secret=u.get("totpSecret"),
                provider_id=u.get("providerId"),
            )
            for u in data["users"]  # type: ignore[attr-defined]
        ]
        return cls(
            str(data["integrationId"]), str(data["clientId"]), str(data["clientSecret"]), users
        )


def _npi(rng: random.Random) -> str:
    """A random NPI with a valid check digit."""
    body = "1" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return body + str(npi_check_digit(body))


def load(
    uow: UnitOfWork,
    box: SecretBox,
    *,
    seed: int = 7,
    patients_count: int = 300,
    today: date | None = None,
    history_days: int = 182,
    future_days: int = 61,
) -> DemoCredentials:
    """Create the demo integration with its directory, patients, schedule and users."""
    rng = random.Random(seed)
    today = today or utcnow().date()
    integration = tenancy.create_integration(
        uow,
        name="Cascadia Behavioral Health (demo)",
        vendor="native",
        timezone="America/Los_Angeles",
        require_mfa=False,
        integration_id=DEMO_INTEGRATION_ID,
        settings={
            "billingProvider": {
                "name": "Cascadia Behavioral Health",
                "npi": _npi(rng),
                "taxonomy": "261QM0801X",
                "ein": "911234567",
                "address": {
                    "line1": "200 Wellness Ave",
                    "city": "Seattle",
                    "region": "WA",
                    "postalCode": "981091234",
                },
            }
        },
    )
    actor = Actor.system(integration.id, "demo loader")
    locations = [
        directory.upsert_location(
            uow,
            actor,
            LocationWrite(
                name=name,
                address={"line1": line1, "city": city, "region": "WA", "postalCode": zip5},
                default_place_of_service=pos,
                timezone="America/Los_Angeles",
                reference_id=f"demo-loc-{i}",
            ),
        )[0]
        for i, (name, line1, city, zip5, pos) in enumerate(
            [
                ("Downtown Clinic", "200 Wellness Ave", "Seattle", "98109", "11"),
                ("Tacoma Counseling Center", "14 Market St", "Tacoma", "98402", "11"),
                ("Telehealth", "200 Wellness Ave", "Seattle", "98109", "02"),
            ]
        )
    ]
    credentials = ["LICSW", "PsyD", "LMHC", "MD", "LMFT", "PhD", "LMHC", "ARNP"]
    taxonomies = [
        "1041C0700X",
        "103T00000X",
        "101YM0800X",
        "2084P0800X",
        "106H00000X",
        "103T00000X",
        "101YM0800X",
        "364SP0808X",
    ]
    providers: list[Provider] = []
    for i in range(8):
        supervisor = providers[1].id if i in (2, 6) else None
        provider, _ = directory.upsert_provider(
            uow,
            actor,
            ProviderWrite(
                npi=_npi(rng),
                first_name=FIRST[(i * 5) % len(FIRST)],
                last_name=LAST[(i * 7 + 3) % len(LAST)],
                credentials=credentials[i],
                taxonomy=taxonomies[i],
                email=f"provider{i + 1}@cascadia.example",
                supervisor_id=supervisor,
                reference_id=f"demo-prv-{i}",
            ),
        )
        providers.append(provider)
    payer_specs = [
        ("Regence BlueShield", "00932", "BL", {"placeOfService": "10", "modifier": "95"}),
        ("Premera Blue Cross", "00430", "BL", {"placeOfService": "02", "modifier": "95"}),
        (
            "Washington Apple Health (Medicaid)",
            "WAMCD",
            "MC",
            {"placeOfService": "02", "modifier": "GT"},
        ),
        ("Aetna", "60054", "CI", {"placeOfService": "10", "modifier": None}),
    ]
    payers = [
        directory.upsert_payer(
            uow,
            actor,
            PayerWrite.model_validate(
                {
                    "name": n,
                    "ediPayerId": e,
                    "claimFilingIndicator": f,
                    "telehealthPolicy": t,
                    "referenceId": f"demo-payer-{i}",
                }
            ),
        )[0]
        for i, (n, e, f, t) in enumerate(payer_specs)
    ]
    roster = []
    for i in range(patients_count):
        provider = providers[i % len(providers)]
        city, region, zip5 = CITIES[rng.randrange(len(CITIES))]
        payer = payers[rng.randrange(len(payers))]
        dob = date(rng.randint(1950, 2010), rng.randint(1, 12), rng.randint(1, 28))
        dependent = dob.year > 2006
        insurance: dict[str, object] = {
            "type": "primary",
            "payerId": payer.id,
            "memberId": f"{payer.edi_payer_id[:3].upper()}{rng.randint(1000000, 9999999)}",
            "groupNumber": f"GRP-{rng.randint(10000, 99999)}",
            "effectiveStart": "2025-01-01",
            "effectiveEnd": None,
        }
        if dependent:
            insurance |= {
                "relationship": "child",
                "subscriber": {
                    "firstName": FIRST[rng.randrange(len(FIRST))],
                    "lastName": LAST[(i * 3) % len(LAST)],
                    "dob": "1975-06-15",
                    "sex": "female",
                },
            }
        body = PatientWrite.model_validate(
            {
                "mrn": f"MRN-{10001 + i}",
                "firstName": FIRST[rng.randrange(len(FIRST))],
                "lastName": LAST[rng.randrange(len(LAST))],
                "dob": dob.isoformat(),
                "sex": rng.choice(["female", "male", "female", "male", "other"]),
                "contact": {
                    "email": f"patient{i + 1}@mail.example",
                    "phone": f"+1-206-555-{1000 + i:04d}",
                },
                "address": {
                    "line1": f"{rng.randint(10, 9999)} Pine St",
                    "city": city,
                    "region": region,
                    "postalCode": zip5,
                },
                "insurance": [insurance],
                "primaryProviderId": provider.id,
                "careTeam": [
                    {
                        "providerId": providers[(i + 3) % len(providers)].id,
                        "role": "psychiatric_prescriber",
                    }
                ]
                if i % 5 == 0
                else [],
                "portalEnrollment": {"status": rng.choice(["not_invited", "invited", "enrolled"])},
                "activeFrom": (today - timedelta(days=rng.randint(200, 900))).isoformat(),
                "part2": i % 17 == 0,
                "referenceId": f"demo-pt-{i}",
            }
        )
        roster.append(patients.upsert(uow, actor, body)[0])
    _schedule(uow, actor, rng, today, providers, locations, roster, history_days, future_days)
    client = tenancy.create_client(uow, integration.id, "demo client")
    users: list[DemoUser] = []
    for username, roles, provider_index, with_totp in [
        ("admin@cascadia.example", ["admin"], None, True),
        ("clinician@cascadia.example", ["clinician"], 0, True),
        ("supervisor@cascadia.example", ["supervisor"], 1, False),
        ("biller@cascadia.example", ["biller"], None, False),
        ("frontdesk@cascadia.example", ["front_desk"], None, False),
        ("readonly@cascadia.example", ["readonly"], None, False),
    ]:
        password = secrets.token_urlsafe(12)
        provider_id = providers[provider_index].id if provider_index is not None else None
        user = tenancy.create_user(
            uow,
            integration.id,
            username=username,
            name=username.split("@")[0].replace("frontdesk", "front desk").title() + " (demo)",
            password=password,
            roles=roles,
            provider_id=provider_id,
        )
        totp_secret = None
        if with_totp:
            uri = tenancy.begin_totp(uow, box, user, confirmed=True)
            totp_secret = uri.split("secret=")[1].split("&")[0]
        users.append(DemoUser(username, password, roles, totp_secret, provider_id))
    return DemoCredentials(integration.id, client.client.id, client.secret, users)


def _schedule(
    uow: UnitOfWork,
    actor: Actor,
    rng: random.Random,
    today: date,
    providers: list[Provider],
    locations: list[Location],
    roster: list[Patient],
    history_days: int,
    future_days: int,
) -> None:
    """About 4,000 appointments: 6 months back (mostly completed) and 2 months ahead."""
    zone = ZoneInfo("America/Los_Angeles")
    caseloads = {p.id: [pt for pt in roster if pt.primary_provider_id == p.id] for p in providers}
    start_day = today - timedelta(days=history_days)
    end_day = today + timedelta(days=future_days)
    day = start_day
    while day <= end_day:
        if day.weekday() < 5:
            for provider in providers:
                for slot in rng.sample(SLOTS, k=rng.choice([2, 3, 3, 3, 4])):
                    patient = rng.choice(caseloads[provider.id])
                    code, minutes = rng.choice(SERVICES)
                    start = datetime.combine(day, slot, tzinfo=zone).astimezone(UTC)
                    telehealth = rng.random() < 0.35
                    location = locations[2] if telehealth else locations[rng.randrange(2)]
                    body = AppointmentWrite.model_validate(
                        {
                            "patientId": patient.id,
                            "providerId": provider.id,
                            "locationId": location.id,
                            "appointmentType": "Intake" if code == "90791" else "Follow-up",
                            "serviceCode": code,
                            "diagnosisCodes": [DIAGNOSES[int(patient.mrn[4:]) % len(DIAGNOSES)]],
                            "startTime": start.isoformat(),
                            "endTime": (start + timedelta(minutes=minutes)).isoformat(),
                            "placeOfService": "10" if telehealth else "11",
                            "telehealth": {"enabled": telehealth},
                            "reminders": {"email": True, "sms": rng.random() < 0.6},
                        }
                    )
                    appt, _ = appointments.upsert(
                        uow, actor, body, telehealth_base_url="https://telehealth.bhlink.local/join"
                    )
                    if day < today:
                        _close_out(uow, actor, rng, appt.id)
        day += timedelta(days=1)


def _close_out(uow: UnitOfWork, actor: Actor, rng: random.Random, appointment_id: str) -> None:
    roll = rng.random()
    if roll < 0.08:
        appointments.change_status(
            uow,
            actor,
            appointment_id,
            StatusChange(
                status="cancelled",
                reason=rng.choice(["patient_request", "provider_unavailable", "rescheduled"]),
            ),
        )
    elif roll < 0.14:
        appointments.change_status(uow, actor, appointment_id, StatusChange(status="no_show"))
    else:
        appointments.change_status(uow, actor, appointment_id, StatusChange(status="checked_in"))
        appointments.change_status(uow, actor, appointment_id, StatusChange(status="completed"))
