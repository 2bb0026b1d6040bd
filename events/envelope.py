"""CloudEvents 1.0 envelope in Kafka binary content mode.

The record value is the event data as JSON; the context attributes travel as `ce_` headers and
the record key is the aggregate id, so one aggregate's events land on one partition in order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
TYPE_PREFIX = "nz.govt.marketplace."
REQUIRED_HEADERS = ("ce_id", "ce_source", "ce_specversion", "ce_type", "ce_subject")


class MalformedEvent(ValueError):
    """A record that is not a valid CloudEvent of this marketplace."""


def _parse_time(value: str) -> datetime:
    """Parse `ce_time`; RFC 3339 requires an offset, so a time without one is rejected."""
    try:
        time = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedEvent(f"ce_time is not RFC 3339: {exc}") from exc
    if time.tzinfo is None:
        raise MalformedEvent(f"ce_time has no offset: {value!r}")
    return time


def source_for(service: str) -> str:
    """The `ce_source` of events published by a service."""
    return f"/services/{service}"


@dataclass(frozen=True)
class Envelope:
    """One event as it travels on the wire: context attributes plus JSON data."""

    type: str
    source: str
    subject: str
    data: dict
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    traceparent: str | None = None

    def __post_init__(self) -> None:
        # Databases such as SQLite hand datetimes back without an offset; the marketplace stores UTC,
        # and `ce_time` must carry an offset (RFC 3339), so a naive time is taken as UTC.
        if self.time.tzinfo is None:
            object.__setattr__(self, "time", self.time.replace(tzinfo=timezone.utc))

    @property
    def key(self) -> bytes:
        return self.subject.encode()

    def value(self) -> bytes:
        return orjson.dumps(self.data)

    def headers(self) -> list[tuple[str, bytes]]:
        """Kafka headers for binary content mode."""
        headers = [
            ("ce_id", self.id.encode()),
            ("ce_source", self.source.encode()),
            ("ce_specversion", SPEC_VERSION.encode()),
            ("ce_type", self.type.encode()),
            ("ce_time", self.time.isoformat().replace("+00:00", "Z").encode()),
            ("ce_subject", self.subject.encode()),
            ("ce_partitionkey", self.subject.encode()),
            ("content-type", CONTENT_TYPE.encode()),
        ]
        if self.traceparent:
            headers.append(("traceparent", self.traceparent.encode()))
        return headers

    @classmethod
    def from_record(cls, headers: list[tuple[str, bytes]] | tuple, value: bytes | None) -> Envelope:
        """Parse a Kafka record; raises MalformedEvent naming what is wrong."""
        # A header with no value or an empty one is as good as absent: CloudEvents requires non-empty attributes.
        found = {name: raw for name, raw in headers or () if raw}
        missing = [h for h in REQUIRED_HEADERS if h not in found]
        if missing:
            raise MalformedEvent(f"missing CloudEvents headers: {', '.join(missing)}")
        try:
            text = {name: raw.decode() for name, raw in found.items()}
        except UnicodeDecodeError as exc:
            raise MalformedEvent(f"header is not UTF-8: {exc}") from exc
        if text["ce_specversion"] != SPEC_VERSION:
            raise MalformedEvent(f"unsupported specversion {text['ce_specversion']!r}")
        try:
            data = orjson.loads(value or b"")
        except orjson.JSONDecodeError as exc:
            raise MalformedEvent(f"value is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise MalformedEvent("value is not a JSON object")
        time = _parse_time(text["ce_time"]) if "ce_time" in text else datetime.now(timezone.utc)
        return cls(
            id=text["ce_id"],
            source=text["ce_source"],
            type=text["ce_type"],
            subject=text["ce_subject"],
            time=time,
            data=data,
            traceparent=text.get("traceparent"),
        )
