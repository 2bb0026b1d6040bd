"""HTTP routes of the client registry, admins only.

Not `/api/v1/suppliers/.../credentials`: suppliers' own clients stay with the suppliers service (and its
`/internal/clients`, which the gateway never routes). `/api/v1/clients` is the gateway's own resource.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request, Response

from gateway.registry.models import ClientCreate, ClientPublic, ClientRole, ClientStatus, ClientWithSecret
from gateway.registry.service import ClientRegistry
from servicekit.api import AdminDep
from servicekit.middleware import BodyTooLarge, on_body_too_large
from servicekit.openapi import install_problem_documentation
from servicekit.pagination import CursorQuery, LimitQuery, Page
from servicekit.problems import install_problem_handlers

CLIENTS_PATH = "/api/v1/clients"
router = APIRouter(prefix=CLIENTS_PATH, tags=["clients"])
ClientId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^cli_[0-9a-f]{16}$")]
NO_STORE = {"cache-control": "no-store"}


def _registry(request: Request) -> ClientRegistry:
    return request.app.state.registry


@router.post("", status_code=201, response_model=ClientWithSecret,
             responses={422: {"description": "a field is not valid; a buyer needs its agency, other roles none"}})
async def create_client(client_in: ClientCreate, request: Request, response: Response, admin: AdminDep):
    """Make an API client for a buyer (bound to its agency), an assessor or a partner system. The answer
    holds the client's secret, shown this once: only its hash is kept."""
    made = await _registry(request).create(client_in, actor=admin.subject)
    response.headers["Location"] = f"{CLIENTS_PATH}/{made.client_id}"
    response.headers.update(NO_STORE)
    return made


@router.get("", response_model=Page[ClientPublic])
async def list_clients(request: Request, admin: AdminDep, cursor: CursorQuery = None, limit: LimitQuery = 50,
                       role: ClientRole | None = None, status: ClientStatus | None = None):
    """The registry's clients, oldest first (secrets never shown)."""
    rows, next_cursor = await _registry(request).list_page(cursor=cursor, limit=limit, role=role, status=status)
    return Page[ClientPublic](data=rows, next_cursor=next_cursor)


@router.get("/{client_id}", response_model=ClientPublic, responses={404: {"description": "no such client"}})
async def get_client(client_id: ClientId, request: Request, admin: AdminDep):
    """One client (its secret never shown)."""
    return await _registry(request).get(client_id)


@router.post("/{client_id}/rotate", response_model=ClientWithSecret,
             responses={404: {"description": "no such client"}, 409: {"description": "the client is revoked"}})
async def rotate_client(client_id: ClientId, request: Request, response: Response, admin: AdminDep):
    """A new secret, shown this once; the old secret and the tokens issued for it stop working within the
    gateway's revocation window."""
    response.headers.update(NO_STORE)
    return await _registry(request).rotate(client_id)


@router.post("/{client_id}/revoke", response_model=ClientPublic, responses={404: {"description": "no such client"}})
async def revoke_client(client_id: ClientId, request: Request, admin: AdminDep):
    """End the client: it may no longer get tokens, and those it has stop working within the revocation
    window. Revoking a revoked client changes nothing."""
    return await _registry(request).revoke(client_id)


def registry_document() -> dict:
    """The registry's OpenAPI document, for the gateway's merged one."""
    return build_registry_app(None).openapi()


def build_registry_app(registry: ClientRegistry | None) -> FastAPI:
    """The registry's FastAPI app; the gateway admits only admins with a valid token before it runs."""
    app = FastAPI(title="gateway clients", description="The gateway's registry of API clients.",
                  docs_url=None, redoc_url=None, openapi_url=None, version="1.0.0")
    app.state.registry = registry
    install_problem_handlers(app)
    app.add_exception_handler(BodyTooLarge, on_body_too_large)
    app.include_router(router)
    install_problem_documentation(app)
    return app

