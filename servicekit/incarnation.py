"""Telling a broker that came back with its data from one that came back without it.

Apache Kafka keeps its logs and committed offsets across a restart; the embedded broker keeps
nothing. A broker that lost its data is recognised by either sign:

- its cluster id changed (the embedded broker gets a fresh one each time it starts, and a Kafka
  cluster whose storage was formatted again gets a new one too);
- a partition's log went back: the broker acknowledged a record at an offset below one it had
  acknowledged before, or a consumer's position lies beyond the partition's end.

The relay then publishes again the outbox rows the lost broker may have held, and consumers read
the new log from its beginning; the inbox makes the records applied before into duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiokafka.protocol.metadata import MetadataRequest

from servicekit.bus import BrokerUnavailable

log = logging.getLogger("servicekit.incarnation")


async def cluster_id(client, timeout: float = 5.0) -> str | None:
    """The cluster id the broker reports (None from a broker too old to say).

    asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that arrives as
    the answer does, and the relay or consumer asking would then outlive the app's shutdown."""
    node = client.get_random_node()
    if node is None:
        raise BrokerUnavailable("no broker is known to ask for its cluster id")
    async with asyncio.timeout(timeout):
        response = await client.send(node, MetadataRequest([]))
    return getattr(response, "cluster_id", None)


def position_beyond_end(position: int | None, end: int | None) -> bool:
    """Whether a consumer's position lies past the partition's end: its log was lost and started again.

    Apache Kafka answers such a fetch with an out-of-range error (and the consumer resets itself); the
    embedded broker answers it with nothing, for ever, so the consumer must notice by itself."""
    return position is not None and end is not None and position > end


@dataclass
class BrokerIncarnation:
    """What one client knows of the broker's current life: its cluster id and how far its logs reached.

    `observe_*` return, when they see that the broker lost its data, the moment from which the records
    the lost broker held are unaccounted for; else None. That moment is when this client last heard from
    the broker before the one that was lost (the lost one began after it), but never more than `window`
    ago; for a broker that was already running when the client first saw it, `window` ago."""

    window: timedelta
    cluster: str | None = None
    began_by: datetime | None = None  # set when this client saw the incarnation begin: it began after this
    first_heard: datetime | None = None
    last_heard: datetime | None = None
    ends: dict[tuple[str, int], int] = field(default_factory=dict)

    def observe_cluster(self, cluster: str | None, now: datetime) -> datetime | None:
        """The cluster id the broker gave just now."""
        if cluster is None:
            return None
        if self.cluster is not None and cluster != self.cluster:
            log.warning("the broker's cluster id changed from %s to %s: it lost its data", self.cluster, cluster)
            return self._begin_again(now, cluster)
        self.cluster = cluster
        self._heard(now)
        return None

    def observe_offset(self, topic: str, partition: int, offset: int, now: datetime) -> datetime | None:
        """An offset the broker acknowledged a record at; one not above an earlier one means a new log."""
        key = (topic, partition)
        previous = self.ends.get(key)
        if previous is not None and offset <= previous:
            log.warning("the broker acknowledged %s/%d at offset %d after %d: its log started again",
                        topic, partition, offset, previous)
            since = self._begin_again(now, self.cluster)
            self.ends[key] = offset
            return since
        self.ends[key] = offset
        self._heard(now)
        return None

    def _heard(self, now: datetime) -> None:
        self.first_heard = self.first_heard or now
        self.last_heard = now

    def _begin_again(self, now: datetime, cluster: str | None) -> datetime:
        # Never further back than the window: after one loss the lost broker held everything published
        # again into it, and each loss would otherwise reach back to the first.
        since = now - self.window if self.began_by is None else max(self.began_by, now - self.window)
        # The new broker began after this client last heard from the old one.
        self.began_by = self.last_heard or now
        self.cluster, self.first_heard, self.last_heard, self.ends = cluster, now, now, {}
        return since
