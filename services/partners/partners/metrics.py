"""The partners service's own metrics, in the service's registry beside the toolkit's."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from servicekit.telemetry import ServiceMetrics


class PartnerMetrics:
    def __init__(self, metrics: ServiceMetrics):
        registry = metrics.registry
        self.backlog = Gauge("partners_delivery_backlog", "Pending deliveries per subscription", ["subscription"],
                             registry=registry)
        self.latency = Histogram("partners_delivery_seconds", "From an event's time to the sink's 2xx answer",
                                 registry=registry,
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
        self.attempts = Counter("partners_delivery_attempts_total", "Delivery attempts by outcome", ["outcome"],
                                registry=registry)
        self.disabled = Gauge("partners_disabled_subscriptions", "Subscriptions currently disabled",
                              registry=registry)
