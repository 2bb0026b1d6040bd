"""The operations dashboard: valid JSON, and every metric it plots is one the code exposes."""

from __future__ import annotations

import json
import re

from gateway.metrics import GatewayMetrics
from hub.sync.sender import SyncMetrics
from servicekit.settings import REPO_ROOT
from servicekit.telemetry import ServiceMetrics

DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "marketplace.json"
FUNCTIONS = {"sum", "rate", "increase", "histogram_quantile", "max", "min", "avg", "by"}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def exposed() -> set[str]:
    """Every series name the services, the hub's sync and the gateway expose (labelled or not)."""
    names: set[str] = set()
    for metric in [*ServiceMetrics().registry.collect(), *GatewayMetrics(["suppliers"]).registry.collect(),
                   *_collect(SyncMetrics)]:
        names |= {metric.name + suffix for suffix in SUFFIXES.get(metric.type, ("",))}
    return names


def _collect(metrics_class):
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry()
    metrics_class(registry)
    return registry.collect()


def metrics_in(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label matchers, ranges and groupings left out)."""
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|by \([^)]*\)", "", expr)
    return {token for token in re.findall(r"[a-z_][a-z0-9_]*", bare) if token not in FUNCTIONS} - {"le"}


def test_every_panel_plots_a_metric_the_code_exposes():
    dashboard = json.loads(DASHBOARD.read_text())
    names = exposed()
    plotted = [(panel["title"], target["expr"]) for panel in dashboard["panels"] for target in panel["targets"]]
    assert plotted and len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])
    for title, expr in plotted:
        used = metrics_in(expr)
        assert used, title
        assert used <= names, f"{title}: {sorted(used - names)} is not exposed by any service or the gateway"


def test_the_operations_page_names_the_dashboard_and_the_metrics_that_mean_trouble():
    page = (REPO_ROOT / "docs" / "operations.md").read_text()
    assert "deploy/grafana/marketplace.json" in page
    for metric in ("outbox_backlog", "consumer_lag", "consumer_dead_letters_total",
                   "http_server_request_duration_seconds", "messaging_process_duration_seconds"):
        assert metric in page
