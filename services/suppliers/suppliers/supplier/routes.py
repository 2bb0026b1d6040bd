"""HTTP routes of suppliers: thin, they parse, call the service and shape the answer."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from events.suppliers import SupplierSize
from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep
from servicekit.models import Reason
from servicekit.history import HistoryEntry, read_history
from servicekit.identity import INTERNAL_ROLE, Identity
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page
from servicekit.problems import Problem, not_found
from suppliers.credential.models import ClientCheck, ClientCredentials, ClientStanding, VerifiedClient
from suppliers.supplier import repository, service
from suppliers.supplier.models import (SupplierCreate, SupplierProfile, SupplierPublic, SupplierStatusFilter,
                                       SupplierUpdate, SupplierWithCredentials)

router = APIRouter(prefix="/api/v1/suppliers", tags=["suppliers"])
# The check the gateway makes when a supplier's client asks for a token; not routed publicly.
clients_router = APIRouter(prefix="/internal/clients", include_in_schema=False)
SignedIn = require_roles("admin", "assessor", "buyer", "partner", "supplier")
Admin = require_roles("admin")
Action = Literal["verify", "suspend", "reinstate", "deregister"]


def _public(supplier, identity: Identity) -> SupplierPublic:
    public = SupplierPublic.model_validate(supplier, from_attributes=True)
    if service.sees_contacts(identity, supplier.id):
        return public
    return public.model_copy(update={"contacts": None})


@router.post("", status_code=201, response_model=SupplierWithCredentials,
             responses={409: {"description": "NZBN already registered"}})
async def register_supplier(supplier_in: SupplierCreate, session: SessionDep, identity: IdentityDep,
                            clock: ClockDep, idempotency: IdempotencyDep, request: Request) -> Response:
    """Register a supplier organisation (no token needed). The answer holds its API credentials, shown once."""
    if replay := await idempotency.replay():
        return replay
    supplier, credentials = await service.register(session, supplier_in=supplier_in, actor=identity, now=clock.now())
    # The registrant just sent the contacts; the answer shows them back with the credentials.
    body = SupplierWithCredentials.model_validate({**supplier.model_dump(), "credentials": credentials})
    # A replay must not show the secret again: the key is no proof of who registered.
    withheld = body.model_copy(update={"credentials": credentials.model_copy(update={"client_secret": None})})
    return idempotency.respond(201, body, remembered=withheld, headers={
        "Location": f"{request.url.path}/{supplier.id}", "ETag": f'"{supplier.version}"'})


@router.get("", response_model=Page[SupplierPublic], dependencies=[SignedIn])
async def list_suppliers(session: SessionDep, identity: IdentityDep, cursor: CursorQuery = None,
                         limit: LimitQuery = 50, status: SupplierStatusFilter | None = None,
                         size: SupplierSize | None = None, maori_business: bool | None = None,
                         pasifika_business: bool | None = None,
                         q: Annotated[str | None, Query(max_length=100, description="Text in the names")] = None):
    """Suppliers, filtered, by legal name (a supplier sees only itself)."""
    only = identity.supplier_id if identity.roles == {"supplier"} else None
    rows, next_cursor = await repository.list_page(session, status=status, size=size, maori_business=maori_business,
                                                   pasifika_business=pasifika_business, text=q, only_id=only,
                                                   cursor=cursor, limit=limit)
    return Page[SupplierPublic](data=[_public(r, identity) for r in rows], next_cursor=next_cursor)


@router.get("/{supplier_id}", response_model=SupplierPublic, dependencies=[SignedIn])
async def get_supplier(supplier_id: str, session: SessionDep, identity: IdentityDep, response: Response):
    """One supplier, with its ETag."""
    supplier = await service.get_visible(session, supplier_id, identity)
    set_etag(response, supplier.version)
    return _public(supplier, identity)


@router.get("/{supplier_id}/profile", response_model=SupplierProfile)
async def get_supplier_profile(supplier_id: str, session: SessionDep):
    """Anyone's view of a verified supplier in force: names, size, website, Māori or Pasifika business (the
    marketplace's public supplier page); 404 for a supplier pending verification, suspended or deregistered."""
    return SupplierProfile.model_validate(await service.profile(session, supplier_id), from_attributes=True)


@router.patch("/{supplier_id}", response_model=SupplierPublic, dependencies=[SignedIn])
async def update_supplier(supplier_id: str, changes: SupplierUpdate, request: Request, response: Response,
                          session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """Change a supplier's details (If-Match required); legal identity only by an admin once verified."""
    supplier = await service.get_visible(session, supplier_id, identity)
    check_if_match(request, supplier.version)
    supplier = await service.update(session, supplier=supplier, changes_in=changes, actor=identity, now=clock.now())
    set_etag(response, supplier.version)
    return _public(supplier, identity)


@router.post("/{supplier_id}/credentials/rotate", response_model=ClientCredentials, dependencies=[SignedIn])
async def rotate_credentials(supplier_id: str, session: SessionDep, identity: IdentityDep, clock: ClockDep):
    """A new client secret, shown once; the old secret stops working at once."""
    supplier = await service.get_visible(session, supplier_id, identity)
    return await service.rotate_credentials(session, supplier=supplier, actor=identity, now=clock.now())


@router.get("/{supplier_id}/history", response_model=Page[HistoryEntry], dependencies=[SignedIn])
async def supplier_history(supplier_id: str, session: SessionDep, identity: IdentityDep,
                           cursor: CursorQuery = None, limit: LimitQuery = 50):
    """Every change of the supplier, oldest first."""
    await service.get_visible(session, supplier_id, identity)
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=supplier_id,
                              cursor=cursor, limit=limit)


@router.post("/{supplier_id}/{action}", response_model=SupplierPublic, dependencies=[Admin],
             responses={409: {"description": "the life cycle does not allow this from the current state"}})
async def transition_supplier(supplier_id: str, action: Action, session: SessionDep, identity: IdentityDep,
                              clock: ClockDep, response: Response, body: Reason | None = None):
    """Admin transitions: verify, suspend (reason required), reinstate, deregister (final)."""
    supplier = await service.get_visible(session, supplier_id, identity)
    supplier = await service.apply_transition(session, supplier=supplier, action=action, actor=identity,
                                              reason=body.reason if body else None, now=clock.now())
    set_etag(response, supplier.version)
    return _public(supplier, identity)


@clients_router.post("/verify", response_model=VerifiedClient)
async def verify_client(check: ClientCheck, session: SessionDep, identity: IdentityDep):
    """The supplier a client id and secret belong to, or 401."""
    if not identity.has_role(INTERNAL_ROLE):
        raise not_found("route", "/internal/clients/verify")
    client = await service.signed_in(session, client_id=check.client_id, client_secret=check.client_secret)
    if client is None:
        raise Problem(401, "unknown client, wrong secret, or a supplier that may no longer sign in",
                      kind="invalid-client")
    return VerifiedClient(client_id=client.client_id, roles=["supplier"], supplier_id=client.supplier_id,
                          version=client.version)


@clients_router.get("/{client_id}", response_model=ClientStanding)
async def client_standing(client_id: str, session: SessionDep, identity: IdentityDep):
    """The client's secret version and whether it may sign in, which the gateway checks its tokens against."""
    if not identity.has_role(INTERNAL_ROLE):
        raise not_found("route", f"/internal/clients/{client_id}")
    standing = await service.client_standing(session, client_id)
    if standing is None:
        raise not_found("client", client_id)
    return standing
