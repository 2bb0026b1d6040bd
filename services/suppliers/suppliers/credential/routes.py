"""The check the gateway makes when a supplier's client asks for a token; not routed publicly."""

from __future__ import annotations

from fastapi import APIRouter

from servicekit.api import IdentityDep
from servicekit.db import SessionDep
from servicekit.identity import INTERNAL_ROLE
from servicekit.problems import Problem, not_found
from suppliers.credential import service
from suppliers.credential.models import ClientCheck, VerifiedClient

router = APIRouter(prefix="/internal/clients", include_in_schema=False)


@router.post("/verify", response_model=VerifiedClient)
async def verify_client(check: ClientCheck, session: SessionDep, identity: IdentityDep):
    """The supplier a client id and secret belong to, or 401."""
    if not identity.has_role(INTERNAL_ROLE):
        raise not_found("route", "/internal/clients/verify")
    supplier = await service.verify(session, client_id=check.client_id, client_secret=check.client_secret)
    if supplier is None:
        raise Problem(401, "unknown client, wrong secret, or a supplier that may no longer sign in",
                      kind="invalid-client")
    return VerifiedClient(client_id=check.client_id, roles=["supplier"], supplier_id=supplier.id)
