"""CMS-1500 (02/12) rendering of a claim as a PDF: gathers the claim's records and audits.

The drawing itself is services/cms1500_pdf.py (ReportLab, imported only when a form is
asked for, like the note packet's: docs/decisions/0302-note-packet-pdf.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from bhlink.services import audit, claims
from bhlink.services.context import Actor
from bhlink.store.tables import Claim, InsurancePolicy, Location, Patient, Payer, Provider
from bhlink.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ClaimForm:
    """Everything the 1500 prints besides the claim row itself."""

    claim: Claim
    patient: Patient
    payer: Payer
    policy: InsurancePolicy | None  # the patient's coverage with the claim's payer, if any
    rendering: Provider | None
    location: Location | None  # service facility (item 32): the first charge's location


def render(uow: UnitOfWork, actor: Actor, claim_id: str) -> tuple[Claim, bytes]:
    """GET /claims/{id}/cms1500.pdf: the claim on the 1500 layout (audited)."""
    from bhlink.services.cms1500_pdf import draw  # reportlab loads only when a PDF is asked for

    claim = claims.get(uow, actor, claim_id)  # checks the claims entitlement and caseload
    patient = uow.patients.get(actor.integration_id, claim.patient_id)
    payer = uow.practice.get(Payer, actor.integration_id, claim.payer_id)
    assert patient is not None and payer is not None
    policy = next((p for p in patient.insurance if p.payer_id == payer.id), None)
    rendering = (
        uow.practice.get(Provider, actor.integration_id, claim.rendering_provider_id)
        if claim.rendering_provider_id
        else None
    )
    location = None
    charge_ids = [line.charge_id for line in claim.lines]
    charges = uow.billing.charges(actor.integration_id, charge_ids)
    location_ids = {c.location_id for c in charges.values() if c.location_id}
    if location_ids:
        location = uow.practice.get(Location, actor.integration_id, sorted(location_ids)[0])
    audit.record(
        uow,
        actor,
        "claim.cms1500_rendered",
        resource_type="claim",
        resource_id=claim.id,
        patient_id=claim.patient_id,
    )
    return claim, draw(ClaimForm(claim, patient, payer, policy, rendering, location))
