"""Types, CloudEvents Subscriptions filters, sinks and the retry schedule, as pure functions."""

from __future__ import annotations

import asyncio
import random
import socket
from datetime import datetime, timezone

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver

from partners.delivery.schedule import SCHEDULE, retry_after, retry_delay
from partners.subscription.matching import BadInput, EventFacts, check_filters, normalise_types, wants
from partners.subscription.sinks import RefusingResolver, check_sink

PUBLISHED = EventFacts(type="nz.govt.marketplace.offering.published.v1", source="/services/catalogue",
                       subject="o-1")


def test_types_are_normalised_and_checked():
    assert normalise_types(["offering.*", "nz.govt.marketplace.course.published.v1", "offering.*"]) == [
        "nz.govt.marketplace.offering.*", "nz.govt.marketplace.course.published.v1"]
    for bad, why in [("offering.created.v1", "not an event type partners"), ("application.*", "matches no"),
                     ("nonsense", "not an event type")]:
        with pytest.raises(BadInput, match=why) as caught:
            normalise_types(["offering.*", bad])
        assert caught.value.field == "types.1"


@pytest.mark.parametrize("filters, expected", [
    ([], True),
    ([{"exact": {"subject": "o-1"}}], True),
    ([{"exact": {"subject": "o-2"}}], False),
    ([{"prefix": {"type": "nz.govt.marketplace.offering."}}], True),
    ([{"suffix": {"type": ".retired.v1"}}], False),
    ([{"not": {"suffix": {"type": ".retired.v1"}}}], True),
    ([{"any": [{"exact": {"subject": "x"}}, {"exact": {"source": "/services/catalogue"}}]}], True),
    ([{"all": [{"exact": {"subject": "o-1"}}, {"exact": {"source": "/services/hub"}}]}], False),
    ([{"exact": {"subject": "o-1"}}, {"prefix": {"source": "/services/hub"}}], False),
])
def test_filter_dialects(filters, expected):
    assert wants(["nz.govt.marketplace.offering.*"], check_filters(filters), PUBLISHED) is expected


def test_types_must_match_too():
    assert not wants(["nz.govt.marketplace.course.*"], [], PUBLISHED)
    assert wants(["*"], [], PUBLISHED)


@pytest.mark.parametrize("filters, field", [
    ([{"exact": {"data": "x"}}], "filters.0.exact.data"),
    ([{"prefix": {"type": ""}}], "filters.0.prefix.type"),
    ([{"exact": {"type": "a", "subject": "b"}}], "filters.0.exact"),
    ([{"sql": "type = 'a'"}], "filters.0"),
    ([{"all": []}], "filters.0.all"),
    ([{"exact": {"type": "a"}}, {"any": [{"not": {"nope": {}}}]}], "filters.1.any.0.not"),
    (["type"], "filters.0"),
])
def test_malformed_filters_name_the_place(filters, field):
    with pytest.raises(BadInput) as caught:
        check_filters(filters)
    assert caught.value.field == field


@pytest.mark.parametrize("url, why", [
    ("http://partner.example/hook", "https"),
    ("https://127.0.0.1/hook", "loopback"),
    ("https://localhost:8443/hook", "loopback"),
    ("https://10.1.2.3/hook", "private"),
    ("https://192.168.0.10/hook", "private"),
    ("https://169.254.169.254/latest/meta-data", "link-local"),
    ("https://[::1]/hook", "loopback"),
    ("https://[::ffff:10.0.0.1]/hook", "private"),
    ("https://[fd00:ec2::254]/", "metadata"),
    ("https://user:pw@8.8.8.8/hook", "credentials"),
    ("ftp://8.8.8.8/hook", "https"),
    ("https://does-not-resolve.invalid/hook", "does not resolve"),
])
async def test_sinks_outside_development_refuse_what_could_reach_the_inside(url, why):
    with pytest.raises(BadInput, match=why):
        await check_sink(url, development=False)


async def test_public_https_sinks_pass_and_development_allows_loopback_http():
    assert await check_sink("https://8.8.8.8/hook", development=False) == "https://8.8.8.8/hook"
    assert await check_sink("http://127.0.0.1:9000/hook", development=True)


def test_the_retry_schedule_is_svix_s_scaled_with_jitter():
    rng = random.Random(1)
    assert [retry_delay(n, scale=1, jitter=0) for n in range(len(SCHEDULE))] == list(SCHEDULE)
    assert retry_delay(len(SCHEDULE), scale=1, jitter=0) is None
    jittered = [retry_delay(2, scale=0.01, jitter=0.2, rng=rng) for _ in range(50)]
    assert all(2.4 <= d <= 3.6 for d in jittered) and len(set(jittered)) > 1


def test_retry_after_takes_seconds_or_a_date():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    assert retry_after("7", now=now) == 7
    assert retry_after("Thu, 03 Dec 2026 12:01:00 GMT", now=now) == 60
    assert retry_after("soon", now=now) is None and retry_after(None, now=now) is None
    assert retry_after("99999999", now=now) == max(SCHEDULE)


class _Rebound(AbstractResolver):
    """A name whose record now points at loopback, as after a DNS rebinding."""

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0,
                 "flags": socket.AI_NUMERICHOST}, {"hostname": host, "host": "10.1.2.3", "port": port,
                                                   "family": socket.AF_INET, "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self):
        pass


@pytest.mark.parametrize("guarded", [False, True])
async def test_a_delivery_never_connects_to_an_address_the_sink_check_refuses(guarded):
    connections = []

    async def accept(reader, writer):
        connections.append(writer)
        await reader.read(1024)
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    resolver = RefusingResolver(_Rebound()) if guarded else _Rebound()
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as http:
            if not guarded:  # the same name, unguarded, reaches this machine's own listener
                async with http.post(f"http://partner.example:{port}/hook", data=b"{}") as answer:
                    assert answer.status == 204 and len(connections) == 1
                return
            with pytest.raises(aiohttp.ClientConnectorError, match="may not reach"):
                await http.post(f"http://partner.example:{port}/hook", data=b"{}")
            assert connections == []
    finally:
        server.close()
        await server.wait_closed()


async def test_the_guard_keeps_the_public_addresses_of_a_name():
    class Mixed(_Rebound):
        async def resolve(self, host, port=0, family=socket.AF_INET):
            return [*await super().resolve(host, port, family),
                    {"hostname": host, "host": "8.8.4.4", "port": port, "family": socket.AF_INET, "proto": 0,
                     "flags": socket.AI_NUMERICHOST}]

    answers = await RefusingResolver(Mixed()).resolve("partner.example", 443)
    assert [answer["host"] for answer in answers] == ["8.8.4.4"]
