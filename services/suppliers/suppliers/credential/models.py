"""API clients of suppliers: every supplier acts through its own client id and secret."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from servicekit.tables import utc_column


class SupplierClient(SQLModel, table=True):
    """The one API client bound to a supplier; only a hash of its secret is kept."""

    __tablename__ = "supplier_clients"

    client_id: str = Field(primary_key=True, max_length=40)
    supplier_id: str = Field(max_length=36, unique=True, foreign_key="suppliers.id")
    secret_hash: str = Field(max_length=100)
    version: int = 1
    created_at: datetime = Field(sa_column=utc_column())
    rotated_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ClientCredentials(BaseModel):
    """A client id and secret, shown once: only a hash of the secret is kept (null when replayed)."""

    client_id: str
    client_secret: str | None
    token_url: str = "/api/v1/auth/token"


class ClientCheck(BaseModel):
    """What the gateway asks when a supplier client requests a token."""

    client_id: str
    client_secret: str


class VerifiedClient(BaseModel):
    """The answer to a successful check: the roles, supplier and secret version the token will carry."""

    client_id: str
    roles: list[str]
    supplier_id: str
    version: int


class ClientStanding(BaseModel):
    """What the gateway asks of a token's client: tokens of an older secret version, or of a supplier
    that may no longer sign in, are refused."""

    client_id: str
    supplier_id: str
    version: int
    may_sign_in: bool
