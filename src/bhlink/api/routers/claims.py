"""/claims: seed 003 `POST /claims`, scrubbing, lifecycle, batches, the 837 and the CMS-1500."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, SettingsDep, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response, list_response
from bhlink.api.routers.patients import PatientIdQuery, parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.config import Settings
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.claims import (
    BatchCreate,
    BatchRead,
    ClaimCorrection,
    ClaimCreate,
    ClaimRead,
    ClaimStatusChange,
    ProblemOut,
    ScrubResult,
    batch_read,
    claim_read,
)
from bhlink.services import claim_batches, claims, cms1500
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.services.paging import CursorState, encode_cursor
from bhlink.store.queries.claims import ClaimFilter
from bhlink.store.tables import Claim
from bhlink.store.unit_of_work import UnitOfWork

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["claims"]
)
_ID = r"^[a-z]+_[0-9a-z]+$"
X12_MEDIA_TYPE = "application/edi-x12"


def _respond(
    uow: UnitOfWork,
    actor: Actor,
    box: SecretBox,
    settings: Settings,
    claim: Claim,
    *,
    status: int = 200,
    detailed: bool = False,
) -> Response:
    view = claims.view(uow, actor, claim, detailed=detailed)
    link = claims.review_link(box, claim)
    url = None
    if link is not None:
        url = (
            f"{settings.public_base_url.rstrip('/')}/integrations/{actor.integration_id}"
            f"/claims/{claim.id}/edi?expires={link.expires}&signature={link.signature}"
        )
    return json_response(claim_read(view, url), status, etag_version=claim.version)


@router.post(
    "/claims/scrub",
    response_model=ScrubResult,
    responses=WRITE_ERRORS,
    name="claims.scrub",
)
def scrub_claim(body: ClaimCreate, actor: CurrentActor, uow: UowDep) -> Response:
    """Dry run: every problem the claim has, at once; nothing is written.

    Codes, pointers, telehealth policy, authorization, timely filing, duplicates, payer
    rules and the X12 pre-checks.
    """
    draft = claims.scrub(uow, actor, body)
    return json_response(
        ScrubResult(
            ok=not draft.problems,
            problems=[
                ProblemOut(field=p.field, message=p.message, code=p.code) for p in draft.problems
            ],
            total_charge=Decimal(draft.total_cents) / 100,
            diagnosis_codes=draft.diagnoses,
        )
    )


@router.post(
    "/claims",
    response_model=ClaimRead,
    status_code=201,
    responses={200: {"model": ClaimRead, "description": "Same referenceId"}, **WRITE_ERRORS},
    dependencies=[Idempotent],
    name="claims.create",
)
def create_claim(
    body: ClaimCreate, actor: CurrentActor, uow: UowDep, box: BoxDep, settings: SettingsDep
) -> Response:
    """Assemble an 837P/837I claim (seed 003 payload, or chargeIds), scrub it and queue it."""
    claim, created = claims.create(uow, actor, body)
    return _respond(uow, actor, box, settings, claim, status=201 if created else 200)


@router.get(
    "/claims",
    response_model=ListEnvelope[ClaimRead],
    responses=READ_ERRORS,
    name="claims.list",
)
def list_claims(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    settings: SettingsDep,
    patient_id: PatientIdQuery = None,
    payer_id: Annotated[
        str | None, Query(alias="payerId", min_length=3, max_length=40, pattern=_ID)
    ] = None,
    status: Annotated[
        str | None,
        Query(
            pattern="^(draft|ready|queued|submitted|accepted|rejected|paid|partially_paid"
            "|denied|voided)$"
        ),
    ] = None,
    updated_after: Annotated[str | None, Query(alias="updatedAfter", max_length=40)] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Claims by patient, payer, status or `updatedAfter`."""
    flt = ClaimFilter(
        patient_id=patient_id,
        payer_id=payer_id,
        status=status,
        updated_after=parse_timestamp("updatedAfter", updated_after),
    )
    paging = listing.start(box, actor.integration_id, {"claims": flt.__dict__}, cursor, page_size)
    page = claims.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    items = []
    for claim in page.rows:
        link = claims.review_link(box, claim)
        url = (
            f"{settings.public_base_url.rstrip('/')}/integrations/{actor.integration_id}"
            f"/claims/{claim.id}/edi?expires={link.expires}&signature={link.signature}"
            if link
            else None
        )
        items.append(claim_read(claims.view(uow, actor, claim, detailed=False), url))
    next_cursor = None
    if page.has_more and page.rows:
        next_cursor = encode_cursor(
            box,
            CursorState(after_seq=page.rows[-1].change_seq, page=paging.page + 1),
            paging.fingerprint,
        )
    return list_response(
        items, page=paging.page, page_size=page_size, total=page.total, next_cursor=next_cursor
    )


@router.post(
    "/claims/batches",
    response_model=list[BatchRead],
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="claims.batches.create",
)
def create_batches(
    body: BatchCreate, actor: CurrentActor, uow: UowDep, box: BoxDep, settings: SettingsDep
) -> Response:
    """Send every queued claim: one interchange per payer, through each claim's channel."""
    roots = claim_batches.ChannelRoots(settings.edi_outbox, settings.edi_inbox)
    batches = claim_batches.submit(uow, actor, roots, box, payer_id=body.payer_id)
    parts = []
    for batch in batches:
        batch_row, members, size = claim_batches.get(uow, actor, batch.id)
        parts.append(
            batch_read(batch_row, [c.id for c in members], size).model_dump_json(by_alias=True)
        )
    return Response("[" + ",".join(parts) + "]", status_code=201, media_type="application/json")


@router.get(
    "/claims/batches/{batch_id}",
    response_model=BatchRead,
    responses=READ_ERRORS,
    name="claims.batches.get",
)
def get_batch(batch_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One submission batch."""
    batch, members, size = claim_batches.get(uow, actor, batch_id)
    return json_response(batch_read(batch, [c.id for c in members], size))


@router.get(
    "/claims/batches/{batch_id}/edi",
    responses={200: {"content": {X12_MEDIA_TYPE: {}}}, **READ_ERRORS},
    name="claims.batches.edi",
)
def get_batch_file(batch_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """The interchange a batch sent."""
    return Response(claim_batches.batch_file(uow, actor, batch_id), media_type=X12_MEDIA_TYPE)


@router.get(
    "/claims/{claim_id}",
    response_model=ClaimRead,
    responses=READ_ERRORS,
    name="claims.get",
)
def get_claim(
    claim_id: str, actor: CurrentActor, uow: UowDep, box: BoxDep, settings: SettingsDep
) -> Response:
    """One claim with its lines, status history and payment history."""
    claim = claims.get(uow, actor, claim_id)
    return _respond(uow, actor, box, settings, claim, detailed=True)


@router.get(
    "/claims/{claim_id}/edi",
    responses={200: {"content": {X12_MEDIA_TYPE: {}}}, **READ_ERRORS},
    name="claims.edi",
)
def get_claim_file(
    claim_id: str,
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    expires: Annotated[int, Query(ge=0, le=10**11)],
    signature: Annotated[str, Query(min_length=10, max_length=64)],
) -> Response:
    """The claim's 837 behind `reviewUrl` (signed, expiring; the caller must be authorised)."""
    record = claims.review_file(uow, actor, box, claim_id, expires, signature)
    return Response(
        record.content,
        media_type=X12_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{record.filename}"'},
    )


@router.get(
    "/claims/{claim_id}/cms1500.pdf",
    responses={200: {"content": {"application/pdf": {}}}, **READ_ERRORS},
    name="claims.cms1500",
)
def get_cms1500(claim_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """The claim on the CMS-1500 (02/12) layout, by item number."""
    claim, pdf = cms1500.render(uow, actor, claim_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="cms1500-{claim.patient_control_number}.pdf"'
        },
    )


@router.post(
    "/claims/{claim_id}/status",
    response_model=ClaimRead,
    responses=WRITE_ERRORS,
    name="claims.status",
)
def change_claim_status(
    claim_id: str,
    body: ClaimStatusChange,
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    settings: SettingsDep,
) -> Response:
    """Move an unsent claim between draft, ready and queued (scrubbed first)."""
    claim = claims.change_status(uow, actor, claim_id, body)
    return _respond(uow, actor, box, settings, claim)


@router.post(
    "/claims/{claim_id}/correct",
    response_model=ClaimRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="claims.correct",
)
def correct_claim(
    claim_id: str,
    body: ClaimCorrection,
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    settings: SettingsDep,
) -> Response:
    """A replacement claim (frequency 7 with REF*F8), queued; the original points to it."""
    claim = claims.correct(uow, actor, claim_id, body)
    return _respond(uow, actor, box, settings, claim, status=201)


@router.post(
    "/claims/{claim_id}/void",
    response_model=ClaimRead,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="claims.void",
)
def void_claim(
    claim_id: str, actor: CurrentActor, uow: UowDep, box: BoxDep, settings: SettingsDep
) -> Response:
    """Void a claim: unsent ones directly; sent ones through a queued void claim (frequency 8)."""
    claim = claims.void(uow, actor, claim_id)
    return _respond(uow, actor, box, settings, claim)
