"""Failure behaviour against the real broker: outages, redelivery, poison records, dead services."""

import asyncio
import socket
import dataclasses
import os
import subprocess
import sys
import time

import pytest

from events import Envelope, source_for
from events.suppliers import SUPPLIER_TOPIC, SupplierVerified
from events.topics import dead_letter_topic
from servicekit.broker import EmbeddedBroker
from servicekit.replay import read_from_start
from servicekit.testing import TcpProxy, create_postgres_database, drop_postgres_database, eventually
from testsupport.helpers import projected_supplier, supplier_body
from testsupport.kafka_tools import header, produce_raw, read_topic
from testsupport.stack import SERVICES, Stack


@pytest.fixture
def stack_services() -> tuple[str, ...]:
    """Suppliers and the catalogue: the failures are those of one producer and one consumer."""
    return ("suppliers", "catalogue")


def consumed(stack: Stack, outcome: str) -> float:
    metrics = stack.servers["catalogue"].app.state.metrics
    return metrics.consumed.labels(SUPPLIER_TOPIC.name, outcome)._value.get()


async def offsets_committed(stack: Stack) -> bool:
    consumer = stack.servers["catalogue"].app.state.consumer._consumer
    if consumer is None:
        return False
    for partition in consumer.assignment():
        if (await consumer.committed(partition) or 0) < (consumer.highwater(partition) or 0):
            return False
    return True


async def delivery_state(stack: Stack, broker: EmbeddedBroker, ids: list[str]) -> str:
    """What the outbox, the broker and the consumer hold, to explain a delivery that did not happen."""
    from sqlalchemy import select

    from servicekit.tables import OutboxRecord

    async with stack.servers["suppliers"].app.state.database.transaction() as session:
        rows = (await session.execute(select(OutboxRecord))).scalars().all()
    consumer = stack.servers["catalogue"].app.state.consumer._consumer
    positions = []
    for partition in sorted(consumer.assignment()) if consumer else []:
        positions.append((partition.topic, partition.partition, await consumer.position(partition),
                          consumer.highwater(partition), await consumer.committed(partition)))
    records = await read_topic(broker.bootstrap_servers, SUPPLIER_TOPIC.name, timeout=3)
    outcomes = {o: consumed(stack, o) for o in ("applied", "duplicate", "stale", "dead_lettered")}
    return (f"outbox={[(r.id, r.subject[:8], r.published_at is not None) for r in rows]} "
            f"topic={[(r.partition, r.offset, r.key[:8]) for r in records]} positions={positions} "
            f"outcomes={outcomes} expected={[i[:8] for i in ids]}")


@pytest.fixture
async def stack_on_own_broker(own_broker, database_urls):
    running = Stack(bootstrap_servers=own_broker.bootstrap_servers,
                    database_urls={name: await database_urls(name) for name in SERVICES})
    await running.start()
    yield running
    await running.stop()


async def test_registrations_during_a_broker_outage_all_arrive_once(stack_on_own_broker, own_broker):
    stack = stack_on_own_broker
    before = await stack.client.post("/api/v1/suppliers", json=supplier_body())
    await projected_supplier(stack, before.json()["id"])
    # The embedded broker forgets everything when stopped: an offset commit still in flight would
    # land on the new, empty broker and skip its first records. Stop only once it has landed.
    await eventually(lambda: offsets_committed(stack))

    own_broker.stop()
    ids = []
    for i in range(5):
        response = await stack.client.post("/api/v1/suppliers", json=supplier_body(legal_name=f"Outage {i} Ltd"))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    ready = await stack.client.get(f"{stack.servers['suppliers'].url}/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["broker"] is False

    own_broker.start()
    try:
        for supplier_id in ids:
            await projected_supplier(stack, supplier_id)
    except AssertionError as failure:
        raise AssertionError(await delivery_state(stack, own_broker, ids)) from failure
    listing = await stack.client.get("/api/v1/eligibility/suppliers?limit=200", headers=await stack.as_role("admin"))
    projected_ids = [row["id"] for row in listing.json()["data"]]
    assert sorted(projected_ids) == sorted([before.json()["id"], *ids])  # each exactly once


async def test_the_same_event_delivered_twice_is_applied_once(stack, broker):
    response = await stack.client.post("/api/v1/suppliers", json=supplier_body())
    supplier_id = response.json()["id"]
    first = await projected_supplier(stack, supplier_id)
    records = await read_topic(broker.bootstrap_servers, SUPPLIER_TOPIC.name,
                               until=lambda rs: any(r.key == supplier_id.encode() for r in rs))
    original = next(r for r in records if r.key == supplier_id.encode())
    duplicates_before = consumed(stack, "duplicate")

    await produce_raw(broker.bootstrap_servers, SUPPLIER_TOPIC.name, original.value, key=original.key,
                      headers=list(original.headers))

    async def duplicate_seen():
        return consumed(stack, "duplicate") > duplicates_before

    await eventually(duplicate_seen)
    again = await projected_supplier(stack, supplier_id)
    assert again["applied_at"] == first["applied_at"]


async def test_poison_records_go_to_the_dead_letter_topic_and_the_consumer_carries_on(stack, broker):
    topic = SUPPLIER_TOPIC.name
    marker = f"poison-{stack.run_id}"
    await produce_raw(broker.bootstrap_servers, topic, b"{not json", key=marker.encode(),
                      headers=[("ce_id", f"{marker}-1".encode()), ("ce_type", b"x")])
    await produce_raw(broker.bootstrap_servers, topic, b'{"aggregate_id": "x", "version": 1}', key=marker.encode(),
                      headers=[("ce_id", f"{marker}-2".encode()), ("ce_source", b"/services/suppliers"),
                               ("ce_specversion", b"1.0"), ("ce_type", b"nz.govt.marketplace.supplier.teleported.v1"),
                               ("ce_subject", marker.encode()), ("content-type", b"application/json")])

    response = await stack.client.post("/api/v1/suppliers", json=supplier_body())
    await projected_supplier(stack, response.json()["id"])

    group = stack.settings_for("catalogue").consumer_group
    def mine(records):
        return [r for r in records if (header(r, "ce_id") or "").startswith(marker)]

    parked = mine(await read_topic(broker.bootstrap_servers, dead_letter_topic(topic, group),
                                   until=lambda rs: len(mine(rs)) >= 2))
    assert sorted(header(r, "ce_id") for r in parked) == [f"{marker}-1", f"{marker}-2"]
    for record in parked:
        assert header(record, "dlt_origin_topic") == topic
        assert header(record, "dlt_origin_offset").isdigit()
        assert header(record, "dlt_origin_partition").isdigit()
    errors = {header(r, "ce_id"): header(r, "dlt_error") for r in parked}
    assert "malformed" in errors[f"{marker}-1"]
    assert "no handler" in errors[f"{marker}-2"]


async def test_an_event_from_another_source_than_the_topics_producer_is_refused(stack, broker):
    # A forged "verified" event for a supplier, put on the suppliers' topic under another service's name.
    registered = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    await projected_supplier(stack, registered["id"])
    original = next(r for r in await read_topic(broker.bootstrap_servers, SUPPLIER_TOPIC.name,
                                                until=lambda rs: any(r.key == registered["id"].encode() for r in rs))
                    if r.key == registered["id"].encode())
    genuine = Envelope.from_record(original.headers, original.value)
    data = genuine.data | {"version": 2, "supplier": genuine.data["supplier"] | {"status": "active"}}
    forged = dataclasses.replace(genuine, id=f"forged-{stack.run_id}", type=SupplierVerified.TYPE, data=data,
                                 source=source_for("catalogue"))
    await produce_raw(broker.bootstrap_servers, SUPPLIER_TOPIC.name, forged.value(), key=forged.key,
                      headers=forged.headers())

    group = stack.settings_for("catalogue").consumer_group
    parked = await read_topic(broker.bootstrap_servers, dead_letter_topic(SUPPLIER_TOPIC.name, group),
                              until=lambda rs: any(header(r, "ce_id") == forged.id for r in rs))
    error = next(header(r, "dlt_error") for r in parked if header(r, "ce_id") == forged.id)
    assert "is not '/services/suppliers', the producer of" in error
    assert (await projected_supplier(stack, registered["id"]))["status"] == "pending_verification"
    metrics = stack.servers["catalogue"].app.state.metrics
    # Other runs' forged records share the topic, so the count is at least this one.
    assert metrics.refused.labels(SUPPLIER_TOPIC.name, "source")._value.get() >= 1
    # A projection rebuilt from the topic does not take it either.
    replayed = [event.aggregate_id for event in await read_from_start(stack.settings_for("catalogue"),
                                                                       [SUPPLIER_TOPIC.name])
                if isinstance(event, SupplierVerified)]
    assert registered["id"] not in replayed


async def test_a_stopped_service_gives_503_within_the_gateway_timeout(stack):
    await stack.servers["catalogue"].stop()
    started = time.monotonic()
    response = await stack.client.get("/api/v1/eligibility/suppliers/anything", headers=await stack.as_role("admin"))
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 503
    assert elapsed < 3.0
    await stack.start_service("catalogue")
    ok = await stack.client.get("/api/v1/eligibility/suppliers", headers=await stack.as_role("admin"))
    assert ok.status_code == 200


async def test_bad_json_and_wrong_types_are_422_naming_the_field(stack):
    bad_json = await stack.client.post("/api/v1/suppliers", content=b'{"legal_name": ',
                                       headers={"content-type": "application/json"})
    assert bad_json.status_code == 422
    assert bad_json.headers["content-type"] == "application/problem+json"
    assert bad_json.json()["errors"][0]["field"] == "body"

    wrong_type = await stack.client.post("/api/v1/suppliers", json=supplier_body(maori_business="perhaps", size=7))
    assert wrong_type.status_code == 422
    assert {e["field"] for e in wrong_type.json()["errors"]} == {"maori_business", "size"}

    unknown = await stack.client.post("/api/v1/suppliers", json=supplier_body(favourite_colour="teal"))
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["favourite_colour"]


async def test_services_started_before_the_broker_wait_for_it(database_urls, tmp_path):
    late_broker = EmbeddedBroker(log_file=tmp_path / "late-broker.log")
    # Hold its port until it starts: a port that is only chosen could be taken meanwhile by another process on a
    # busy machine (another test's broker, say), and the services would find a broker there. Bound, not
    # listening: a connection is refused as with no broker, and the broker (SO_REUSEADDR too) may bind it.
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", late_broker.port))
    stack = Stack(bootstrap_servers=late_broker.bootstrap_servers,
                  database_urls={name: await database_urls(name) for name in SERVICES},
                  skip_history=False)  # nothing to skip on a broker not yet started, and nothing to ask it
    await stack.start()
    try:
        response = await stack.client.post("/api/v1/suppliers", json=supplier_body())
        assert response.status_code == 201
        not_ready = await stack.client.get(f"{stack.servers['catalogue'].url}/readyz")
        assert not_ready.status_code == 503
        await asyncio.sleep(1.0)  # the relay and the consumer are retrying by now
        holder.close()
        late_broker.start()
        await projected_supplier(stack, response.json()["id"])
    finally:
        holder.close()
        await stack.stop()
        late_broker.stop()


async def test_a_database_outage_is_503_with_retry_after_through_the_gateway(broker):
    """The suppliers service's PostgreSQL, reached through a proxy, is cut and comes back."""
    proxy = await TcpProxy("127.0.0.1", 5432).start()
    url = await create_postgres_database("test_suppliers")
    stack = Stack(bootstrap_servers=broker.bootstrap_servers, services=("suppliers",),
                  database_urls={"suppliers": url.replace(":5432/", f":{proxy.port}/")})
    await stack.start()
    try:
        admin = await stack.as_role("admin")
        registered = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
        await proxy.cut()
        for response in [await stack.client.post("/api/v1/suppliers", json=supplier_body()),
                         await stack.client.get(f"/api/v1/suppliers/{registered['id']}", headers=admin)]:
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["retry-after"]) > 0
        await proxy.restore()
        assert (await stack.client.get(f"/api/v1/suppliers/{registered['id']}", headers=admin)).status_code == 200
        assert (await stack.client.post("/api/v1/suppliers", json=supplier_body())).status_code == 201
    finally:
        await stack.stop()
        await proxy.stop()
        await drop_postgres_database(url)


@pytest.mark.runs_long
async def test_dead_letters_are_listed_and_applied_again_once_the_cause_is_fixed(stack, monkeypatch):
    from catalogue.offering import handlers
    from servicekit import dead_letters

    registered = (await stack.client.post("/api/v1/suppliers", json=supplier_body())).json()
    follow = handlers.follow_eligibility

    async def broken(session, supplier_id, **kwargs):
        if supplier_id == registered["id"]:
            raise RuntimeError("eligibility rules unavailable")
        await follow(session, supplier_id, **kwargs)

    monkeypatch.setattr(handlers, "follow_eligibility", broken)
    await stack.client.post(f"/api/v1/suppliers/{registered['id']}/verify", headers=await stack.as_role("admin"))
    runner = dead_letters.runner_of(stack.servers["catalogue"].app)

    async def parked():
        letters = [d for d in await dead_letters.dead_letters(runner) if d.record.key == registered["id"].encode()]
        return letters if len(letters) == 2 else None  # registered and verified, each failed three times

    letters = await eventually(parked)
    assert {d.event_type.rsplit(".", 2)[-2] for d in letters} == {"registered", "verified"}
    assert all("eligibility rules unavailable" in d.error and d.origin.startswith(SUPPLIER_TOPIC.name)
               for d in letters)
    admin = await stack.as_role("admin")
    known = await stack.client.get(f"/api/v1/eligibility/suppliers/{registered['id']}", headers=admin)
    assert known.status_code == 404  # both changes rolled back with their handler

    monkeypatch.setattr(handlers, "follow_eligibility", follow)
    ids = {d.event_id for d in letters}
    assert await dead_letters.replay(runner, ids) == {"applied": 2}
    assert (await projected_supplier(stack, registered["id"]))["status"] == "active"
    # Once more changes nothing: the inbox has both.
    assert await dead_letters.replay(runner, ids) == {"duplicate": 2}
    # The same list from the command an operator runs beside the service, with the service's settings.
    settings = stack.settings_for("catalogue")
    env = os.environ | {"CATALOGUE_DATABASE_URL": settings.database_url,
                        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
                        "CATALOGUE_CONSUMER_GROUP": settings.consumer_group}
    listed = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "servicekit.dead_letters",
                                                       "catalogue.main:build"],
                                     env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert ids <= {line.split("\t")[0] for line in listed.stdout.splitlines()}
