"""HTTP routes of the sample service, using every request-path piece of the toolkit."""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Request, Response
from sqlalchemy import event, func, select

from servicekit.api import ClockDep, IdentityDep, require_roles
from servicekit.concurrency import check_if_match, set_etag
from servicekit.db import SessionDep, on_commit
from servicekit.history import HistoryEntry, read_history
from servicekit.idempotency import IdempotencyDep
from servicekit.pagination import CursorQuery, LimitQuery, Page, paginate
from servicekit.problems import Problem, not_found
from servicekit.tests.sample import service
from servicekit.tests.sample.models import (BatchCreate, NoteCreate, NotePublic, NoteUpdate, SampleNote, SampleTag,
                                            TagCreate)

router = APIRouter(prefix="/api/v1")
log = logging.getLogger("sample.routes")
ORDERS = {
    "priority": [SampleNote.priority, SampleNote.id],
    "-priority": [SampleNote.priority.desc(), SampleNote.id.desc()],
    "created": [SampleNote.created_at, SampleNote.id],
    "-created": [SampleNote.created_at.desc(), SampleNote.id.desc()],
}


async def _pause(request: Request, point: str) -> None:
    """Let a test hold the request at `point` (to line up concurrent requests)."""
    hook = request.app.state.hooks.get(point)
    if hook is not None:
        await hook()


@router.post("/notes", status_code=201, response_model=NotePublic)
async def create_note(note_in: NoteCreate, session: SessionDep, identity: IdentityDep, clock: ClockDep,
                      idempotency: IdempotencyDep, request: Request) -> Response:
    if replay := await idempotency.replay():
        return replay
    await _pause(request, "before_create")
    note = service.create(session, note_in=note_in, actor=identity.subject, now=clock.now())
    await session.flush()
    log.info("note %s created", note.id)
    return idempotency.respond(201, NotePublic.model_validate(note, from_attributes=True),
                               headers={"Location": f"{request.url.path}/{note.id}", "ETag": f'"{note.version}"'})


@router.get("/notes", response_model=Page[NotePublic])
async def list_notes(session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50,
                     order: Literal["priority", "-priority", "created", "-created"] = "priority"):
    rows, next_cursor = await paginate(session, select(SampleNote), order=ORDERS[order], cursor=cursor, limit=limit)
    return Page[NotePublic](data=[NotePublic.model_validate(r, from_attributes=True) for r in rows],
                            next_cursor=next_cursor)


@router.get("/notes/{note_id}", response_model=NotePublic)
async def get_note(note_id: str, session: SessionDep, response: Response):
    note = await session.get(SampleNote, note_id)
    if note is None:
        raise not_found("note", note_id)
    set_etag(response, note.version)
    return note


@router.patch("/notes/{note_id}", response_model=NotePublic)
async def change_note(note_id: str, note_in: NoteUpdate, session: SessionDep, identity: IdentityDep,
                      clock: ClockDep, request: Request, response: Response):
    note = await session.get(SampleNote, note_id)
    if note is None:
        raise not_found("note", note_id)
    check_if_match(request, note.version)
    await _pause(request, "before_write")
    service.change(session, note=note, note_in=note_in, actor=identity.subject, now=clock.now())
    await session.flush()
    set_etag(response, note.version)
    return note


@router.get("/notes/{note_id}/history", response_model=Page[HistoryEntry])
async def note_history(note_id: str, session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 50):
    return await read_history(session, aggregate_type=service.AGGREGATE, aggregate_id=note_id, cursor=cursor,
                              limit=limit)


@router.post("/batches", status_code=201)
async def create_batch(batch: BatchCreate, session: SessionDep, identity: IdentityDep, clock: ClockDep,
                       request: Request) -> dict:
    """Several notes, flushed one by one; reports what another connection saw before the commit."""
    state = request.app.state
    request_key = request.headers.get("x-request-id", "")
    event.listen(session.sync_session, "after_commit", lambda _session: state.commits.append(request_key))
    ids = []
    for title in batch.titles:
        note = service.create(session, note_in=NoteCreate(title=title), actor=identity.subject, now=clock.now())
        await session.flush()
        ids.append(note.id)
    on_commit(session, lambda: state.after_commit_calls.append((request_key, session.in_transaction())))
    async with state.database.engine.connect() as other:
        visible = await other.scalar(select(func.count()).select_from(SampleNote).where(SampleNote.id.in_(ids)))
    if batch.fail == "problem":
        raise Problem(400, "the batch was refused after writing it", kind="refused")
    if batch.fail == "crash":
        raise RuntimeError("the batch route crashed after writing")
    return {"ids": ids, "visible_before_commit": visible}


@router.post("/tags", status_code=201)
async def create_tag(tag_in: TagCreate, session: SessionDep, request: Request) -> dict:
    """A tag; its note is checked only when the transaction commits."""
    state = request.app.state
    tag = SampleTag(note_id=tag_in.note_id, label=tag_in.label)
    session.add(tag)
    await session.flush()
    await _pause(request, "after_flush")
    on_commit(session, lambda: state.after_commit_calls.append(("tag", tag_in.label)))
    return {"id": tag.id}


@router.get("/boom")
async def boom() -> dict:
    raise RuntimeError("internal detail: password=hunter2 at /srv/sample/secrets.py")


@router.get("/admin-only", dependencies=[require_roles("admin")])
async def admin_only() -> dict:
    return {"ok": True}
