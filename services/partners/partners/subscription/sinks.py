"""Where a subscription may deliver: https, and never to this service's own network (no server-side request
forgery) outside development."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from partners.subscription.matching import BadInput

RESOLVE_TIMEOUT_SECONDS = 3.0
# Cloud metadata endpoints that are not in a link-local range (AWS's IPv6 one, Alibaba's).
METADATA_ADDRESSES = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}


def refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a sink may not resolve to this address, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for test, name in ((address.is_loopback, "a loopback"), (address.is_link_local, "a link-local"),
                       (address.is_private, "a private"), (address.is_multicast, "a multicast"),
                       (address.is_unspecified, "an unspecified"), (address.is_reserved, "a reserved")):
        if test:
            return f"{name} address"
    return None


async def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


async def check_sink(url: str, *, development: bool, field: str = "sink") -> str:
    """The sink URL once it may be delivered to; raises BadInput naming the field."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as exc:
        raise BadInput(field, f"is not a URL: {exc}") from exc
    allowed = ("https", "http") if development else ("https",)
    if parts.scheme not in allowed:
        raise BadInput(field, "must be an https URL" + ("" if development else " (plain http only in development)"))
    if not parts.hostname:
        raise BadInput(field, "has no host")
    if parts.username or parts.password:
        raise BadInput(field, "must not carry credentials; authenticate deliveries by their signature")
    if development:
        return url
    try:
        addresses = await resolve(parts.hostname)
    except (OSError, asyncio.TimeoutError, UnicodeError) as exc:
        raise BadInput(field, f"host {parts.hostname} does not resolve") from exc
    for address in addresses:
        if reason := refused_address(address):
            raise BadInput(field, f"host {parts.hostname} resolves to {reason} ({address}), which is not delivered to")
    return url


class RefusingResolver(AbstractResolver):
    """The resolver of every delivery outside development: a sink's host is resolved again for each
    connection, and the addresses the subscription check would refuse are dropped before connecting.
    Checking only when the subscription is made would let a name that first resolved to a public address
    later point at this service's own network (DNS rebinding); here the address checked is the one used."""

    def __init__(self, resolver: AbstractResolver | None = None):
        self._resolver = resolver or DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        answers = await self._resolver.resolve(host, port, family)
        allowed = [answer for answer in answers
                   if refused_address(ipaddress.ip_address(answer["host"].split("%")[0])) is None]
        if not allowed:
            refused = ", ".join(sorted({answer["host"] for answer in answers}))
            # With an errno, so that aiohttp's connection error carries this message as its reason.
            raise OSError(errno.EACCES, f"host {host} now resolves only to addresses deliveries may not reach ({refused})")
        return allowed

    async def close(self) -> None:
        await self._resolver.close()
