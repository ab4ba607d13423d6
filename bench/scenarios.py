"""The requests the benchmark sends, built from the generated practice's real ids and timeline."""

from __future__ import annotations

import base64
import itertools
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.database import Target
from bench.http import Connection
from bench.load import Request

PAGE = 50
WALK_PAGE = 500


def _utc(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite keeps naive UTC text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Practice:
    """What the requests need to know about the generated practice."""

    integration_id: str
    basic: str
    username: str
    password: str
    patient_ids: list[str]
    provider_ids: list[str]
    clinic_ids: list[str]
    first_change: datetime
    last_change: datetime
    first_monday: date
    weeks: int
    tokens: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        """Path prefix of the integration."""
        return f"/integrations/{self.integration_id}"

    @classmethod
    def load(cls, target: Target, summary: dict[str, Any]) -> Practice:
        """Read ids and the change timeline of the practice `bhlink demo generate` made."""
        creds = summary["credentials"]
        integration = summary["integrationId"]
        admin = next(u for u in creds["users"] if "admin" in u["roles"])
        raw = f"{creds['clientId']}:{creds['clientSecret']}".encode()
        first, last = target.query(
            "SELECT min(updated_at), max(updated_at) FROM patients WHERE integration_id = :i",
            i=integration,
        )[0]
        return cls(
            integration_id=integration,
            basic="Basic " + base64.b64encode(raw).decode(),
            username=admin["username"],
            password=admin["password"],
            patient_ids=[
                r[0]
                for r in target.query(
                    "SELECT id FROM patients WHERE integration_id = :i", i=integration
                )
            ],
            provider_ids=[
                r[0]
                for r in target.query(
                    "SELECT id FROM providers WHERE integration_id = :i ORDER BY change_seq",
                    i=integration,
                )
            ],
            clinic_ids=[
                r[0]
                for r in target.query(
                    "SELECT id FROM locations WHERE integration_id = :i "
                    "AND default_place_of_service = '11'",
                    i=integration,
                )
            ],
            first_change=_utc(first),
            last_change=_utc(last),
            first_monday=date.fromisoformat(summary["plan"]["firstMonday"]),
            weeks=int(summary["plan"]["weeks"]),
        )

    def login_body(self) -> dict[str, str]:
        """The admin's credentials (the synthetic practice needs no TOTP)."""
        return {"username": self.username, "password": self.password}

    def log_in(self, base_url: str, count: int) -> None:
        """One session per concurrent client, as separate integrations would hold."""
        with httpx.Client(base_url=base_url, timeout=60, trust_env=False) as http:
            for _ in range(count):
                answer = http.post(
                    self.base + "/sessions",
                    json=self.login_body(),
                    headers={"Authorization": self.basic},
                )
                answer.raise_for_status()
                self.tokens.append(answer.json()["authToken"])

    def bearer(self, index: int) -> dict[str, str]:
        """Authorization header of client `index`."""
        return {"Authorization": "Bearer " + self.tokens[index % len(self.tokens)]}


def scenarios(practice: Practice) -> dict[str, Request]:
    """Name → request, in the order the benchmark runs them."""
    rng = random.Random(20260302)
    span = (practice.last_change - practice.first_change).total_seconds()
    # Far beyond the generated schedule, so new bookings never overlap it or each other.
    booking_base = datetime.combine(
        practice.first_monday + timedelta(weeks=practice.weeks + 4),
        datetime.min.time(),
        tzinfo=UTC,
    )

    async def ping(http: Connection, _index: int, _seq: int) -> bool:
        return (await http.request("GET", "/bench/ping")).status == 200

    async def login(http: Connection, _index: int, _seq: int) -> bool:
        answer = await http.request(
            "POST",
            practice.base + "/sessions",
            json=practice.login_body(),
            headers={"Authorization": practice.basic},
        )
        return answer.status == 201

    async def get_patient(http: Connection, index: int, _seq: int) -> bool:
        patient = rng.choice(practice.patient_ids)
        answer = await http.request(
            "GET", f"{practice.base}/patients/{patient}", headers=practice.bearer(index)
        )
        return answer.status == 200

    async def list_patients(http: Connection, index: int, _seq: int) -> bool:
        after = practice.first_change + timedelta(seconds=rng.random() * span)
        query = urlencode({"pageSize": PAGE, "updatedAfter": _z(after)})
        answer = await http.request(
            "GET", f"{practice.base}/patients?{query}", headers=practice.bearer(index)
        )
        return answer.status == 200

    async def list_appointments(http: Connection, index: int, _seq: int) -> bool:
        monday = practice.first_monday + timedelta(weeks=rng.randrange(practice.weeks))
        start = datetime.combine(monday, datetime.min.time(), tzinfo=UTC)
        query = urlencode(
            {
                "providerId": rng.choice(practice.provider_ids),
                "startFrom": _z(start),
                "startTo": _z(start + timedelta(days=7)),
                "pageSize": PAGE,
            }
        )
        answer = await http.request(
            "GET", f"{practice.base}/appointments?{query}", headers=practice.bearer(index)
        )
        return answer.status == 200

    bookings = itertools.count()

    def booking() -> dict[str, Any]:
        number = next(bookings)
        providers = practice.provider_ids
        # Each provider's new sessions are an hour apart: never a double booking.
        start = booking_base + timedelta(hours=number // len(providers))
        return {
            "patientId": rng.choice(practice.patient_ids),
            "providerId": providers[number % len(providers)],
            "locationId": rng.choice(practice.clinic_ids),
            "appointmentType": "Follow-up",
            "serviceCode": "90834",
            "diagnosisCodes": ["F41.1"],
            "startTime": _z(start),
            "endTime": _z(start + timedelta(minutes=45)),
            "placeOfService": "11",
            "reminders": {"email": True, "sms": False},
        }

    def book(idempotent: bool) -> Request:
        async def post(http: Connection, index: int, _seq: int) -> bool:
            headers = practice.bearer(index)
            if idempotent:
                headers["Idempotency-Key"] = str(uuid.uuid4())
            answer = await http.request(
                "POST", practice.base + "/appointments", json=booking(), headers=headers
            )
            if answer.status != 201:
                return False
            practice.acknowledged.append(answer.json()["appointmentId"])
            return True

        return post

    return {
        "GET /bench/ping (baseline)": ping,
        "POST /sessions (login)": login,
        "GET /patients/{id}": get_patient,
        "GET /patients?updatedAfter (page of 50)": list_patients,
        "GET /appointments (provider, week)": list_appointments,
        "POST /appointments": book(idempotent=False),
        "POST /appointments + Idempotency-Key": book(idempotent=True),
    }


@dataclass(frozen=True)
class Walk:
    """A full cursor walk of the patient list."""

    seconds: float
    pages: int
    items: int
    distinct: int


def cursor_walk(base_url: str, practice: Practice) -> Walk:
    """Page through every patient with `nextCursor` (pageSize 500), timing the whole walk."""
    seen: list[str] = []
    pages = 0
    with httpx.Client(base_url=base_url, timeout=60, trust_env=False) as http:
        began = time.perf_counter()
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"pageSize": WALK_PAGE}
            if cursor:
                params["cursor"] = cursor
            answer = http.get(
                practice.base + "/patients", params=params, headers=practice.bearer(0)
            )
            answer.raise_for_status()
            page = answer.json()
            pages += 1
            seen.extend(item["patientId"] for item in page["items"])
            cursor = page["nextCursor"]
            if not cursor:
                break
        seconds = time.perf_counter() - began
    return Walk(seconds=seconds, pages=pages, items=len(seen), distinct=len(set(seen)))


def missing_acknowledged(target: Target, practice: Practice) -> int:
    """How many appointments the server acknowledged (201) are not in the database."""
    found = 0
    ids = practice.acknowledged
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        params = {f"a{i}": value for i, value in enumerate(chunk)}
        placeholders = ", ".join(f":a{i}" for i in range(len(chunk)))
        found += target.query(
            f"SELECT count(*) FROM appointments WHERE id IN ({placeholders})", **params
        )[0][0]
    return len(ids) - found
