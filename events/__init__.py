"""Event contracts of the marketplace: the envelope, the topics and one model per event type."""

from events import accreditation, assurance, catalogue, hub, partners, suppliers, training  # noqa: F401  (register their topics and event types)
from events.base import Contract, Event
from events.envelope import Envelope, MalformedEvent, source_for
from events.topics import DEAD_LETTER_HEADERS, EVENT_TYPES, TOPICS, consumed_by, dead_letter_topic, producer_source

__all__ = [
    "Contract",
    "Event",
    "Envelope",
    "MalformedEvent",
    "source_for",
    "EVENT_TYPES",
    "TOPICS",
    "DEAD_LETTER_HEADERS",
    "consumed_by",
    "dead_letter_topic",
    "producer_source",
]
