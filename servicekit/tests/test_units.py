"""Small pieces: clock, background job helpers, backoff, broker reachability and client options, test helpers."""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from servicekit import bus
from servicekit.bus import Backoff, Pace, _connection_options, broker_reachable, create_consumer, create_producer
from servicekit.broker import EmbeddedBroker, free_port, port_open
from servicekit.clock import Clock, SettableClock
from servicekit.identity import DEV_JWKS, Identity, KeySet, verify_identity
from servicekit.jobs import every, keep_running
from servicekit.settings import ServiceSettings
from servicekit.testing import eventually, identity_headers


def test_clock_is_utc():
    now = Clock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_settable_clock_stands_still_until_moved():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    clock = SettableClock(start)
    assert clock.now() == clock.now() == start
    assert clock.advance(hours=2, minutes=30) == start + timedelta(hours=2, minutes=30)
    clock.set(start)
    assert clock.now() == start


async def test_keep_running_restarts_failed_work_and_stops_on_cancel():
    runs = []

    async def work():
        runs.append(len(runs))
        if len(runs) < 3:
            raise RuntimeError("transient")
        await asyncio.sleep(3600)

    task = asyncio.create_task(keep_running("test", work, pause=0.01))
    await eventually(lambda: _value(len(runs) == 3))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert runs == [0, 1, 2]


async def test_keep_running_restarts_work_that_returns():
    runs = []

    async def work():
        runs.append(1)

    task = asyncio.create_task(keep_running("test", work, pause=0.01))
    await eventually(lambda: _value(len(runs) >= 3))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_every_repeats_the_work():
    calls = []

    async def work():
        calls.append(asyncio.get_running_loop().time())

    task = asyncio.create_task(every(0.02, work))
    await eventually(lambda: _value(len(calls) >= 3))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    # Each call waits the whole interval after the one before (a loop that did not wait would call back to back).
    gaps = [later - earlier for earlier, later in zip(calls, calls[1:])]
    assert gaps and all(gap >= 0.019 for gap in gaps), gaps  # the loop may wake a tick early


async def test_backoff_doubles_up_to_the_cap_and_resets(monkeypatch):
    slept = []

    async def fake_sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    backoff = Backoff(first=0.5, cap=3.0)
    for _ in range(5):
        await backoff.wait()
    backoff.reset()
    await backoff.wait()
    assert slept == [0.5, 1.0, 2.0, 3.0, 3.0, 0.5]


async def test_broker_reachable(broker):
    closed = f"127.0.0.1:{free_port()}"
    assert await broker_reachable(ServiceSettings(kafka_bootstrap_servers=broker.bootstrap_servers))
    assert not await broker_reachable(ServiceSettings(kafka_bootstrap_servers=closed), timeout=0.5)
    assert await broker_reachable(ServiceSettings(kafka_bootstrap_servers=f"{closed}, {broker.bootstrap_servers}"))
    assert not await broker_reachable(ServiceSettings(kafka_bootstrap_servers="no-port-here"), timeout=0.5)


def test_connection_options_for_sasl_over_tls():
    settings = ServiceSettings(kafka_bootstrap_servers="k1:9093,k2:9093", kafka_security_protocol="SASL_SSL",
                               kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_username="svc",
                               kafka_sasl_password="pw")
    options = _connection_options(settings)
    assert options["bootstrap_servers"] == "k1:9093,k2:9093"
    assert options["security_protocol"] == "SASL_SSL"
    assert (options["sasl_mechanism"], options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "SCRAM-SHA-512", "svc", "pw")
    assert options["ssl_context"] is not None
    plain = _connection_options(ServiceSettings())
    assert "sasl_mechanism" not in plain and "ssl_context" not in plain


def test_clients_follow_the_settings(monkeypatch):
    monkeypatch.setattr(bus, "AIOKafkaProducer", lambda **options: options)
    monkeypatch.setattr(bus, "AIOKafkaConsumer", lambda *topics, **options: (topics, options))
    settings = ServiceSettings(service_name="svc", kafka_enable_idempotence=True, kafka_session_timeout_ms=6000,
                               kafka_fetch_max_wait_ms=50)
    producer = create_producer(settings)
    assert (producer["enable_idempotence"], producer["acks"], producer["client_id"]) == (True, "all", "svc")
    topics, consumer = create_consumer(settings, "svc-group", ["a.v1", "b.v1"])
    assert topics == ("a.v1", "b.v1")
    assert consumer["group_id"] == "svc-group"
    assert consumer["enable_auto_commit"] is False, "offsets are committed by the runner only"
    assert consumer["auto_offset_reset"] == "earliest"
    assert (consumer["session_timeout_ms"], consumer["fetch_max_wait_ms"]) == (6000, 50)


def test_embedded_broker_restarts_on_the_same_port(tmp_path):
    running = EmbeddedBroker(log_file=tmp_path / "broker.log")
    running.start()
    try:
        port = running.port
        assert port_open(port)
        running.stop()
        assert not port_open(port)
        running.start()
        assert running.port == port and port_open(port)
        assert running.bootstrap_servers == f"127.0.0.1:{port}"
    finally:
        running.stop()


async def test_eventually_gives_up_with_the_last_result():
    async def never():
        return []

    with pytest.raises(AssertionError, match=r"within 0.1s \(last result: \[\]\)"):
        await eventually(never, timeout=0.1, interval=0.01)


def test_identity_headers_are_what_the_gateway_sends():
    identity = Identity(subject="carol", roles=frozenset({"assessor"}))
    [(name, value)] = identity_headers(identity, "training").items()
    assert name == "x-marketplace-identity"
    assert verify_identity(value, KeySet(DEV_JWKS), audience="training") == identity


async def _value(result):
    return result


async def test_a_pace_lets_the_first_items_go_at_once_then_holds_the_average_rate():
    now, waits = [100.0], []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    pace = Pace(50, clock=lambda: now[0], sleep=sleep)
    await pace.take(50)  # not behind: no wait
    await pace.take(50)  # the first 50 took a second's budget
    await pace.take(25)
    assert waits == [1.0, 1.0]
    now[0] += 10  # idle for a while: the budget does not pile up beyond going at once again
    await pace.take(50)
    assert waits == [1.0, 1.0]
    await pace.take(1)
    assert waits == [1.0, 1.0, 1.0]


async def test_no_pace_never_waits():
    async def sleep(seconds: float) -> None:
        raise AssertionError("waited")

    pace = Pace(0, sleep=sleep)
    for _ in range(3):
        await pace.take(1000)
