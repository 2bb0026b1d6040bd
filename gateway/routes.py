"""Which service owns which `/api/v1/<resource>`, how long the gateway waits for it and how much it takes."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

from gateway.ratelimit import TokenBucketLimiter
from gateway.settings import GatewaySettings

API_PREFIX = "/api/v1/"
# Paths outside the API the gateway answers itself (readiness and metrics with a 404: they live on the
# operations port, the pages' own included); every other one (`/`, `/assets/...`) goes to the web pages.
OWN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
WEB_SERVICE = "web"

# resource (first path segment after /api/v1/) -> owning service
ROUTES: dict[str, str] = {
    "suppliers": "suppliers",
    "agreements": "suppliers",
    "categories": "catalogue",
    "offerings": "catalogue",
    "shortlists": "catalogue",
    "eligibility": "catalogue",
    "accreditation": "accreditation",
    "accreditations": "accreditation",
    "courses": "training",
    "sessions": "training",
    "registry": "hub",
    "subscriptions": "partners",
    "events": "partners",
    "assistant": "assistant",
    "assurance": "assurance",
}

# path glob -> seconds; routes not listed wait settings.upstream_timeout_seconds.
ROUTE_TIMEOUTS: dict[str, float] = {
    "/api/v1/registry/export*": 120.0,
    "/api/v1/registry/*/export*": 120.0,
    "/api/v1/registry/rebuild": 300.0,
    "/api/v1/events*": 40.0,  # the feed holds a request up to 30 s (wait=) while nothing arrives
}

# path glob -> bytes; routes not listed take request bodies up to settings.max_request_body_bytes.
ROUTE_BODY_LIMITS: dict[str, int] = {}

# "METHOD path glob" -> "<count>/<second|minute|hour>": a budget of its own per caller (its client, else its
# address) on top of the general one. Anonymous registration would otherwise mint a supplier, and with it
# a rate-limit identity and draft storage, per request; a whole-registry export costs far more than a read.
# A setting of "off" lifts a rule.
ROUTE_RATE_LIMITS: dict[str, str] = {
    "POST /api/v1/suppliers": "10/hour",
    "GET /api/v1/registry/export*": "6/minute",
    "GET /api/v1/registry/*/export*": "6/minute",
}
PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}


@dataclass(frozen=True)
class Route:
    """One resource's forwarding target, with everything the hot path needs precomputed."""

    resource: str
    service: str
    base_url: str
    timeout: float
    client_timeout: aiohttp.ClientTimeout
    overrides: tuple[tuple[re.Pattern[str], float, aiohttp.ClientTimeout], ...] = ()
    body_limit: int = 1024 * 1024
    body_limits: tuple[tuple[re.Pattern[str], int], ...] = ()
    rate_limits: tuple[RouteRateLimit, ...] = ()
    # The http.route of every request forwarded here (the gateway matches the resource's prefix).
    template: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "template", f"{API_PREFIX}{self.resource}")

    def timeouts_for(self, path: str) -> tuple[float, aiohttp.ClientTimeout]:
        """The header deadline and aiohttp timeouts for this request path."""
        for pattern, seconds, client_timeout in self.overrides:
            if pattern.match(path):
                return seconds, client_timeout
        return self.timeout, self.client_timeout

    def body_limit_for(self, path: str) -> int:
        """The largest request body this path accepts, in bytes."""
        for pattern, limit in self.body_limits:
            if pattern.match(path):
                return limit
        return self.body_limit

    def rate_limit_for(self, method: str, path: str) -> RouteRateLimit | None:
        """The route's own budget this request spends, if one applies."""
        for rule in self.rate_limits:
            if rule.method == method and rule.pattern.match(path):
                return rule
        return None

    def url(self, raw_path: bytes, query_string: bytes) -> URL:
        """The upstream URL, path and query passed through byte for byte."""
        target = self.base_url + raw_path.decode("latin-1")
        if query_string:
            target += "?" + query_string.decode("latin-1")
        return URL(target, encoded=True)


def _client_timeout(seconds: float) -> aiohttp.ClientTimeout:
    # No total: a long CSV stream may take longer than the wait for its first byte. `connect` also
    # bounds the wait for a free pooled connection; sock_read bounds every silence of the service.
    return aiohttp.ClientTimeout(total=None, connect=seconds, sock_read=seconds)


def _globs_of(resource: str, globs: dict[str, float]) -> list[tuple[re.Pattern[str], float]]:
    """The globs under this resource as patterns, the most specific (longest) first."""
    mine = [(g, value) for g, value in globs.items() if g.startswith(f"{API_PREFIX}{resource}")]
    return [(re.compile(fnmatch.translate(g)), value) for g, value in sorted(mine, key=lambda item: -len(item[0]))]


@dataclass(frozen=True)
class RouteRateLimit:
    """One "METHOD path glob" rule and the buckets of its callers."""

    rule: str
    method: str
    pattern: re.Pattern[str]
    limiter: TokenBucketLimiter

    @classmethod
    def parse(cls, rule: str, budget: str) -> RouteRateLimit:
        """`rule` as "METHOD /path/glob", `budget` as "<count>/<second|minute|hour>"."""
        method, _, glob = rule.partition(" ")
        count, _, period = budget.partition("/")
        if not glob.startswith(API_PREFIX) or not count.isdigit() or int(count) < 1 or period not in PERIODS:
            raise ValueError(f"route rate limit {rule!r}: {budget!r} is not '<count>/<second|minute|hour>' "
                             f"on 'METHOD {API_PREFIX}...'")
        return cls(rule, method.upper(), re.compile(fnmatch.translate(glob)),
                   TokenBucketLimiter(int(count) / PERIODS[period], int(count)))


def _rate_limits_of(resource: str, rules: list[RouteRateLimit]) -> tuple[RouteRateLimit, ...]:
    """The rules under this resource, the most specific (longest glob) first."""
    mine = [rule for rule in rules if rule.rule.partition(" ")[2].startswith(f"{API_PREFIX}{resource}")]
    return tuple(sorted(mine, key=lambda rule: -len(rule.rule)))


class RouteTable:
    """Matches a request path to its Route in one dict lookup."""

    def __init__(self, settings: GatewaySettings):
        upstreams = {name: url.rstrip("/") for name, url in settings.upstreams().items()}
        timeouts = ROUTE_TIMEOUTS | settings.route_timeouts
        body_limits = ROUTE_BODY_LIMITS | settings.route_body_limits
        default = settings.upstream_timeout_seconds
        budgets = ROUTE_RATE_LIMITS | settings.route_rate_limits
        rate_limits = [RouteRateLimit.parse(rule, budget) for rule, budget in budgets.items() if budget != "off"]
        self.routes: dict[str, Route] = {}
        for resource, service in ROUTES.items():
            overrides = tuple((pattern, s, _client_timeout(s)) for pattern, s in _globs_of(resource, timeouts))
            self.routes[resource] = Route(resource, service, upstreams[service], default,
                                          _client_timeout(default), overrides, settings.max_request_body_bytes,
                                          tuple(_globs_of(resource, body_limits)),
                                          _rate_limits_of(resource, rate_limits))
        self.upstreams = upstreams
        # The pages, after the API: a path under /api/v1/ never reaches them.
        web_url = settings.web_url.rstrip("/")
        self.web = Route(WEB_SERVICE, WEB_SERVICE, web_url, default, _client_timeout(default),
                         body_limit=settings.max_request_body_bytes)

    def match(self, path: str) -> Route | None:
        """The route for `/api/v1/<resource>[/...]`, or None."""
        end = path.find("/", 8)
        return self.routes.get(path[8:] if end < 0 else path[8:end])

    def match_page(self, path: str) -> Route | None:
        """The web pages' route for a path outside the API, unless the gateway answers it itself."""
        return None if path.startswith(API_PREFIX) or path in OWN_PATHS else self.web

    def resources_of(self, service: str) -> list[str]:
        return [resource for resource, owner in ROUTES.items() if owner == service]
