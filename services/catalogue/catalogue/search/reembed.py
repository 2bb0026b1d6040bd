"""Re-embed every offering (after a model change, or to repair the vectors):
`python -m catalogue.search.reembed [--database-url URL]`.

Every offering is queued in one transaction, then embedded here batch by batch with progress on stdout; a
running catalogue service embeds from the same queue meanwhile, and each offering is taken off it once.
Stopped half-way, what is left stays queued and the service (or the next run) finishes it."""

from __future__ import annotations

import argparse
import asyncio
import time

from sqlalchemy import func, select

from catalogue.search.indexing import embed_queued, embed_texts, queue_everything
from catalogue.search.vectors import QUEUE
from catalogue.settings import CatalogueSettings
from servicekit.db import Database


async def reembed(database_url: str, report=print) -> int:
    """Queue every offering and embed until the queue is empty; returns how many were queued."""
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            total = await queue_everything(session)
        report(f"{total} offerings queued for embedding")
        began, done = time.perf_counter(), 0
        while taken := await embed_queued(database, embed_texts):
            done += taken
            async with database.transaction() as session:
                left = (await session.execute(select(func.count()).select_from(QUEUE))).scalar()
            rate = done / (time.perf_counter() - began)
            report(f"  {done} embedded, {left} left ({rate:.1f}/s)")
        return total
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="the catalogue's database (default: its settings)")
    args = parser.parse_args()
    asyncio.run(reembed(args.database_url or CatalogueSettings().database_url))


if __name__ == "__main__":
    main()
