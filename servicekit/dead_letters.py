"""The records a service's consumer dead-lettered: listed, and put back through the consumer once the cause
is fixed.

    python -m servicekit.dead_letters catalogue.main:build            # list
    python -m servicekit.dead_letters catalogue.main:build --replay   # apply them all again
    python -m servicekit.dead_letters catalogue.main:build --replay --id <ce_id> [--id ...]

Run it where the service runs, with its settings (database, Kafka credentials): the records go through the
service's own handlers with its inbox and version checks, so one already applied since is a duplicate and
one older than what the projection holds is stale; nothing is published to another service's topic. A
record that fails again is dead-lettered again, with the new error.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import sys
from collections import Counter
from collections.abc import Callable

from aiokafka import ConsumerRecord
from fastapi import FastAPI

from events import dead_letter_topic
from servicekit.bus import header_values
from servicekit.consumer import ConsumerRunner
from servicekit.replay import read_records


@dataclasses.dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered record, as it was read from its origin topic."""

    event_id: str
    event_type: str
    origin: str  # topic/partition@offset
    failed_at: str
    error: str
    record: ConsumerRecord  # restored: origin topic, partition and offset, the dead-letter headers gone


def restored(record: ConsumerRecord) -> DeadLetter:
    """The dead letter and the record as the consumer first read it."""
    headers = header_values(record)
    original = dataclasses.replace(
        record, topic=headers["dlt_origin_topic"], partition=int(headers["dlt_origin_partition"]),
        offset=int(headers["dlt_origin_offset"]),
        headers=tuple((key, value) for key, value in record.headers if not key.startswith("dlt_")))
    return DeadLetter(event_id=headers.get("ce_id", ""), event_type=headers.get("ce_type", ""),
                      origin=f"{original.topic}/{original.partition}@{original.offset}",
                      failed_at=headers.get("dlt_failed_at", ""), error=headers.get("dlt_error", ""),
                      record=original)


def runner_of(app: FastAPI) -> ConsumerRunner:
    """A consumer runner like the live one of this app: its group, handlers, database and settings."""
    service, state = app.state.service, app.state
    return ConsumerRunner(group=state.settings.consumer_group, subscriptions=service.subscriptions,
                          database=state.database, settings=state.settings, metrics=state.metrics,
                          drop_stale=service.drop_stale, batch_handler=service.batch_handler)


async def dead_letters(runner: ConsumerRunner) -> list[DeadLetter]:
    """Every record the runner's group dead-lettered, topic by topic, oldest first within a partition."""
    topics = [dead_letter_topic(topic, runner.group) for topic in runner.topics]
    return [restored(record) for record in await read_records(runner.settings, topics)]


async def replay(runner: ConsumerRunner, ids: set[str] | None = None) -> Counter[str]:
    """Put the dead letters (those with the given event ids, else all) through the consumer again, latest
    dead-lettering of each event only; how many ended how."""
    latest = {letter.event_id: letter for letter in await dead_letters(runner)}
    chosen = [letter.record for event_id, letter in latest.items() if ids is None or event_id in ids]
    return Counter(await runner.process_again(chosen))


def _factory(path: str) -> Callable[[], FastAPI]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name or "build")


async def _main(args: argparse.Namespace) -> int:
    app = _factory(args.app)()
    runner = runner_of(app)
    try:
        if args.replay:
            outcomes = await replay(runner, set(args.id) if args.id else None)
            print(", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or "nothing to replay")
            return 1 if outcomes.get("dead_lettered") else 0
        for letter in await dead_letters(runner):
            print(f"{letter.event_id}\t{letter.event_type}\t{letter.origin}\t{letter.failed_at}\t{letter.error}")
        return 0
    finally:
        await app.state.database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m servicekit.dead_letters", description=__doc__.splitlines()[0])
    parser.add_argument("app", help="the service's app factory, e.g. catalogue.main:build")
    parser.add_argument("--replay", action="store_true", help="apply the dead letters again")
    parser.add_argument("--id", action="append", help="only the dead letter of this event id (repeatable)")
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
