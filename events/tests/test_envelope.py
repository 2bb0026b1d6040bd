"""The envelope on the wire: round trip, interoperability with the CloudEvents SDK, rejection of bad records."""

import json
from datetime import datetime, timezone

import pytest
from cloudevents.core.bindings import kafka
from cloudevents.core.bindings.kafka import KafkaMessage
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from events import EVENT_TYPES, Envelope, MalformedEvent, schemas, source_for
from events.envelope import REQUIRED_HEADERS
from events.suppliers import SupplierRegistered, SupplierState

try:
    import jsonschema
except ImportError:  # not a dependency; the pydantic round trip below stands in for it
    jsonschema = None

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def registered() -> SupplierRegistered:
    return SupplierRegistered(
        aggregate_id="sup-0001",
        version=1,
        occurred_at=datetime(2025, 7, 1, 9, 30, tzinfo=timezone.utc),
        actor="client-42",
        supplier=SupplierState(
            id="sup-0001",
            legal_name="Kōwhai Analytics Limited",
            nzbn="9429039501974",
            org_id="NZ-NZBN-9429039501974",
            size="small",
            maori_business=True,
            status="pending_verification",
        ),
    )


def envelope() -> Envelope:
    event = registered()
    return Envelope(
        type=event.TYPE,
        source=source_for("suppliers"),
        subject=event.aggregate_id,
        data=event.model_dump(mode="json"),
        traceparent=TRACEPARENT,
    )


def record(changes: dict[str, bytes | None]) -> list[tuple[str, bytes]]:
    """The headers of a good record with some replaced, or removed where the new value is None."""
    headers = dict(envelope().headers()) | changes
    return [(name, raw) for name, raw in headers.items() if raw is not None]


def test_record_parses_back_to_the_same_envelope():
    sent = envelope()
    received = Envelope.from_record(sent.headers(), sent.value())
    assert received == sent
    assert SupplierRegistered.model_validate(received.data) == registered()


def test_headers_follow_binary_content_mode():
    sent = envelope()
    headers = dict(sent.headers())
    assert sent.key == b"sup-0001" == headers["ce_subject"] == headers["ce_partitionkey"]
    assert headers["ce_specversion"] == b"1.0"
    assert headers["content-type"] == b"application/json"
    assert headers["ce_time"].endswith(b"Z")
    assert headers["traceparent"] == TRACEPARENT.encode()


def test_official_sdk_reads_the_record():
    sent = envelope()
    message = KafkaMessage(headers=dict(sent.headers()), key=sent.key, value=sent.value())
    event = kafka.from_binary(message, JSONFormat())
    assert event.get_specversion() == "1.0"
    assert event.get_id() == sent.id
    assert event.get_source() == "/services/suppliers"
    assert event.get_type() == "nz.govt.marketplace.supplier.registered.v1"
    assert event.get_subject() == "sup-0001"
    assert event.get_time() == sent.time
    assert event.get_datacontenttype() == "application/json"
    assert event.get_extension("partitionkey") == "sup-0001"
    assert event.get_data() == sent.data


def test_record_written_by_the_official_sdk_parses():
    time = datetime(2025, 7, 1, 9, 30, 15, 250000, tzinfo=timezone.utc)
    event = CloudEvent(
        attributes={
            "id": "evt-1",
            "source": "/services/suppliers",
            "type": "nz.govt.marketplace.supplier.registered.v1",
            "subject": "sup-0001",
            "time": time,
            "datacontenttype": "application/json",
            "partitionkey": "sup-0001",
        },
        data=registered().model_dump(mode="json"),
    )
    message = kafka.to_binary(event, JSONFormat())
    parsed = Envelope.from_record(list(message.headers.items()), message.value)
    assert (parsed.id, parsed.subject, parsed.time) == ("evt-1", "sup-0001", time)
    assert parsed.key == message.key.encode()
    assert SupplierRegistered.model_validate(parsed.data) == registered()


def test_naive_time_is_sent_as_utc():
    sent = Envelope(type="t", source="/services/x", subject="a", data={}, time=datetime(2025, 7, 1, 9, 30))
    assert dict(sent.headers())["ce_time"] == b"2025-07-01T09:30:00Z"


@pytest.mark.parametrize("header", REQUIRED_HEADERS)
def test_missing_header_is_malformed(header):
    with pytest.raises(MalformedEvent, match=header):
        Envelope.from_record(record({header: None}), envelope().value())


def test_empty_header_is_malformed():
    with pytest.raises(MalformedEvent, match="ce_id"):
        Envelope.from_record(record({"ce_id": b""}), envelope().value())


@pytest.mark.parametrize(
    ("headers", "value", "problem"),
    [
        ({}, b"{not json", "not JSON"),
        ({}, b"", "not JSON"),
        ({}, None, "not JSON"),
        ({}, b"[1, 2]", "not a JSON object"),
        ({}, b'"text"', "not a JSON object"),
        ({"ce_specversion": b"0.3"}, b"{}", "specversion"),
        ({"ce_time": b"yesterday"}, b"{}", "ce_time"),
        ({"ce_time": b"2025-07-01T09:30:00"}, b"{}", "ce_time has no offset"),
        ({"ce_subject": b"\xff"}, b"{}", "UTF-8"),
    ],
)
def test_bad_record_is_malformed(headers, value, problem):
    with pytest.raises(MalformedEvent, match=problem):
        Envelope.from_record(record(headers), value)


FORMAT_EXAMPLES = {"date-time": "2025-07-01T09:30:00Z", "date": "2025-07-01", "email": "someone@example.govt.nz"}


def example(node: dict, root: dict):
    """A value for a schema node with every property filled, taking the first choice of each anyOf."""
    if "$ref" in node:
        return example(root["$defs"][node["$ref"].rsplit("/", 1)[1]], root)
    if "anyOf" in node:
        return example(node["anyOf"][0], root)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        return {name: example(prop, root) for name, prop in node.get("properties", {}).items()}
    if kind == "array":
        return [example(node["items"], root)]
    if kind == "string" and "pattern" not in node:
        return FORMAT_EXAMPLES.get(node.get("format"), "x")
    if kind in ("integer", "number"):
        return node.get("minimum", 1)
    if kind == "boolean":
        return True
    raise AssertionError(f"teach example() to fill {node}")


@pytest.mark.parametrize("type_", sorted(EVENT_TYPES))
def test_event_data_validates_against_its_exported_schema(type_):
    cls = EVENT_TYPES[type_]
    schema = json.loads(schemas.path_for(type_).read_text(encoding="utf-8"))
    event = cls.model_validate(example(schema, schema))
    data = event.model_dump(mode="json")
    if jsonschema is not None:
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        validator.validate(data)
    else:
        assert cls.model_validate(data) == event
        assert set(data) == set(schema["properties"])
        assert set(schema["required"]) <= set(data)
