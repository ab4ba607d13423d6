"""Assemble a claim from seed 003's payload or from charges, and scrub it (all problems at once).

Reference errors (an unknown patient, payer, appointment, charge or provider) are a 422 at
once: there is nothing to scrub. Everything else is gathered into one list of problems:
the domain scrubber (codes, pointers, telehealth policy, authorization, timely filing,
duplicates, payer rules), what only the store knows (coverage, completed appointments,
billing provider settings), and the edi library's pre-write checks of the documents the
claim would become (NPI check digits, ZIP+4, EIN, taxonomy, ...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bhlink import edi
from bhlink.domain.billing import BillingError, duplicate_claim_key, units_for_service
from bhlink.domain.claim_scrubber import ScrubInput, ScrubLine, scrub
from bhlink.domain.clock import utcnow
from bhlink.domain.codes import TELEHEALTH_PLACES_OF_SERVICE, Problem
from bhlink.domain.errors import FieldProblem, InvalidInput
from bhlink.domain.scheduling import AppointmentStatus, duration_minutes
from bhlink.schemas.claims import ClaimCreate, ServiceLineIn
from bhlink.services import authorizations, billing_setup, claim_edi
from bhlink.services.access import ensure_patient_visible
from bhlink.services.billing_setup import DEFAULT_BILLING_TAXONOMY, RevenueConfig
from bhlink.services.charges import local_date
from bhlink.services.context import Actor
from bhlink.store.tables import (
    Appointment,
    Authorization,
    Charge,
    Claim,
    InsurancePolicy,
    Patient,
    Payer,
    Provider,
)
from bhlink.store.unit_of_work import UnitOfWork

_TAXONOMY = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
# edi check codes the domain scrubber already reports under request field names.
_DUPLICATED_CHECKS = frozenset(
    {
        "diagnosis-pointer-range",
        "diagnosis-pointer-count",
        "diagnosis-pointer-duplicate",
        "pos-code",
        "icd10-format",
        "icd10-decimal",
        "modifier-format",
        "modifier-count",
        "procedure-code-format",
        "diagnosis-count",
        "units",
    }
)
_EDI_PATHS = (
    ("billing_provider.", "billingProvider."),
    ("claims[0].subscriber.", "patient.subscriber."),
    ("claims[0].patient.", "patient."),
    ("claims[0].rendering_provider.", "renderingProvider."),
    ("claims[0].service_lines", "serviceLines"),
    ("claims[0].institutional.", "institutional."),
    ("claims[0].", ""),
)


@dataclass
class DraftLine:
    """One line being assembled."""

    service_code: str
    modifiers: list[str]
    pointers: list[int]
    units: int
    place_of_service: str
    service_date: date
    rendering_provider_id: str
    charge_cents: int
    revenue_code: str | None
    charge: Charge | None = None
    appointment: Appointment | None = None
    minutes: int | None = None
    location_id: str | None = None
    diagnosis_codes: list[str] = field(default_factory=list)
    authorization: Authorization | None = None
    authorization_problems: list[Problem] = field(default_factory=list)
    telehealth: bool = False


@dataclass
class ClaimDraft:
    """A claim ready to be stored (when `problems` allows)."""

    claim_type: str
    patient: Patient
    payer: Payer
    policy: InsurancePolicy | None
    member_id: str
    billing_provider: dict[str, object]
    diagnoses: list[str]
    lines: list[DraftLine]
    channel: str
    rendering: Provider | None
    problems: list[Problem]
    authorization_problems: list[Problem]

    @property
    def total_cents(self) -> int:
        """CLM02 in cents."""
        return sum(line.charge_cents for line in self.lines)

    @property
    def place_of_service(self) -> str:
        """CLM05-1: the first line's POS (lines that differ carry SV105)."""
        return self.lines[0].place_of_service if self.lines else "11"

    @property
    def prior_authorization(self) -> str | None:
        """REF*G1: the authorization number the lines draw on."""
        numbers = [line.authorization.auth_number for line in self.lines if line.authorization]
        return numbers[0] if numbers else None


def _fail(problems: list[FieldProblem]) -> None:
    if problems:
        raise InvalidInput(detail="the claim names records that do not exist", errors=problems)


def _billing_provider(
    body: ClaimCreate, config: RevenueConfig, problems: list[Problem]
) -> dict[str, object]:
    given = body.billing_provider
    configured = config.billing_provider(given.npi if given else None)
    if given is None and configured is None:
        problems.append(
            Problem(
                "billingProvider",
                "is required (or configure a billing provider in the billing settings)",
                "claim.billing_provider_missing",
            )
        )
        return {}
    address: dict[str, object] = dict((configured or {}).get("address") or {})
    if given is not None and given.billing_address is not None:
        sent = given.billing_address.model_dump(mode="json", by_alias=True)
        sent_zip = str(sent["postalCode"]).replace("-", "")
        known_zip = str(address.get("postalCode") or "")
        # Seed 003 sends a 5-digit ZIP; the 837P needs ZIP+4 (x12.md section 3), which the
        # settings supply when they agree on the first five digits.
        if len(sent_zip) == 5 and len(known_zip) == 9 and known_zip.startswith(sent_zip):
            sent_zip = known_zip
        address = {**sent, "postalCode": sent_zip}
    tax_id = (given.tax_id if given and given.tax_id else None) or (configured or {}).get("taxId")
    if configured is None and given is not None and not given.tax_id:
        problems.append(
            Problem(
                "billingProvider.npi",
                "no billing provider with this NPI in the billing settings; its tax id (EIN) "
                "is needed (send taxId or configure it)",
                "claim.billing_provider_unknown",
            )
        )
    taxonomy_sent = (given.taxonomy or "").strip().upper() if given else ""
    if _TAXONOMY.match(taxonomy_sent):
        taxonomy, source = taxonomy_sent, "claim"
    elif configured is not None and configured.get("taxonomy"):
        taxonomy, source = str(configured["taxonomy"]), "settings"
    else:
        taxonomy, source = DEFAULT_BILLING_TAXONOMY, "default"
    return {
        "npi": given.npi if given else (configured or {}).get("npi"),
        "name": (given.name if given and given.name else None) or (configured or {}).get("name"),
        "taxId": str(tax_id or "").replace("-", ""),
        "taxonomy": taxonomy,
        "taxonomySource": source,
        "taxonomyText": given.taxonomy if given and given.taxonomy and source != "claim" else None,
        "address": address,
    }


def _policy(patient: Patient, payer_id: str) -> InsurancePolicy | None:
    return next((p for p in patient.insurance if p.payer_id == payer_id), None)


def _pointers(line_codes: Sequence[str], diagnoses: Sequence[str]) -> list[int]:
    found = [diagnoses.index(code) + 1 for code in line_codes if code in diagnoses]
    return found[:4] or [1]


class _Assembler:
    def __init__(
        self, uow: UnitOfWork, actor: Actor, body: ClaimCreate, own_claim_ids: Sequence[str]
    ) -> None:
        self.uow = uow
        self.actor = actor
        self.iid = actor.integration_id
        self.body = body
        self.own = set(own_claim_ids)
        self.refs: list[FieldProblem] = []
        self.problems: list[Problem] = []

    def _charge(self, charge_id: str, where: str) -> Charge | None:
        charge = self.uow.billing.charge(self.iid, charge_id)
        if charge is None:
            self.refs.append(FieldProblem(where, "no such charge in this integration"))
            return None
        if charge.status == "void":
            self.refs.append(FieldProblem(where, "is void"))
            return None
        if charge.status == "billed" and charge.claim_id not in self.own:
            self.problems.append(
                Problem(where, "is already billed on another claim", "claim.charge_billed")
            )
        return charge

    def lines_from_charges(self) -> tuple[list[DraftLine], str | None, str | None]:
        lines: list[DraftLine] = []
        patient_ids: set[str] = set()
        payer_ids: set[str] = set()
        for index, charge_id in enumerate(self.body.charge_ids):
            charge = self._charge(charge_id, f"chargeIds[{index}]")
            if charge is None:
                continue
            patient_ids.add(charge.patient_id)
            if charge.payer_id:
                payer_ids.add(charge.payer_id)
            lines.append(self._line_of_charge(charge))
        if len(patient_ids) > 1:
            self.refs.append(FieldProblem("chargeIds", "charges of one claim share one patient"))
        if len(payer_ids) > 1 and self.body.payer_id is None:
            self.refs.append(FieldProblem("chargeIds", "charges of one claim share one payer"))
        patient_id = next(iter(patient_ids), None)
        payer_id = self.body.payer_id or next(iter(payer_ids), None)
        return lines, patient_id, payer_id

    def _line_of_charge(self, charge: Charge) -> DraftLine:
        appointment = (
            self.uow.appointments.get(self.iid, charge.appointment_id)
            if charge.appointment_id
            else None
        )
        return DraftLine(
            service_code=charge.service_code,
            modifiers=list(charge.modifiers),
            pointers=[],
            units=charge.units,
            place_of_service=charge.place_of_service,
            service_date=charge.service_date,
            rendering_provider_id=charge.provider_id,
            charge_cents=charge.charge_cents,
            revenue_code=None,
            charge=charge,
            appointment=appointment,
            minutes=charge.minutes,
            location_id=charge.location_id,
            diagnosis_codes=list(charge.diagnosis_codes),
            telehealth=bool(appointment and appointment.telehealth_enabled),
        )

    def line_from_payload(
        self, index: int, line: ServiceLineIn, patient_id: str, payer_id: str
    ) -> DraftLine | None:
        where = f"serviceLines[{index}]"
        charge = self._charge(line.charge_id, f"{where}.chargeId") if line.charge_id else None
        appointment_id = line.appointment_id or (charge.appointment_id if charge else None)
        appointment = None
        if appointment_id is not None:
            appointment = self.uow.appointments.get(self.iid, appointment_id)
            if appointment is None or appointment.patient_id != patient_id:
                self.refs.append(
                    FieldProblem(f"{where}.appointmentId", "no such appointment for this patient")
                )
                return None
            if appointment.status != AppointmentStatus.COMPLETED.value:
                self.problems.append(
                    Problem(
                        f"{where}.appointmentId",
                        f"the appointment is {appointment.status}; bill completed sessions only",
                        "claim.appointment_not_completed",
                    )
                )
            if charge is None:
                existing = [
                    c
                    for c in self.uow.billing.appointment_charges(self.iid, appointment.id)
                    if c.status == "open" or c.claim_id in self.own
                ]
                wanted = (line.service_code or appointment.service_code or "").upper()
                charge = next((c for c in existing if c.service_code == wanted), None)
        if charge is not None and charge.patient_id != patient_id:
            self.refs.append(FieldProblem(f"{where}.chargeId", "is a charge of another patient"))
            return None
        code = (
            line.service_code
            or (charge.service_code if charge else None)
            or (appointment.service_code if appointment else None)
        )
        if not code:
            self.refs.append(FieldProblem(f"{where}.serviceCode", "is required"))
            return None
        code = code.upper()
        rendering_id = (
            line.rendering_provider_id
            or (charge.provider_id if charge else None)
            or (appointment.provider_id if appointment else None)
        )
        if rendering_id is None:
            self.refs.append(FieldProblem(f"{where}.renderingProviderId", "is required"))
            return None
        if line.rendering_provider_id and (
            self.uow.practice.get(Provider, self.iid, line.rendering_provider_id) is None
        ):
            self.refs.append(
                FieldProblem(f"{where}.renderingProviderId", "no such provider in this integration")
            )
            return None
        service_date = line.service_date or (
            charge.service_date
            if charge
            else local_date(self.uow, self.iid, appointment)
            if appointment
            else None
        )
        if service_date is None:
            self.refs.append(
                FieldProblem(f"{where}.serviceDate", "is required without appointmentId")
            )
            return None
        minutes = (
            duration_minutes(appointment.start_time, appointment.end_time) if appointment else None
        )
        units = line.units or (charge.units if charge else None)
        if units is None:
            units = self._units(code, minutes, payer_id, f"{where}.units")
        pos = (
            line.place_of_service
            or (charge.place_of_service if charge else None)
            or (appointment.place_of_service if appointment else None)
            or "11"
        )
        modifiers = [
            m.upper()
            for m in (
                line.modifiers
                if line.modifiers is not None
                else (charge.modifiers if charge else [])
            )
        ]
        cents = self._amount(line, charge, payer_id, code, modifiers, units, where)
        return DraftLine(
            service_code=code,
            modifiers=modifiers,
            pointers=list(line.diagnosis_pointers or []),
            units=units,
            place_of_service=pos,
            service_date=service_date,
            rendering_provider_id=rendering_id,
            charge_cents=cents,
            revenue_code=line.revenue_code,
            charge=charge,
            appointment=appointment,
            minutes=minutes,
            location_id=appointment.location_id if appointment else None,
            diagnosis_codes=list(
                (charge.diagnosis_codes if charge else None)
                or (appointment.diagnosis_codes if appointment else None)
                or []
            ),
            telehealth=bool(appointment and appointment.telehealth_enabled)
            or pos in TELEHEALTH_PLACES_OF_SERVICE,
        )

    def _units(self, code: str, minutes: int | None, payer_id: str, where: str) -> int:
        if minutes is None:
            return 1
        rounding = billing_setup.unit_rounding_of(self.uow, self.iid, payer_id)
        try:
            return max(units_for_service(code, minutes, rounding), 1)
        except BillingError as exc:
            self.problems += [Problem(where, p.message, p.code) for p in exc.problems]
            return 1

    def _amount(
        self,
        line: ServiceLineIn,
        charge: Charge | None,
        payer_id: str,
        code: str,
        modifiers: list[str],
        units: int,
        where: str,
    ) -> int:
        if line.charge_amount is not None:
            return int(line.charge_amount * 100)
        if charge is not None and line.units in (None, charge.units):
            return charge.charge_cents
        rate = billing_setup.fee_schedule_of(self.uow, self.iid, payer_id).rate_for(
            payer_id, code, modifiers
        )
        if rate is None:
            self.problems.append(
                Problem(
                    f"{where}.chargeAmount",
                    "is required: the payer's fee schedule has no rate for this code",
                    "claim.charge_amount_missing",
                )
            )
            return 0
        return int((rate * units).quantize(Decimal("0.01")) * 100)


def _edi_field(path: str) -> str:
    for prefix, replacement in _EDI_PATHS:
        if path.startswith(prefix):
            path = replacement + path[len(prefix) :]
            break
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), path) or "claim"


def assemble(
    uow: UnitOfWork,
    actor: Actor,
    body: ClaimCreate,
    *,
    own_claim_ids: Sequence[str] = (),
    frequency_code: str = "1",
    payer_claim_control_number: str | None = None,
) -> ClaimDraft:
    """Build a claim from the request and find every problem with it (nothing is written).

    `own_claim_ids` are claims whose charges this one may reuse (the claim being re-scrubbed
    or the original of a replacement); they are left out of the duplicate check.
    """
    a = _Assembler(uow, actor, body, own_claim_ids)
    iid = actor.integration_id
    config = billing_setup.load_config(uow, iid)
    if body.charge_ids:
        lines, patient_id, payer_id = a.lines_from_charges()
        if body.patient is not None and patient_id and body.patient.patient_id != patient_id:
            a.refs.append(FieldProblem("patient.patientId", "differs from the charges' patient"))
    else:
        lines = []
        patient_id = body.patient.patient_id if body.patient else None
        payer_id = body.payer_id
        if patient_id is None:
            a.refs.append(FieldProblem("patient.patientId", "is required with serviceLines"))
        if payer_id is None:
            a.refs.append(FieldProblem("payerId", "is required with serviceLines"))
    patient = uow.patients.get(iid, patient_id) if patient_id else None
    if patient_id and patient is None:
        a.refs.append(FieldProblem("patient.patientId", "no such patient in this integration"))
    payer = uow.practice.get(Payer, iid, payer_id) if payer_id else None
    if payer_id and payer is None:
        a.refs.append(FieldProblem("payerId", "no such payer in this integration"))
    if payer_id is None and body.charge_ids:
        a.refs.append(FieldProblem("payerId", "is required: the charges name no payer"))
    channel = (
        body.submission_channel
        or (billing_setup.payer_channel(uow, iid, payer.id) if payer else None)
        or config.default_channel
    )
    if channel not in config.channels:
        a.refs.append(
            FieldProblem("submissionChannel", "names no submission channel of this practice")
        )
    _fail(a.refs)
    assert patient is not None and payer is not None
    ensure_patient_visible(uow, actor, patient.id)
    if not body.charge_ids:
        for index, line_in in enumerate(body.service_lines):
            line = a.line_from_payload(index, line_in, patient.id, payer.id)
            if line is not None:
                lines.append(line)
    _fail(a.refs)
    problems = a.problems
    policy = _policy(patient, payer.id)
    member_id = (body.patient.member_id if body.patient else None) or (
        policy.member_id if policy else ""
    )
    if policy is None:
        problems.append(
            Problem("payerId", "the patient has no coverage with this payer", "claim.no_coverage")
        )
    elif body.patient and body.patient.member_id and body.patient.member_id != policy.member_id:
        problems.append(
            Problem(
                "patient.memberId",
                "differs from the member id of the patient's coverage with this payer",
                "claim.member_id_mismatch",
            )
        )
    elif policy.relationship != "self" and not (
        policy.subscriber_first_name and policy.subscriber_last_name
    ):
        problems.append(
            Problem(
                "patient.subscriber",
                "the coverage names no policy holder (subscriber first and last name)",
                "claim.subscriber_missing",
            )
        )
    diagnoses = list(body.diagnosis_codes or [])
    if not diagnoses:
        for line in lines:
            diagnoses += [code for code in line.diagnosis_codes if code not in diagnoses]
    for line in lines:
        if not line.pointers:
            line.pointers = _pointers(line.diagnosis_codes, diagnoses)
    billing = _billing_provider(body, config, problems)
    renderers = {line.rendering_provider_id for line in lines}
    rendering: Provider | None = None
    if len(renderers) > 1:
        problems.append(
            Problem(
                "serviceLines",
                "all lines of one claim need the same rendering provider; split the claim",
                "claim.rendering_provider_mixed",
            )
        )
    elif renderers:
        rendering = uow.practice.get(Provider, iid, next(iter(renderers)))
        if rendering is not None and not rendering.npi:
            problems.append(
                Problem(
                    "serviceLines[0].renderingProviderId",
                    "the rendering provider has no NPI",
                    "claim.rendering_npi_missing",
                )
            )
    auth_problems = _authorizations(uow, iid, patient, payer, lines)
    billed = {
        duplicate_claim_key(
            patient.id,
            line.service_date,
            line.service_code,
            line.modifiers,
            line.rendering_provider_id or "",
        )
        for line in uow.claims.billed_lines(iid, patient.id, list(own_claim_ids))
        if line.rendering_provider_id
    }
    rules = billing_setup.payer_rules_of(uow, iid, payer)
    scrub_input = ScrubInput(
        claim_type=body.claim_type,
        patient_id=patient.id,
        diagnoses=tuple(diagnoses),
        lines=tuple(
            ScrubLine(
                service_code=line.service_code,
                modifiers=tuple(line.modifiers),
                diagnosis_pointers=tuple(line.pointers),
                units=line.units,
                place_of_service=line.place_of_service,
                service_date=line.service_date,
                rendering_provider_id=line.rendering_provider_id,
                telehealth=line.telehealth,
                authorization_problems=tuple(line.authorization_problems),
                has_authorization=line.authorization is not None,
            )
            for line in lines
        ),
        submitted_on=utcnow().date(),
        billed_keys=frozenset(billed),
    )
    problems += scrub(scrub_input, rules)
    draft = ClaimDraft(
        claim_type=body.claim_type,
        patient=patient,
        payer=payer,
        policy=policy,
        member_id=member_id,
        billing_provider=billing,
        diagnoses=diagnoses,
        lines=lines,
        channel=channel,
        rendering=rendering,
        problems=problems,
        authorization_problems=auth_problems,
    )
    if billing:
        problems += _document_problems(draft, config, frequency_code, payer_claim_control_number)
    return draft


def _authorizations(
    uow: UnitOfWork, iid: str, patient: Patient, payer: Payer, lines: list[DraftLine]
) -> list[Problem]:
    found: list[Problem] = []
    for index, line in enumerate(lines):
        charge = line.charge
        coverage = authorizations.coverage(
            uow,
            iid,
            patient_id=patient.id,
            payer_id=payer.id,
            service_code=line.service_code,
            on=line.service_date,
            units=line.units,
            authorization_id=(charge.authorization_id if charge else None)
            or (line.appointment.authorization_id if line.appointment else None),
            exclude_appointment=line.appointment.id if line.appointment else None,
            count_scheduled=False,
            already_counted=charge.units if charge and charge.authorization_id else 0,
        )
        line.authorization = coverage.authorization
        line.authorization_problems = [
            Problem(f"authorization.{p.field}", p.message, p.code) for p in coverage.problems
        ]
        found += [
            Problem(f"serviceLines[{index}].{p.field}", p.message, p.code)
            for p in line.authorization_problems
        ]
    return found


def document_input(
    draft: ClaimDraft,
    control_number: str,
    line_control_numbers: Sequence[str],
    frequency_code: str = "1",
    payer_claim_control_number: str | None = None,
) -> claim_edi.ClaimInput:
    """The edi input of a draft (line control numbers are the charge ids)."""
    return claim_edi.ClaimInput(
        control_number=control_number,
        claim_type=draft.claim_type,
        patient=draft.patient,
        policy=draft.policy,
        payer=draft.payer,
        member_id=draft.member_id,
        diagnoses=tuple(draft.diagnoses),
        lines=tuple(
            claim_edi.LineInput(
                service_code=line.service_code,
                modifiers=tuple(line.modifiers),
                units=line.units,
                charge_cents=line.charge_cents,
                place_of_service=line.place_of_service,
                pointers=tuple(line.pointers),
                service_date=line.service_date,
                line_control_number=number,
                revenue_code=line.revenue_code,
            )
            for line, number in zip(draft.lines, line_control_numbers, strict=True)
        ),
        place_of_service=draft.place_of_service,
        rendering=draft.rendering,
        prior_authorization=draft.prior_authorization,
        frequency_code=frequency_code,
        payer_claim_control_number=payer_claim_control_number,
    )


def _document_problems(
    draft: ClaimDraft,
    config: RevenueConfig,
    frequency_code: str,
    payer_claim_control_number: str | None,
) -> list[Problem]:
    placeholder = "X" * 20
    data = document_input(
        draft,
        placeholder,
        [line.charge.id if line.charge else "svc_" + "0" * 26 for line in draft.lines],
        frequency_code,
        payer_claim_control_number,
    )
    try:
        document = claim_edi.claim_document(data, config.institutional)
    except ValueError:  # pragma: no cover - defensive: documents are plain dataclasses
        return []
    billing = claim_edi.billing_provider_document(draft.billing_provider)
    found = [
        Problem(_edi_field(p.path), p.message, f"x12.{p.code}")
        for p in claim_edi.check_documents(draft.claim_type, billing, [document])
        if p.code not in _DUPLICATED_CHECKS
    ]
    if config.submitter is None:
        found.append(
            Problem(
                "billingSettings.submitter",
                "configure the EDI submitter (name, id, contact phone) in PUT /billing/settings",
                "claim.submitter_missing",
            )
        )
    return found


def problems_of(draft: ClaimDraft, *, overridden: bool) -> list[Problem]:
    """The draft's problems; authorization ones are dropped when the caller overrode them."""
    if not overridden:
        return draft.problems
    return [p for p in draft.problems if not p.code.startswith("authorization.")]


def as_request(claim: Claim, channel: str | None = None) -> ClaimCreate:
    """A stored claim as the request that would build it again (for re-scrubbing)."""
    snapshot = claim.billing_provider
    return ClaimCreate.model_validate(
        {
            "claimType": claim.claim_type,
            "payerId": claim.payer_id,
            "billingProvider": {
                "npi": snapshot.get("npi"),
                "taxonomy": snapshot.get("taxonomy"),
                "name": snapshot.get("name"),
                "billingAddress": snapshot.get("address") or None,
                "taxId": snapshot.get("taxId") or None,
            },
            "patient": {"patientId": claim.patient_id, "memberId": claim.member_id or None},
            "serviceLines": [
                {
                    "chargeId": line.charge_id,
                    "serviceCode": line.service_code,
                    "modifiers": list(line.modifiers),
                    "diagnosisPointers": list(line.diagnosis_pointers),
                    "units": line.units,
                    "placeOfService": line.place_of_service,
                    "renderingProviderId": line.rendering_provider_id,
                    "chargeAmount": str(Decimal(line.charge_cents) / 100),
                    "serviceDate": line.service_date.isoformat(),
                    "revenueCode": line.revenue_code,
                }
                for line in claim.lines
            ],
            "diagnosisCodes": list(claim.diagnosis_codes),
            "submissionChannel": channel or claim.submission_channel,
        }
    )


def edi_problem_field(problem: edi.Problem) -> str:
    """Public form of the edi path mapping (batches report documents' problems too)."""
    return _edi_field(problem.path)
