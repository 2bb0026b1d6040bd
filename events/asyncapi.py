"""AsyncAPI 3.0.0 description of every topic and event type, built from the topic registry.

    python -m events.asyncapi --write   # regenerate events/asyncapi.yaml
    python -m events.asyncapi --check   # exit 1 if events/asyncapi.yaml differs from the code
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from events import generated
from events.base import Event
from events.envelope import CONTENT_TYPE, SPEC_VERSION, TYPE_PREFIX, source_for
from events.schemas import schema_for
from events.topics import DEAD_LETTER_HEADERS, TOPICS, Topic, dead_letter_topic

DOCUMENT = Path(__file__).resolve().parent / "asyncapi.yaml"
# Version of the document as a whole; the contracts themselves are versioned by their `.vN` names.
VERSION = "1.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
TRACEPARENT_PATTERN = "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
DEAD_LETTER_CHANNEL = "deadLetter"
DEAD_LETTER_MESSAGE = "DeadLetter"

DESCRIPTION = f"""\
Events the AI Marketplace services publish and consume over Kafka.

Every record is a CloudEvents {SPEC_VERSION} event in Kafka binary content mode: the record value
is the event data as JSON (`content-type: {CONTENT_TYPE}`) and the context attributes travel as
`ce_` headers: `ce_id`, `ce_source` (`/services/<producer>`), `ce_specversion` (`{SPEC_VERSION}`),
`ce_type`, `ce_time`, `ce_subject` and `ce_partitionkey` (both the aggregate id), plus the W3C
`traceparent`. The Kafka key is the aggregate id, so one aggregate's events stay in order on one
partition.

Every event carries the aggregate's `version` (monotonic per aggregate) and a snapshot of its
public state, so a consumer drops stale or out-of-order events and can rebuild a projection from
the latest event alone. Consumers are at-least-once and idempotent on `ce_id`.

Versioning: within a `.vN` event type and topic only optional fields are added; a breaking change
is a new `.v(N+1)` event type on a new `.v(N+1)` topic.

Dead letters: a consumer group that keeps failing on a record sends it to
`{dead_letter_topic("<topic>", "<group>")}` with the original key, value and headers plus these headers:
{", ".join(f"`{name}`" for name in DEAD_LETTER_HEADERS)}.
"""


def build() -> dict:
    """The whole AsyncAPI document as plain data, in a stable order."""
    topics = [TOPICS[name] for name in sorted(TOPICS)]
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "AI Marketplace events", "version": VERSION, "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "servers": servers(),
        "channels": {**{t.name: channel(t) for t in topics}, DEAD_LETTER_CHANNEL: dead_letter_channel()},
        "operations": {key: op for t in topics for key, op in operations(t).items()},
        "components": {
            "schemas": payload_schemas(topics),
            "messages": {
                **{cls.TYPE: message(cls, t) for t in topics for cls in t.events},
                DEAD_LETTER_MESSAGE: dead_letter_message(),
            },
        },
    }


def servers() -> dict:
    """The embedded development broker and the production cluster."""
    return {
        "embedded": {
            "host": "127.0.0.1:9092",
            "protocol": "kafka",
            "description": "Embedded broker for local development and tests.",
        },
        "production": {
            "host": "{bootstrapServers}",
            "protocol": "kafka",
            "description": "The cluster named by the `KAFKA_BOOTSTRAP_SERVERS` setting of every service.",
            "variables": {
                "bootstrapServers": {
                    "description": "Value of `KAFKA_BOOTSTRAP_SERVERS`: comma-separated host:port list",
                },
            },
        },
    }


def channel(t: Topic) -> dict:
    """One Kafka topic and the event types that travel on it."""
    return {
        "address": t.name,
        "description": t.description,
        "messages": {cls.TYPE: {"$ref": f"#/components/messages/{cls.TYPE}"} for cls in t.events},
    }


def operations(t: Topic) -> dict:
    """The producer's `send` and one `receive` per consuming service."""
    messages = [{"$ref": f"#/channels/{t.name}/messages/{cls.TYPE}"} for cls in t.events]
    found = {
        f"{t.producer}.send.{t.name}": {
            "action": "send",
            "channel": {"$ref": f"#/channels/{t.name}"},
            "title": f"{t.producer} publishes {t.name}",
            "description": f"Published by `{t.producer}` through its transactional outbox, keyed by aggregate id.",
            "messages": messages,
        }
    }
    for service in t.consumers:
        found[f"{service}.receive.{t.name}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{t.name}"},
            "title": f"{service} consumes {t.name}",
            "description": (
                f"Consumed by `{service}` at least once and idempotently; records it cannot process go to "
                f"`{dead_letter_topic(t.name, '<group>')}`."
            ),
            "messages": messages,
        }
    return found


def message(cls: type[Event], t: Topic) -> dict:
    """One event type: CloudEvents headers, JSON payload and the Kafka key."""
    return {
        "name": cls.__name__,
        "title": title_of(cls.TYPE),
        "summary": summary_of(cls),
        "contentType": CONTENT_TYPE,
        "headers": headers_schema(cls.TYPE, t.producer),
        "payload": {"$ref": f"#/components/schemas/{cls.TYPE}"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "Aggregate id (equals `ce_subject` and `aggregate_id`)"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def headers_schema(type_: str, producer: str) -> dict:
    """The Kafka headers of one event type (values are UTF-8 text)."""
    properties = {
        "ce_id": {"type": "string", "description": "Unique id of the event; consumers deduplicate on it"},
        "ce_source": {"type": "string", "const": source_for(producer), "description": "The publishing service"},
        "ce_specversion": {"type": "string", "const": SPEC_VERSION},
        "ce_type": {"type": "string", "const": type_},
        "ce_time": {"type": "string", "format": "date-time", "description": "When the event occurred (RFC 3339)"},
        "ce_subject": {"type": "string", "description": "Aggregate id"},
        "ce_partitionkey": {"type": "string", "description": "Aggregate id; equals the Kafka key"},
        "content-type": {"type": "string", "const": CONTENT_TYPE},
        "traceparent": {"type": "string", "pattern": TRACEPARENT_PATTERN, "description": "W3C trace context"},
    }
    required = [name for name in properties if name != "traceparent"]
    return {"type": "object", "required": required, "properties": properties}


def payload_schemas(topics: list[Topic]) -> dict:
    """Each event type's JSON Schema, with the models it shares hoisted next to it."""
    schemas: dict[str, dict] = {}
    for cls in (cls for t in topics for cls in t.events):
        schema = schema_for(cls, ref_template="#/components/schemas/{model}")
        # `$id` would rebase the `$ref`s inside the schema and `$schema` is implied by the document.
        schema.pop("$schema")
        schema.pop("$id")
        for name, shared in schema.pop("$defs", {}).items():
            if schemas.setdefault(name, shared) != shared:
                raise ValueError(f"two different models are both named {name}; rename one")
        schemas[cls.TYPE] = schema
    return dict(sorted(schemas.items()))


def dead_letter_channel() -> dict:
    """The dead-letter topics, one per topic and consumer group."""
    return {
        "address": dead_letter_topic("{topic}", "{group}"),
        "title": "Dead letters",
        "description": "Records a consumer group gave up on, kept unchanged with the failure in headers.",
        "parameters": {
            "topic": {"description": "Topic the record was read from", "enum": sorted(TOPICS)},
            "group": {"description": "Consumer group that gave up on it"},
        },
        "messages": {DEAD_LETTER_MESSAGE: {"$ref": f"#/components/messages/{DEAD_LETTER_MESSAGE}"}},
    }


def dead_letter_message() -> dict:
    """A dead-lettered record: the original key, value and headers plus the failure."""
    properties = {name: {"type": "string", "description": text} for name, text in DEAD_LETTER_HEADERS.items()}
    return {
        "name": DEAD_LETTER_MESSAGE,
        "title": "Dead-lettered record",
        "summary": "A record a consumer group could not process, with why and where it came from.",
        "headers": {
            "type": "object",
            "description": "The original headers (ce_ attributes, content-type, traceparent) plus these.",
            "required": list(properties),
            "properties": properties,
        },
        "payload": {"description": "The original record value, unchanged"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The original record key"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def title_of(type_: str) -> str:
    """A human title from the `ce_type`, e.g. "Supplier registered (v1)"."""
    aggregate, verb, version = type_.removeprefix(TYPE_PREFIX).split(".")
    return f"{aggregate.replace('_', ' ').capitalize()} {verb} ({version})"


def summary_of(cls: type[Event]) -> str:
    """The first line of the event class's own docstring."""
    # Read the class's own __doc__: an inherited docstring would describe the base class, not the event.
    doc = (cls.__dict__.get("__doc__") or "").strip()
    if not doc:
        raise ValueError(f"event type {cls.TYPE} ({cls.__name__}) needs a docstring")
    return doc.splitlines()[0]


class _Dumper(yaml.SafeDumper):
    """YAML without anchors (shared dicts are written out) and with multi-line text as blocks."""

    def ignore_aliases(self, data) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)


def render(document: dict | None = None) -> str:
    """The document as YAML text, exactly as checked in."""
    body = yaml.dump(document or build(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return "# Generated from the event contracts by `python -m events.asyncapi --write`; do not edit.\n" + body


def generate() -> dict[Path, str]:
    return {DOCUMENT: render()}


def main(argv: list[str] | None = None) -> int:
    # `owned=list`: the document is a single file, so nothing else can be left over.
    return generated.main(
        argv, what="the AsyncAPI document", command="events.asyncapi", generate=generate, owned=list
    )


if __name__ == "__main__":
    sys.exit(main())
