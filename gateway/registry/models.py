"""API clients of the gateway's registry: what is stored, what an admin sends and what it is shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Index
from sqlmodel import Field as ColumnField
from sqlmodel import SQLModel

from servicekit.models import StrictModel
from servicekit.tables import utc_field

# Registry clients' ids start with this, so the gateway knows at once which store decides on a token.
CLIENT_PREFIX = "cli_"
# The roles an admin may give a registry client: suppliers get theirs by registering, admins only from
# the bootstrap file, so that no admin client can mint another admin.
ClientRole = Literal["buyer", "assessor", "partner"]
ClientStatus = Literal["active", "revoked"]
Agency = Annotated[str, Field(min_length=1, max_length=200, description="the public-service agency a buyer acts for")]


class ApiClient(SQLModel, table=True):
    """One API client; its secret is kept only as a PBKDF2 hash."""

    __tablename__ = "gateway_clients"
    __table_args__ = (Index("ix_gateway_clients_created", "created_at", "id"),)

    id: str = ColumnField(primary_key=True, max_length=40)
    name: str = ColumnField(max_length=200)
    role: str = ColumnField(max_length=20)
    agency: str | None = ColumnField(default=None, max_length=200)
    secret_hash: str = ColumnField(max_length=200)
    # Goes up with every rotation; tokens carry the version they were issued for (the `ver` claim).
    secret_version: int = 1
    status: str = ColumnField(max_length=20)
    created_by: str = ColumnField(max_length=200)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)


class ClientCreate(StrictModel):
    """A new client: a buyer must name its agency, the other roles have none."""

    name: Annotated[str, Field(min_length=1, max_length=200, description="who or what uses the client")]
    role: ClientRole
    agency: Agency | None = None

    @model_validator(mode="after")
    def _agency_for_buyers_only(self) -> ClientCreate:
        if self.role == "buyer" and not self.agency:
            raise ValueError("agency is required for a buyer: a buyer acts for one agency")
        if self.role != "buyer" and self.agency:
            raise ValueError("agency is only for buyers")
        return self


class ClientPublic(BaseModel):
    """A client as admins see it: never its secret."""

    client_id: str
    name: str
    role: ClientRole
    agency: str | None
    status: ClientStatus
    secret_version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, client: ApiClient) -> ClientPublic:
        return cls(client_id=client.id, name=client.name, role=client.role, agency=client.agency,
                   status=client.status, secret_version=client.secret_version, created_by=client.created_by,
                   created_at=client.created_at, updated_at=client.updated_at, revoked_at=client.revoked_at)


class ClientWithSecret(ClientPublic):
    """A client just made or rotated, with its secret: shown this once, then only its hash is kept."""

    client_secret: str
