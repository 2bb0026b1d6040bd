"""Traces from the request into the outbox row and the record, JSON logs with ids, and the metrics."""

import logging
import sys

import orjson
import pytest
from opentelemetry import trace
from prometheus_client.parser import text_string_to_metric_families

from servicekit.broker import free_port
from servicekit.consumer import on
from servicekit.db import Database
from servicekit.migrations import upgrade_to_head
from servicekit.outbox import emit
from servicekit.tables import OutboxRecord
from servicekit.telemetry import (JsonFormatter, ServiceMetrics, configure_tracing, context_from_traceparent,
                                  current_traceparent, request_id_var)
from servicekit.testing import eventually
from servicekit.tests.sample.events import SAMPLE_TOPIC, NoteChanged, NoteRecorded, events_on
from servicekit.tests.sample.handlers import apply_note_event
from servicekit.tests.sample.main import MIGRATIONS
from servicekit.tests.sample.models import SampleProjection
from servicekit.tests.support import header, json_log_lines, note_event, produce_raw, read_topic, unique

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN}-01"


def parts(traceparent: str) -> tuple[str, str]:
    _, trace_id, span_id, _ = traceparent.split("-")
    return trace_id, span_id


@pytest.fixture
async def database(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'telemetry.db'}")
    await upgrade_to_head(database, MIGRATIONS)
    yield database
    await database.dispose()


async def test_outbox_row_stores_the_traceparent_of_the_active_span(database, spans):
    configure_tracing("sample")
    tracer = trace.get_tracer("servicekit.tests")
    async with database.transaction() as session:
        with tracer.start_as_current_span("change") as span:
            traced = emit(session, note_event("n-traced"))
        untraced = emit(session, note_event("n-untraced"))
    context = span.get_span_context()
    assert parts(traced.traceparent) == (f"{context.trace_id:032x}", f"{context.span_id:016x}")
    assert untraced.traceparent is None
    assert current_traceparent() is None


def test_traceparent_round_trip():
    context = context_from_traceparent(TRACEPARENT)
    span_context = trace.get_current_span(context).get_span_context()
    assert (f"{span_context.trace_id:032x}", f"{span_context.span_id:016x}") == (TRACE_ID, PARENT_SPAN)
    assert not trace.get_current_span(context_from_traceparent(None)).get_span_context().is_valid


async def test_trace_runs_from_the_request_through_the_outbox_to_the_consumer(start_sample, broker, spans):
    subscriptions = on(NoteRecorded, NoteChanged, handler=apply_note_event)
    sample = await start_sample(subscriptions=subscriptions)
    response = await sample.client.post("/api/v1/notes", json={"title": "traced"},
                                        headers={"traceparent": TRACEPARENT})
    note_id = response.json()["id"]
    [row] = await sample.rows(OutboxRecord, OutboxRecord.subject == note_id)
    stored_trace, stored_span = parts(row.traceparent)
    assert stored_trace == TRACE_ID, "the outbox row continues the caller's trace"
    assert stored_span != PARENT_SPAN, "it names the service's own request span"

    def mine(records):
        return [r for r in records if r.key == note_id.encode()]

    [record] = mine(await read_topic(broker.bootstrap_servers, SAMPLE_TOPIC, until=lambda rs: mine(rs)))
    assert parts(header(record, "traceparent"))[0] == TRACE_ID

    async def projected():
        async with sample.database.sessions() as session:
            return await session.get(SampleProjection, note_id)

    await eventually(projected)
    consumed = [s for s in spans.get_finished_spans()
                if s.name == f"process {SAMPLE_TOPIC}" and s.attributes.get("messaging.message.id") == row.event_id]
    assert consumed, "the consumer traced its processing"
    assert f"{consumed[0].context.trace_id:032x}" == TRACE_ID
    assert f"{consumed[0].parent.span_id:016x}" == parts(header(record, "traceparent"))[1]


async def test_json_log_lines_carry_trace_span_and_request_ids(start_sqlite_sample):
    sample = await start_sqlite_sample()
    with json_log_lines() as lines:
        response = await sample.client.post("/api/v1/notes", json={"title": "logged"},
                                            headers={"traceparent": TRACEPARENT, "x-request-id": "log-req-1"})
    note_id = response.json()["id"]
    [entry] = [line for line in lines if line["message"] == f"note {note_id} created"]
    [row] = await sample.rows(OutboxRecord, OutboxRecord.subject == note_id)
    assert entry["request_id"] == "log-req-1"
    assert entry["trace_id"] == TRACE_ID
    assert entry["span_id"] == parts(row.traceparent)[1]
    assert (entry["service"], entry["level"], entry["logger"]) == ("sample", "INFO", "sample.routes")
    assert entry["time"].endswith("+00:00")


def test_json_formatter_without_span_or_request_and_with_an_error():
    formatter = JsonFormatter("sample")
    plain = orjson.loads(formatter.format(logging.LogRecord("x", logging.WARNING, __file__, 1, "hi %s", ("you",),
                                                            None)))
    assert plain["message"] == "hi you"
    assert "trace_id" not in plain and "request_id" not in plain and "error" not in plain
    token = request_id_var.set("req-9")
    try:
        raise ValueError("boom")
    except ValueError:
        failed = orjson.loads(formatter.format(logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (),
                                                                 sys.exc_info())))
    finally:
        request_id_var.reset(token)
    assert failed["request_id"] == "req-9"
    assert "ValueError: boom" in failed["error"]


def samples(text: str) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_metrics_expose_latency_backlog_lag_and_dead_letters(start_sqlite_sample, broker):
    topic = unique("servicekit.metrics-test") + ".v1"
    sample = await start_sqlite_sample(subscriptions=on(*events_on(topic), handler=apply_note_event))
    note = await sample.create_note()
    assert (await sample.client.get(f"/api/v1/notes/{note['id']}")).status_code == 200
    assert (await sample.client.get("/api/v1/notes/missing")).status_code == 404
    assert (await sample.client.get("/no/such/route")).status_code == 404
    await produce_raw(broker.bootstrap_servers, topic, b"not an event", key=b"k")

    async def caught_up():
        found = samples((await sample.client.get("/metrics")).text)
        lags = [value for (name, labels), value in found.items() if name == "consumer_lag"]
        dead = found.get(("consumer_dead_letters_total", (("topic", topic),)))
        return dead == 1 and lags and not any(lags)

    await eventually(caught_up)
    response = await sample.client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    route = "/api/v1/notes/{note_id}"
    assert found[("http_server_request_duration_seconds_count",
                  (("http_request_method", "GET"), ("http_response_status_code", "200"), ("http_route", route)))] == 1
    assert found[("http_server_request_duration_seconds_count",
                  (("http_request_method", "GET"), ("http_response_status_code", "404"), ("http_route", route)))] == 1
    assert found[("http_server_request_duration_seconds_count",
                  (("http_request_method", "GET"), ("http_response_status_code", "404"), ("http_route", "unmatched")))] == 1
    assert found[("http_server_request_duration_seconds_count",
                  (("http_request_method", "POST"), ("http_response_status_code", "201"), ("http_route", "/api/v1/notes")))] == 1
    assert ("outbox_backlog", ()) in found
    assert found[("consumer_dead_letters_total", (("topic", topic),))] == 1
    lags = {labels: value for (name, labels), value in found.items() if name == "consumer_lag"}
    assert lags and all(dict(labels)["topic"] == topic for labels in lags)


async def test_outbox_backlog_counts_rows_the_broker_has_not_taken(start_sqlite_sample):
    sample = await start_sqlite_sample(kafka_bootstrap_servers=f"127.0.0.1:{free_port()}")
    for i in range(3):
        await sample.create_note(f"stuck {i}")

    async def backlog():
        text = (await sample.client.get("/metrics")).text
        return samples(text)[("outbox_backlog", ())] == 3

    await eventually(backlog)
    assert await sample.count(OutboxRecord, OutboxRecord.published_at.is_(None)) == 3


def test_each_service_has_its_own_registry():
    first, second = ServiceMetrics(), ServiceMetrics()
    first.outbox_backlog.set(5)
    assert second.outbox_backlog._value.get() == 0
