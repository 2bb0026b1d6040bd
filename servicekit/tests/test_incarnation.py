"""Telling a broker that lost its data: cluster id changes, logs that start again, positions past the end."""

import time
from datetime import datetime, timedelta, timezone

from servicekit.broker import EmbeddedBroker
from servicekit.bus import create_producer
from servicekit.incarnation import BrokerIncarnation, cluster_id, position_beyond_end
from servicekit.settings import ServiceSettings

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_same_cluster_id_is_the_same_broker():
    seen = BrokerIncarnation(window=HOUR)
    assert seen.observe_cluster("a", at(0)) is None
    assert seen.observe_cluster("a", at(10)) is None
    assert seen.observe_cluster(None, at(20)) is None, "a broker too old to say is no sign"


def test_a_new_cluster_id_accounts_for_the_window_when_the_lost_broker_was_running_already():
    seen = BrokerIncarnation(window=HOUR)
    seen.observe_cluster("a", at(0))
    seen.observe_cluster("a", at(50))
    # It was running before this client started: what it held goes back as far as the window allows.
    assert seen.observe_cluster("b", at(60)) == at(60) - HOUR


def test_a_broker_seen_to_begin_is_accounted_for_from_when_the_one_before_was_last_heard():
    seen = BrokerIncarnation(window=HOUR)
    seen.observe_cluster("a", at(0))
    seen.observe_cluster("a", at(50))
    seen.observe_cluster("b", at(60))  # b began after a last answered, at 50
    seen.observe_cluster("b", at(70))
    assert seen.observe_cluster("c", at(80)) == at(50)
    assert seen.observe_cluster("c", at(90)) is None
    assert seen.observe_cluster("d", at(95)) == at(70)


def test_a_loss_never_reaches_back_further_than_the_window():
    seen = BrokerIncarnation(window=timedelta(seconds=30))
    seen.observe_cluster("a", at(0))
    seen.observe_cluster("b", at(10))  # b began after 0
    assert seen.observe_cluster("c", at(100)) == at(70)


def test_acknowledged_offsets_going_back_mean_a_new_log():
    seen = BrokerIncarnation(window=HOUR)
    assert seen.observe_offset("t", 0, 0, at(0)) is None
    assert seen.observe_offset("t", 0, 5, at(1)) is None
    assert seen.observe_offset("t", 1, 0, at(2)) is None, "another partition has its own offsets"
    assert seen.observe_offset("t", 0, 6, at(3)) is None
    assert seen.observe_offset("t", 0, 2, at(10)) == at(10) - HOUR
    # The new log goes on from where it is; the next loss counts from the last word of the old one.
    assert seen.observe_offset("t", 0, 3, at(11)) is None
    assert seen.observe_offset("t", 1, 0, at(12)) is None, "the new broker's first record on partition 1"
    assert seen.observe_offset("t", 0, 0, at(20)) == at(3)


def test_a_position_past_the_end_of_the_log_means_the_log_started_again():
    assert position_beyond_end(50, 10)
    assert not position_beyond_end(10, 10), "caught up"
    assert not position_beyond_end(3, 10)
    assert not position_beyond_end(None, 10) and not position_beyond_end(5, None)


async def test_the_embedded_broker_has_a_new_cluster_id_each_time_it_starts(tmp_path):
    running = EmbeddedBroker(log_file=tmp_path / "broker.log")
    ids = []
    try:
        for _ in range(2):
            running.start()
            producer = create_producer(ServiceSettings(kafka_bootstrap_servers=running.bootstrap_servers))
            await producer.start()
            try:
                ids.append(await cluster_id(producer.client))
                assert await cluster_id(producer.client) == ids[-1]
            finally:
                await producer.stop()
            running.stop()
    finally:
        running.stop()
    assert None not in ids and ids[0] != ids[1]


async def test_the_embedded_broker_stops_at_once_with_clients_connected(tmp_path):
    """On SIGTERM Tansu waits about 5 s for connected clients (and `stop` used to kill it then); SIGINT ends it."""
    running = EmbeddedBroker(log_file=tmp_path / "broker.log")
    running.start()
    producer = create_producer(ServiceSettings(kafka_bootstrap_servers=running.bootstrap_servers))
    await producer.start()
    try:
        await producer.send_and_wait("servicekit.stop-test.v1", b"x")
        process = running.process
        started = time.monotonic()
        running.stop()
        assert time.monotonic() - started < 4.0
        assert process.returncode == 0, "it exited by itself, it was not killed"
    finally:
        running.stop()
        await producer.stop()
