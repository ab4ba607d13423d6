"""Revenue-cycle test helpers: billing set-up, completed appointments, and payer replies
(999, 277CA, 835) built with our own X12 serializer from the claim we sent (fake data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bhlink.edi import Segment, parse_segments, serialize
from tests.support.practice import NPIS, Practice

BILLING_NPI = NPIS[0]
SETTINGS: dict[str, Any] = {
    "billingProviders": [
        {
            "npi": BILLING_NPI,
            "taxId": "91-1234567",
            "name": "Cascadia Behavioral Health",
            "taxonomy": "261QM0801X",
            "address": {
                "line1": "200 Wellness Ave",
                "city": "Seattle",
                "region": "WA",
                "postalCode": "98109-1234",
            },
        }
    ],
    "submitter": {
        "name": "Cascadia Behavioral Health",
        "identifier": "CASCADIABH",
        "contactName": "Billing Office",
        "contactPhone": "2065550100",
    },
    "receiver": {"name": "Clearinghouse Inc", "identifier": "CLEARHOUSE"},
}


def set_up_billing(practice: Practice, **changes: Any) -> None:
    """Billing settings, a fee schedule, and a street address for every patient."""
    response = practice.client.put(
        f"{practice.base}/billing/settings",
        json={**SETTINGS, **changes},
        headers=practice.login(),
    )
    assert response.status_code == 200, response.text
    response = practice.client.put(
        f"{practice.base}/payers/{practice.payer_id}/fee-schedule",
        json={
            "rates": [
                {"serviceCode": "90834", "amount": "120.00"},
                {"serviceCode": "90837", "amount": "160.00"},
                {"serviceCode": "H0004", "amount": "24.00"},
                {"serviceCode": "90791", "amount": "200.00"},
            ]
        },
        headers=practice.login(),
    )
    assert response.status_code == 200, response.text
    for patient_id in practice.patient_ids:
        response = practice.patch(
            f"/patients/{patient_id}",
            {
                "address": {
                    "line1": "422 Pine St",
                    "city": "Seattle",
                    "region": "WA",
                    "postalCode": "98101",
                }
            },
        )
        assert response.status_code == 200, response.text


def iso(moment: datetime) -> str:
    """API timestamp."""
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def completed_appointment(
    practice: Practice,
    *,
    days_ago: int = 3,
    minutes: int = 50,
    code: str = "90834",
    patient_index: int = 0,
    telehealth: bool = True,
    **extra: Any,
) -> str:
    """An appointment in the past, checked in and completed."""
    start = (datetime.now(UTC) - timedelta(days=days_ago)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    body = {
        "patientId": practice.patient_ids[patient_index],
        "providerId": practice.provider_ids[0],
        "locationId": practice.location_id,
        "serviceCode": code,
        "diagnosisCodes": ["F41.1"],
        "startTime": iso(start),
        "endTime": iso(start + timedelta(minutes=minutes)),
        "placeOfService": "02" if telehealth else "11",
        "telehealth": {"enabled": telehealth},
        "allowOverlap": True,
        **extra,
    }
    response = practice.post("/appointments", body)
    assert response.status_code == 201, response.text
    appointment_id = str(response.json()["appointmentId"])
    for status in ("checked_in", "completed"):
        moved = practice.post(f"/appointments/{appointment_id}/status", {"status": status})
        assert moved.status_code == 200, moved.text
    return appointment_id


def _interchange(functional_id: str, version: str, body: list[Segment], control: int) -> str:
    isa = Segment.of(
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", "CLEARHOUSE".ljust(15), "ZZ",
        "CASCADIABH".ljust(15), "260120", "1200", "^", "00501", f"{control:09d}", "0", "T", ":",
    )  # fmt: skip
    gs = Segment.of(
        "GS", functional_id, "CLEARHOUSE", "CASCADIABH", "20260120", "1200", str(control), "X",
        version,
    )  # fmt: skip
    # ST03 is "Not Used" in the 835 TR3 and required in the 999 and 277CA ones.
    st = Segment.of("ST", body[0].value(1), "0001", None if version == "005010X221A1" else version)
    segments = [isa, gs, st, *body[1:], Segment.of("SE", str(len(body) + 1), "0001")]
    segments += [Segment.of("GE", "1", str(control)), Segment.of("IEA", "1", f"{control:09d}")]
    return serialize(segments, line_break="\n")


def envelope_of(claim_file: str) -> tuple[str, str]:
    """(GS06, ST02) of an 837 we wrote."""
    segments = parse_segments(claim_file)
    gs = next(s for s in segments if s.segment_id == "GS")
    st = next(s for s in segments if s.segment_id == "ST")
    return gs.value(6), st.value(2)


def reply_999(claim_file: str, status: str = "A", control: int = 9001) -> str:
    """A 999 answering our 837 (AK1 names our GS06, AK2 our ST02)."""
    group, transaction = envelope_of(claim_file)
    body = [
        Segment.of("ST", "999"),
        Segment.of("AK1", "HC", group, "005010X222A1"),
        Segment.of("AK2", "837", transaction, "005010X222A1"),
    ]
    if status == "R":
        body += [Segment.of("IK3", "CLM", "22", "2300", "8"), Segment.of("IK4", "5", "1331", "7")]
    body += [
        Segment.of("IK5", status, *(["5"] if status == "R" else [])),
        Segment.of("AK9", status, "1", "1", "1" if status == "A" else "0"),
    ]
    return _interchange("FA", "005010X231A1", body, control)


def reply_277ca(
    control_number: str, charge: str, category: str = "A1", payer_icn: str = "PAYERICN0001",
    control: int = 9002,
) -> str:  # fmt: skip
    """A 277CA accepting (A1) or rejecting (A7) the claim with this CLM01."""
    body = [
        Segment.of("ST", "277"),
        Segment.of("BHT", "0085", "08", "BATCH1", "20260120", "1200", "TH"),
        Segment.of("HL", "1", None, "20", "1"),
        Segment.of("NM1", "PR", "2", "REGENCE", None, None, None, None, "PI", "00932"),
        Segment.of("TRN", "1", "1001"),
        Segment.of("DTP", "050", "D8", "20260120"),
        Segment.of("DTP", "009", "D8", "20260120"),
        Segment.of("HL", "2", "1", "21", "1"),
        Segment.of("NM1", "41", "2", "CASCADIA BH", None, None, None, None, "46", "CASCADIABH"),
        Segment.of("TRN", "2", "BATCH1"),
        Segment.of("STC", ["A1", "20"], "20260120", "WQ", charge),
        Segment.of("QTY", "90", "1"),
        Segment.of("AMT", "YU", charge),
        Segment.of("HL", "3", "2", "19", "1"),
        Segment.of("NM1", "85", "2", "CASCADIA BH", None, None, None, None, "XX", BILLING_NPI),
        Segment.of("TRN", "1", "1"),
        Segment.of("STC", ["A1", "20"], None, "WQ", charge),
        Segment.of("HL", "4", "3", "PT"),
        Segment.of("NM1", "QC", "1", "PATIENT", "TEST", None, None, None, "MI", "M0"),
        Segment.of("TRN", "2", control_number),
        Segment.of("STC", [category, "20" if category == "A1" else "21"], "20260120", "WQ", charge),
    ]
    if category in ("A1", "A2"):
        body.append(Segment.of("REF", "1K", payer_icn))
    body.append(Segment.of("DTP", "472", "RD8", "20260117-20260117"))
    return _interchange("HN", "005010X214", body, control)


def reply_835(
    claims: list[dict[str, Any]],
    *,
    trace: str = "EFT0001",
    control: int = 9003,
    plb: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
) -> str:
    """An 835 paying `claims`: each {pcn, status, charge, paid, pr, icn, lines: [...]}.

    Each line: {code, modifiers, charge, paid, chargeId, adjustments: [(group, reason, amount)]}.
    """
    body: list[Segment] = [Segment.of("ST", "835")]
    total = sum(float(c["paid"]) for c in claims) - sum(float(p[2]) for p in plb)
    body += [
        Segment.of(
            "BPR", "I", f"{total:.2f}", "C", "ACH", "CCP", "01", "999999999", "DA", "123456",
            "1999999999", None, "01", "888888888", "DA", "654321", "20260125",
        ),
        Segment.of("TRN", "1", trace, "1999999999"),
        Segment.of("DTM", "405", "20260124"),
        Segment.of("N1", "PR", "REGENCE"),
        Segment.of("N3", "1 PAYER WAY"),
        Segment.of("N4", "PORTLAND", "OR", "97201"),
        Segment.of("REF", "2U", "00932"),
        Segment.of("PER", "BL", "EDI SUPPORT", "TE", "8005550199"),
        Segment.of("N1", "PE", "CASCADIA BH", "XX", BILLING_NPI),
        Segment.of("LX", "1"),
    ]  # fmt: skip
    for claim in claims:
        body.append(
            Segment.of(
                "CLP", claim["pcn"], claim.get("status", "1"), claim["charge"], claim["paid"],
                claim.get("pr"), "12", claim.get("icn", "PAYERICN0001"), "11", "1",
            )
        )  # fmt: skip
        for group, reason, amount in claim.get("adjustments", []):
            body.append(Segment.of("CAS", group, reason, amount))
        body.append(Segment.of("NM1", "QC", "1", "PATIENT", "TEST", None, None, None, "MI", "M0"))
        for line in claim.get("lines", []):
            body.append(
                Segment.of(
                    "SVC", ["HC", line["code"], *line.get("modifiers", [])], line["charge"],
                    line["paid"], None, line.get("units", "1"),
                )
            )  # fmt: skip
            body.append(Segment.of("DTM", "472", line.get("date", "20260117")))
            for group, reason, amount in line.get("adjustments", []):
                body.append(Segment.of("CAS", group, reason, amount))
            if line.get("chargeId"):
                body.append(Segment.of("REF", "6R", line["chargeId"]))
    for reason, reference, amount in plb:
        body.append(Segment.of("PLB", "1234567893", "20261231", [reason, reference], amount))
    return _interchange("HP", "005010X221A1", body, control)
