"""`Idempotency-Key` on POSTs that create: a retried request gets the first answer again.

The key is claimed in the same transaction as the creation, so either both the new resource and
its remembered answer are committed or neither is. A key reused with a different body is 422; a
key whose first request is still running is 409.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Annotated

import orjson
from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from servicekit.db import SessionDep
from servicekit.identity import Identity
from servicekit.problems import Problem
from servicekit.tables import IdempotencyRecord

HEADER = "idempotency-key"


class IdempotentCreate:
    """Per request: replay a remembered answer, or remember the one about to be given."""

    def __init__(self, session: AsyncSession, principal: str, key: str | None, request_hash: str):
        self.session = session
        self.principal = principal
        self.key = key
        self.request_hash = request_hash
        self._record: IdempotencyRecord | None = None

    async def replay(self) -> Response | None:
        """The remembered answer for this key, or None after claiming the key for this request."""
        if not self.key:
            return None
        existing = await self.session.scalar(select(IdempotencyRecord).where(
            IdempotencyRecord.principal == self.principal, IdempotencyRecord.key == self.key))
        if existing is not None:
            return self._answer_from(existing)
        self._record = IdempotencyRecord(principal=self.principal, key=self.key, request_hash=self.request_hash,
                                         created_at=datetime.now(timezone.utc))
        self.session.add(self._record)
        try:
            await self.session.flush()
        except IntegrityError as exc:
            raise Problem(409, "a request with this Idempotency-Key is being processed; retry shortly",
                          kind="idempotency-key-in-use") from exc
        return None

    def _answer_from(self, record: IdempotencyRecord) -> Response:
        if record.request_hash != self.request_hash:
            raise Problem(422, "this Idempotency-Key was used with a different request body",
                          kind="idempotency-key-reused")
        if record.status_code is None:
            raise Problem(409, "a request with this Idempotency-Key is being processed; retry shortly",
                          kind="idempotency-key-in-use")
        return Response(record.response_body, status_code=record.status_code, media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})

    def respond(self, status_code: int, body, headers: dict[str, str] | None = None, *,
                remembered=None) -> JSONResponse:
        """The answer to give now, remembered under the key when there is one.

        `remembered` replaces the body kept for replays, for answers holding a secret that is
        shown only once."""
        content = jsonable_encoder(body)
        if self._record is not None:
            self._record.status_code = status_code
            kept = content if remembered is None else jsonable_encoder(remembered)
            self._record.response_body = orjson.dumps(kept).decode()
        return JSONResponse(content, status_code=status_code, headers=headers)


async def _idempotent_create(request: Request, session: SessionDep) -> IdempotentCreate:
    key = request.headers.get(HEADER)
    if key is not None and not (1 <= len(key) <= 200):
        raise Problem(400, "Idempotency-Key must be 1 to 200 characters", kind="invalid-idempotency-key")
    identity: Identity = request.state.identity
    body = await request.body()
    request_hash = hashlib.sha256(request.method.encode() + request.url.path.encode() + body).hexdigest()
    return IdempotentCreate(session, identity.subject, key, request_hash)


IdempotencyDep = Annotated[IdempotentCreate, Depends(_idempotent_create)]
