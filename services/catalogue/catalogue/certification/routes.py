"""HTTP routes of assurance records: an assessor marks each one, the offering's supplier replaces them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from catalogue.certification import service
from catalogue.certification.models import RecordReview, RecordsReplacement
from catalogue.offering import service as offerings
from catalogue.offering.models import OfferingPublic
from catalogue.offering.routes import answer
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match
from servicekit.db import SessionDep

router = APIRouter(prefix="/api/v1/offerings", tags=["offerings"])
CLOSED = {409: {"description": "the offering is withdrawn or retired"}}


@router.put("/{offering_id}/assurance-records", response_model=OfferingPublic, responses=CLOSED,
            dependencies=[require_roles("supplier")])
async def replace_records(offering_id: str, body: RecordsReplacement, request: Request, response: Response,
                          session: SessionDep, identity: IdentityDep, clock: ClockDep,
                          if_match: Annotated[str | None, Header(alias="If-Match")] = None):
    """Replace the offering's assurance records at any stage before it is withdrawn or retired (its supplier;
    If-Match required: `if_match` only declares it, check_if_match reads it). Records sent unchanged keep
    their finding; new and changed ones are unverified."""
    offering = await offerings.get_visible(session, offering_id, identity)
    if offerings.owns(identity, offering):
        check_if_match(request, offering.version)
    offering = await service.replace(session, offering=offering, records_in=body.assurance_records,
                                     actor=identity, now=clock.now())
    return answer(response, offering)


@router.post("/{offering_id}/assurance-records/{record_id}/review", response_model=OfferingPublic,
             responses={**CLOSED, 404: {"description": "no such offering, or it holds no record of this id"}},
             dependencies=[require_roles("assessor")])
async def review_record(offering_id: str, record_id: str, body: RecordReview, response: Response,
                        session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """An assessor marks a record verified, unverified or rejected (a note required unless verified); only
    verified, active records in date count in filters, facets and comparisons."""
    offering = await offerings.get_visible(session, offering_id, identity)
    offering = await service.review(session, offering=offering, record_id=record_id, review_in=body,
                                    actor=identity, now=clock.now())
    return answer(response, offering)
