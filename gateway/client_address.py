"""Who the client is: the peer address, or what a trusted proxy says in X-Forwarded-For."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

_FORWARDED_FOR = b"x-forwarded-for"


class ClientAddresses:
    """Finds a request's client address, believing X-Forwarded-For only from listed proxies.

    With no trusted proxies the peer is the client and X-Forwarded-For is ignored, so a caller
    cannot pick its own rate-limit key. Behind trusted proxies the client is the right-most address
    of X-Forwarded-For that is not itself a trusted proxy: everything to its left was written by
    the client and proves nothing.
    """

    def __init__(self, trusted_proxies: Iterable[str]):
        self.networks = [ipaddress.ip_network(entry, strict=False) for entry in trusted_proxies]

    def is_trusted(self, address: str) -> bool:
        if not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def of(self, scope) -> str:
        """The client's address for this ASGI scope ("unknown" without a peer)."""
        client = scope.get("client")
        peer = client[0] if client else "unknown"
        if not self.is_trusted(peer):
            return peer
        address = peer
        for hop in reversed(forwarded_for(scope)):
            try:
                hop = str(ipaddress.ip_address(hop))
            except ValueError:
                # Not an address: the proxy to its right is as far as anything can be told.
                return address
            address = hop
            if not self.is_trusted(hop):
                return hop
        return address

    def forwarded_chain(self, scope) -> list[str]:
        """The X-Forwarded-For hops to pass on: the client's own claims only from a trusted peer."""
        client = scope.get("client")
        peer = client[0] if client else None
        earlier = forwarded_for(scope) if peer is not None and self.is_trusted(peer) else []
        return [*earlier, peer] if peer is not None else earlier


def client_key(scope, addresses: ClientAddresses) -> str:
    """Rate-limit key of an anonymous caller: its address."""
    return "ip:" + addresses.of(scope)


def forwarded_for(scope) -> list[str]:
    """Every X-Forwarded-For hop, left to right, across repeated headers."""
    hops: list[str] = []
    for name, value in scope["headers"]:
        if name == _FORWARDED_FOR:
            hops += [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
    return hops
