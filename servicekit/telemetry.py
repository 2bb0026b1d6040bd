"""Traces, JSON logs and Prometheus metrics, the same in every service."""

from __future__ import annotations

import contextvars
import logging
import os
import sys
from datetime import datetime, timezone

import orjson
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


class RecordWhenExported(Sampler):
    """Records a span only while the provider has a span processor to give it to. Without one (no OTLP
    endpoint, no test collecting spans) a span is a non-recording one: its ids are still made and
    propagated (outbox rows, consumer spans and log lines keep their trace ids), but its attributes,
    events and the processors' work cost nothing."""

    def __init__(self) -> None:
        self.provider: TracerProvider | None = None

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None,
                      trace_state=None) -> SamplingResult:
        processors = self.provider._active_span_processor._span_processors if self.provider else ()
        if not processors:
            return SamplingResult(Decision.DROP, None, trace_state)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes, trace_state)

    def get_description(self) -> str:
        return "RecordWhenExported"


def configure_tracing(service_name: str) -> None:
    """Install a tracer provider once per process; export over OTLP when an endpoint is set."""
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    sampler = RecordWhenExported()
    provider = sampler.provider = TracerProvider(resource=Resource.create({"service.name": service_name}),
                                                 sampler=sampler)
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)


def messaging_attributes(operation: str, topic: str, *, message_id: str | None = None, key: bytes | None = None,
                         body_size: int | None = None, group: str | None = None, partition: int | None = None,
                         offset: int | None = None) -> dict[str, str | int]:
    """Span attributes of a Kafka send or process, by the OpenTelemetry messaging semantic conventions;
    the span itself is named "{operation} {topic}". The message's own attributes are left out for a batch."""
    attributes: dict[str, str | int] = {
        "messaging.system": "kafka", "messaging.operation.type": operation, "messaging.operation.name": operation,
        "messaging.destination.name": topic}
    if message_id is not None:
        attributes["messaging.message.id"] = message_id
    if body_size is not None:
        attributes["messaging.message.body.size"] = body_size
    if key is not None:
        attributes["messaging.kafka.message.key"] = key.decode(errors="replace")
    if group is not None:
        attributes["messaging.consumer.group.name"] = group
    if partition is not None:
        attributes["messaging.destination.partition.id"] = str(partition)
    if offset is not None:
        attributes["messaging.kafka.offset"] = offset
    return attributes


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None):
    """An OpenTelemetry context continuing the trace named by a traceparent."""
    return propagate.extract({"traceparent": traceparent} if traceparent else {})


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the service, trace and request ids."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            entry["trace_id"] = format(span_context.trace_id, "032x")
            entry["span_id"] = format(span_context.span_id, "016x")
        if request_id := request_id_var.get():
            entry["request_id"] = request_id
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send the root logger's records to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka logs every failed reconnect at ERROR; the relay and consumer report outages themselves.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    logging.getLogger("httpx").setLevel(logging.WARNING)


class ServiceMetrics:
    """The metrics a service exposes on /metrics, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # The OpenTelemetry HTTP convention's http.server.request.duration, under its Prometheus name.
        self.request_seconds = Histogram(
            "http_server_request_duration_seconds", "Duration of HTTP server requests",
            ["http_request_method", "http_route", "http_response_status_code"],
            registry=self.registry, buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.outbox_backlog = Gauge("outbox_backlog", "Outbox rows not yet published", registry=self.registry)
        # The OpenTelemetry messaging convention's metrics under their Prometheus names (messaging_system is
        # always "kafka"; error_type is "" unless the processing raised).
        self.sent_messages = Counter("messaging_client_sent_messages_total",
                                     "Messages the relay published and the broker acknowledged",
                                     ["messaging_system", "messaging_operation_name", "messaging_destination_name"],
                                     registry=self.registry)
        self.consumed_messages = Counter("messaging_client_consumed_messages_total",
                                         "Messages the consumer fetched and handed on",
                                         ["messaging_system", "messaging_operation_name", "messaging_destination_name",
                                          "messaging_consumer_group_name"], registry=self.registry)
        self.process_seconds = Histogram("messaging_process_duration_seconds", "Duration of processing one message",
                                         ["messaging_system", "messaging_operation_name",
                                          "messaging_destination_name", "messaging_consumer_group_name",
                                          "error_type"], registry=self.registry,
                                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.outbox_failures = Counter("outbox_publish_failures_total", "Failed publish attempts", registry=self.registry)
        self.consumer_lag = Gauge("consumer_lag", "Records behind the end of the partition",
                                  ["topic", "partition"], registry=self.registry)
        self.consumed = Counter("consumer_events_total", "Records seen by the consumer, by outcome",
                                ["topic", "outcome"], registry=self.registry)
        self.database_unavailable = Counter("database_unavailable_total",
                                            "Times the database could not be reached, by what met it",
                                            ["by"], registry=self.registry)
        self.consumer_restarts = Counter("consumer_restarts_total", "Consumer restarts the service made, by reason",
                                         ["reason"], registry=self.registry)
        self.broker_data_lost = Counter("broker_data_lost_total", "Times the broker was seen back without its data",
                                        ["by"], registry=self.registry)
        self.outbox_republished = Counter("outbox_republished_total",
                                          "Published rows queued again because the broker lost them",
                                          registry=self.registry)
        self.dead_letters = Counter("consumer_dead_letters_total", "Records sent to a dead-letter topic",
                                    ["topic"], registry=self.registry)
        self.refused = Counter("consumer_refused_events_total",
                               "Records refused before any handler saw them, by topic and why", ["topic", "reason"],
                               registry=self.registry)
