"""Prometheus metrics of one gateway app, in its own registry."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0)


class GatewayMetrics:
    """Requests by method, route and status with their duration, upstream failures by service and kind."""

    content_type = CONTENT_TYPE_LATEST

    # Every kind the proxy counts, so each series exists at zero from the start (a rate over a series that
    # appears only with its first failure misses that failure).
    UPSTREAM_ERROR_KINDS = ("timeout", "unavailable", "bad-response", "stream-broken")

    def __init__(self, services: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry()
        # The OpenTelemetry HTTP convention's http.server.request.duration under its Prometheus name, as in
        # every service; its _count is the number of requests answered. The time runs to the response headers.
        self._duration = Histogram("http_server_request_duration_seconds", "Duration of HTTP server requests",
                                   ["http_request_method", "http_route", "http_response_status_code"],
                                   buckets=LATENCY_BUCKETS, registry=self.registry)
        self._upstream_errors = Counter("gateway_upstream_errors", "Upstream failures, by service and kind",
                                        ["service", "kind"], registry=self.registry)
        for service in services:
            for kind in self.UPSTREAM_ERROR_KINDS:
                self._upstream_errors.labels(service, kind)
        # labels() takes a lock and builds a tuple each time; the children never change, so keep them.
        self._children: dict[tuple[str, str, int], Histogram] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request; `route` is the route template ("" when no route matched)."""
        histogram = self._children.get((method, route, status))
        if histogram is None:
            histogram = self._children[(method, route, status)] = self._duration.labels(method, route, str(status))
        histogram.observe(seconds)

    def upstream_error(self, service: str, kind: str) -> None:
        self._upstream_errors.labels(service, kind).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
