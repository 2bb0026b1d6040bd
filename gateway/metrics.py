"""Prometheus metrics of one gateway app, in its own registry."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0)


class GatewayMetrics:
    """Requests by route and status, latency by route, upstream failures by service and kind."""

    content_type = CONTENT_TYPE_LATEST

    # Every kind the proxy counts, so each series exists at zero from the start (a rate over a series that
    # appears only with its first failure misses that failure).
    UPSTREAM_ERROR_KINDS = ("timeout", "unavailable", "bad-response", "stream-broken")

    def __init__(self, services: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry()
        self._requests = Counter("gateway_requests", "Requests answered, by route and status",
                                 ["route", "status"], registry=self.registry)
        self._latency = Histogram("gateway_request_duration_seconds", "Time to the response headers, by route",
                                  ["route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self._upstream_errors = Counter("gateway_upstream_errors", "Upstream failures, by service and kind",
                                        ["service", "kind"], registry=self.registry)
        for service in services:
            for kind in self.UPSTREAM_ERROR_KINDS:
                self._upstream_errors.labels(service, kind)
        # labels() takes a lock and builds a tuple each time; the children never change, so keep them.
        self._request_children: dict[tuple[str, int], Counter] = {}
        self._latency_children: dict[str, Histogram] = {}

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        counter = self._request_children.get((route, status))
        if counter is None:
            counter = self._request_children[(route, status)] = self._requests.labels(route, str(status))
        counter.inc()
        histogram = self._latency_children.get(route)
        if histogram is None:
            histogram = self._latency_children[route] = self._latency.labels(route)
        histogram.observe(seconds)

    def upstream_error(self, service: str, kind: str) -> None:
        self._upstream_errors.labels(service, kind).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
