"""The topic registry: every topic, who publishes it, who consumes it and which event types travel on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from events.base import Event
from events.envelope import source_for


@dataclass
class Topic:
    name: str
    producer: str
    description: str
    consumers: list[str] = field(default_factory=list)
    events: list[type[Event]] = field(default_factory=list)


TOPICS: dict[str, Topic] = {}
EVENT_TYPES: dict[str, type[Event]] = {}

# Headers a consumer adds when it parks a record on its dead-letter topic; the original ce_ headers,
# key and value are kept as they were, so the record can be inspected and replayed.
DEAD_LETTER_HEADERS: dict[str, str] = {
    "dlt_error": "Why the handler gave up: exception type and message",
    "dlt_origin_topic": "Topic the record was read from",
    "dlt_origin_partition": "Partition the record was read from (decimal)",
    "dlt_origin_offset": "Offset of the record in that partition (decimal)",
    "dlt_failed_at": "When the record was dead-lettered (RFC 3339, UTC)",
}


def topic(name: str, *, producer: str, description: str, consumers: list[str] | tuple[str, ...] = ()) -> Topic:
    """Declare a topic once, with its producer and consuming services; event classes attach with `event_type`."""
    if name in TOPICS:
        raise ValueError(f"topic {name} declared twice")
    if producer in consumers:
        raise ValueError(f"topic {name}: {producer} consumes its own topic")
    if len(set(consumers)) != len(consumers):
        raise ValueError(f"topic {name}: a consumer is listed twice")
    TOPICS[name] = Topic(name=name, producer=producer, description=description, consumers=list(consumers))
    return TOPICS[name]


def event_type(on: Topic, type_: str):
    """Class decorator registering an event model under its `ce_type` on a topic."""

    def register(cls: type[Event]) -> type[Event]:
        if type_ in EVENT_TYPES:
            raise ValueError(f"event type {type_} declared twice")
        cls.TYPE = type_
        cls.TOPIC = on.name
        EVENT_TYPES[type_] = cls
        on.events.append(cls)
        return cls

    return register


def consumed_by(service: str) -> list[Topic]:
    """The topics a service subscribes to."""
    return [t for t in TOPICS.values() if service in t.consumers]


def producer_source(topic_name: str) -> str | None:
    """The `ce_source` every event on a declared topic must carry: its one producer's (None for a topic
    the contracts do not declare)."""
    topic = TOPICS.get(topic_name)
    return source_for(topic.producer) if topic else None


def dead_letter_topic(topic_name: str, group: str) -> str:
    """Where a consumer group parks records it could not process."""
    return f"{topic_name}.{group}.dlt"
