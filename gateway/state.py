"""What the gateway's handlers share: built once from the settings by gateway.main, read by the rest."""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry import trace

from gateway.auth import ClientStore
from gateway.client_address import ClientAddresses
from gateway.metrics import GatewayMetrics
from gateway.openapi import OpenApiAggregator
from gateway.pools import UpstreamPools
from gateway.ratelimit import TokenBucketLimiter
from gateway.routes import RouteTable
from gateway.settings import GatewaySettings
from gateway.supplier_clients import ClientRevocations
from gateway.tokens import Authenticator, TokenIssuer
from servicekit.identity import IdentitySigner


@dataclass
class GatewayState:
    """The parts of one gateway that the proxy and the gateway's own endpoints both use."""

    settings: GatewaySettings
    routes: RouteTable
    addresses: ClientAddresses
    pools: UpstreamPools
    metrics: GatewayMetrics
    tracer: trace.Tracer
    # None when tokens come from an external identity provider (settings.jwks_url).
    issuer: TokenIssuer | None
    clients: ClientStore
    authenticator: Authenticator
    # Signs the identity header of every forwarded request and of the gateway's own calls to services.
    signer: IdentitySigner
    # Supplier tokens end soon after a rotation or deregistration; None when the gateway issues no tokens.
    revocations: ClientRevocations | None
    # Every request, per token subject or client address.
    limiter: TokenBucketLimiter
    # Token requests, per client address and per client id.
    token_limiter: TokenBucketLimiter
    token_client_limiter: TokenBucketLimiter
    openapi: OpenApiAggregator
