"""The pull feed: the events a partner may see, in one stable order, from an opaque cursor."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request

from partners.deps import DatabaseDep, PartnerDep, SettingsDep
from partners.feed import repository, service
from partners.feed.models import CloudEvent, FeedPage
from partners.subscription.matching import BadInput, normalise_types
from servicekit.db import SessionDep
from servicekit.problems import validation_problem

router = APIRouter(prefix="/api/v1/events", tags=["events"])
POLL_SECONDS = 0.5  # another replica's commits wake nobody here: look again this often while waiting


@router.get("", response_model=FeedPage)
async def read_feed(request: Request, session: SessionDep, identity: PartnerDep, settings: SettingsDep,
                    database: DatabaseDep,
                    types: Annotated[str | None, Query(max_length=2000, description=(
                        "Comma-separated types, exact or prefixes ending in * (offering.*)"))] = None,
                    after: Annotated[str | None, Query(max_length=200, description="next_cursor of the last page")] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100,
                    wait: Annotated[float, Query(ge=0, le=30, description=(
                        "Seconds to hold the request while there is nothing new"))] = 0):
    """Events after the cursor, oldest first: no gaps and no repeats across pages while events keep arriving."""
    try:
        wanted = normalise_types([t.strip() for t in types.split(",") if t.strip()], field="query:types") \
            if types else None
    except BadInput as exc:
        raise validation_problem([{"field": exc.field, "message": exc.message}]) from exc
    position = service.position(after)
    deadline = asyncio.get_running_loop().time() + min(wait, settings.feed_max_wait_seconds)
    signal = database.signal(service.FEED_SIGNAL)
    while True:
        rows = await repository.page(session, after=position, limit=limit, types=wanted)
        remaining = deadline - asyncio.get_running_loop().time()
        if rows or remaining <= 0:
            break
        await session.rollback()  # a fresh snapshot for the next look
        signal.clear()
        try:
            async with asyncio.timeout(min(remaining, POLL_SECONDS)):
                await signal.wait()
        except TimeoutError:
            pass
    return FeedPage(data=[CloudEvent(**row.cloudevent()) for row in rows],
                    next_cursor=service.cursor_for(rows[-1].seq if rows else position))
