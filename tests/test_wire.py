"""What the services put on the broker: CloudEvents the official SDK parses, in order, traced."""

import uuid

import pytest

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.formats.json import JSONFormat
from sqlalchemy import select

from events.suppliers import SUPPLIER_TOPIC
from servicekit.tables import OutboxRecord
from testsupport.helpers import projected_supplier, supplier_body
from testsupport.kafka_tools import read_topic


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and the catalogue that follows them."""
    return ("suppliers", "catalogue")


async def test_every_record_the_services_produce_parses_with_the_cloudevents_sdk(stack, broker):
    ids = []
    for i in range(3):
        response = await stack.client.post("/api/v1/suppliers", json=supplier_body(legal_name=f"Wire Test {i} Ltd"))
        assert response.status_code == 201
        ids.append(response.json()["id"])

    def mine(records):
        return [r for r in records if r.key and r.key.decode() in ids]

    records = mine(await read_topic(broker.bootstrap_servers, SUPPLIER_TOPIC.name,
                                    until=lambda rs: len(mine(rs)) == len(ids)))
    assert len(records) == len(ids)
    for record in records:
        message = KafkaMessage(headers={k: v for k, v in record.headers}, key=record.key, value=record.value)
        event = from_binary(message, JSONFormat())
        assert event.get_specversion() == "1.0"
        assert event.get_type() == "nz.govt.marketplace.supplier.registered.v1"
        assert event.get_source() == "/services/suppliers"
        assert event.get_subject() == record.key.decode()
        assert event.get_extension("partitionkey") == record.key.decode()
        assert event.get_datacontenttype() == "application/json"
        assert event.get_time() is not None
        data = event.get_data()
        assert data["aggregate_id"] == record.key.decode()
        assert data["version"] == 1
        assert data["supplier"]["status"] == "pending_verification"


async def test_one_trace_runs_from_the_gateway_through_the_outbox_to_the_consumer(spans, stack, broker):
    trace_id = uuid.uuid4().hex  # a trace of its own: the span exporter holds every run's spans
    response = await stack.client.post("/api/v1/suppliers", json=supplier_body(),
                                       headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert response.status_code == 201
    supplier_id = response.json()["id"]
    await projected_supplier(stack, supplier_id)

    async with stack.servers["suppliers"].app.state.database.transaction() as session:
        row = await session.scalar(select(OutboxRecord).where(OutboxRecord.subject == supplier_id))
    assert row.traceparent.split("-")[1] == trace_id

    records = await read_topic(broker.bootstrap_servers, SUPPLIER_TOPIC.name,
                               until=lambda rs: any(r.key == supplier_id.encode() for r in rs))
    record = next(r for r in records if r.key == supplier_id.encode())
    assert dict(record.headers)["traceparent"].decode().split("-")[1] == trace_id

    finished = [s for s in spans.get_finished_spans() if format(s.context.trace_id, "032x") == trace_id]
    kinds = {s.kind.name for s in finished}
    names = " | ".join(s.name for s in finished)
    assert {"SERVER", "PRODUCER", "CONSUMER"} <= kinds, names
    # Named and attributed by the OpenTelemetry messaging conventions: "{operation} {destination}".
    [sent] = [s for s in finished if s.name == f"send {SUPPLIER_TOPIC.name}"]
    assert sent.attributes["messaging.system"] == "kafka" and sent.attributes["messaging.operation.type"] == "send"
    assert sent.attributes["messaging.kafka.message.key"] == supplier_id
    processed = [s for s in finished if s.name == f"process {SUPPLIER_TOPIC.name}"]
    assert processed, names
    groups = {s.attributes["messaging.consumer.group.name"] for s in processed}
    assert stack.settings_for("catalogue").consumer_group in groups, groups
    for span in processed:
        assert span.parent.span_id == sent.context.span_id
        assert span.attributes["messaging.destination.partition.id"] == str(record.partition)
        assert span.attributes["messaging.kafka.offset"] == record.offset
        assert span.attributes["messaging.message.body.size"] == len(record.value)
