"""`make run` (python -m deploy.local.run) brings everything up, seeds it and stops it all on Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from deploy.local.run import READY_BANNER, SERVICES
from deploy.local.seed import OFFERINGS, SUPPLIERS, dev_secret
from events import TOPICS
from servicekit.broker import free_port, port_open
from servicekit.settings import REPO_ROOT
from testsupport.helpers import supplier_body
from testsupport.otlp_receiver import OtlpReceiver, ReceivedSpan

# A bound on start and seeding, not a speed check: on a loaded 2-core machine the services alone took 35 s, and
# seeding the offerings (each assessed, accepted and published) another 36 s.
START_TIMEOUT = 180.0
STOP_TIMEOUT = 15.0


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _one_trace(receiver: OtlpReceiver, trace_id: str, deadline: float) -> list[ReceivedSpan]:
    """The spans of a registration's trace, once every consumer of the topic it wrote has processed it."""
    while True:
        spans = receiver.trace(trace_id)
        sends = [span for span in spans if span.kind == "PRODUCER"]
        topics = {span.attributes["messaging.destination.name"] for span in sends}
        consumers = {service for topic in topics for service in TOPICS[topic].consumers}
        processed = {span.service for span in spans if span.kind == "CONSUMER"}
        if sends and consumers <= processed:
            return spans
        assert time.monotonic() < deadline, f"sends to {topics}, processed by {processed}: {spans}"
        time.sleep(0.2)


def _check_registration_trace(http: httpx.Client, receiver: OtlpReceiver, deadline: float) -> None:
    """One registration through the gateway is one trace, from the gateway's span to every consumer's."""
    trace_id = os.urandom(16).hex()
    registered = http.post("/api/v1/suppliers", json=supplier_body(legal_name="Traced Limited"),
                           headers={"traceparent": f"00-{trace_id}-{os.urandom(8).hex()}-01"})
    assert registered.status_code == 201, registered.text
    spans = _one_trace(receiver, trace_id, deadline)
    by_id = {span.span_id: span for span in spans}

    def parent(span: ReceivedSpan) -> ReceivedSpan:
        assert span.parent_id in by_id, f"{span.service} {span.name} has no parent in the trace"
        return by_id[span.parent_id]

    (gateway,) = [s for s in spans if s.service == "gateway" and s.kind == "SERVER"]
    (forward,) = [s for s in spans if s.service == "gateway" and s.kind == "CLIENT"]
    (handled,) = [s for s in spans if s.service == "suppliers" and s.kind == "SERVER"]
    assert gateway.name == forward.name == "POST /api/v1/suppliers" and parent(forward) == gateway
    assert handled.name == "POST /api/v1/suppliers" and handled.attributes["http.route"] == "/api/v1/suppliers"
    assert parent(handled) == forward
    for send in (s for s in spans if s.kind == "PRODUCER"):
        # The relay publishes after the request's commit: its span continues the trace the outbox row kept.
        assert send.service == "suppliers" and send.name == f"send {send.attributes['messaging.destination.name']}"
        assert parent(send) == handled
    for process in (s for s in spans if s.kind == "CONSUMER"):
        send = parent(process)
        assert send.kind == "PRODUCER" and process.name == f"process {send.attributes['messaging.destination.name']}"
        assert process.attributes["messaging.consumer.group.name"] == process.service
        assert process.attributes["messaging.message.id"] == send.attributes["messaging.message.id"]
    # The hub applies records in batches: its batch span is in a trace of its own, linked to each producer.
    sends = {f"{trace_id}/{s.span_id}" for s in spans if s.kind == "PRODUCER"}
    assert any(sends & set(span.links) for span in receiver.spans if span.service == "hub"), "no hub batch link"


@pytest.mark.runs_long
def test_make_run_starts_seeds_and_stops(tmp_path: Path):
    ports = {name: free_port() for name in [*SERVICES, "web", "gateway", "broker", "partner-receiver"]}
    env = {key: value for key, value in os.environ.items()
           if key != "KAFKA_BOOTSTRAP_SERVERS" and not key.endswith("_DATABASE_URL")}
    env |= {f"{name.upper()}_PORT": str(ports[name]) for name in [*SERVICES, "web", "gateway"]}
    env |= {"MARKETPLACE_BROKER_PORT": str(ports["broker"]), "MARKETPLACE_VAR_DIR": str(tmp_path),
            "MARKETPLACE_READY_TIMEOUT": str(START_TIMEOUT),
            "MARKETPLACE_PARTNER_RECEIVER_PORT": str(ports["partner-receiver"])}
    # Every process exports its spans to one receiver, as to a collector; the batches leave every 100 ms.
    receiver = OtlpReceiver(free_port()).start()
    env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    gateway = f"http://127.0.0.1:{ports['gateway']}"

    supervisor = subprocess.Popen([sys.executable, "-m", "deploy.local.run"], cwd=REPO_ROOT, env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_read_lines, args=(supervisor.stdout, lines), daemon=True).start()
    output: list[str] = []
    child_pids: list[int] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT + 5
        while not any(line.startswith(READY_BANNER) for line in output):
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("no ready line in time:\n" + "".join(output)) from None
            assert line is not None, "the supervisor exited:\n" + "".join(output)
            output.append(line)
            if " pid " in line:
                child_pids.append(int(line.split(" pid ")[1].split()[0]))
        # the services, the demo partner's receiver, the web pages, the gateway, the broker
        assert len(child_pids) == len(SERVICES) + 4, "".join(output)
        # The first address the ready message gives is the web pages'.
        assert lines.get(timeout=5).split() == ["web", f"{gateway}/", "(sign", "in", "as", "buyer,", "assessor,",
                                                "admin", "or", "partner)"]

        with httpx.Client(base_url=gateway, timeout=10) as http:
            assert http.get("/healthz").status_code == 200
            home = http.get("/")
            assert home.status_code == 200 and "<h1>Find AI for the public service</h1>" in home.text
            docs = http.get("/api/v1/docs")
            assert docs.status_code == 200 and "swagger" in docs.text.lower()

            token = http.post("/api/v1/auth/token", data={
                "grant_type": "client_credentials", "client_id": "admin", "client_secret": dev_secret("admin")})
            assert token.status_code == 200, token.text
            admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
            listed = http.get("/api/v1/suppliers", params={"limit": 100}, headers=admin)
            assert listed.status_code == 200, listed.text
            names = {supplier["legal_name"] for supplier in listed.json()["data"]}
            assert names == {body["legal_name"] for body in SUPPLIERS.values()}
            kauri = next(s for s in listed.json()["data"] if s["legal_name"] == SUPPLIERS["kauri"]["legal_name"])
            assert kauri["org_id"] == f"NZ-NZBN-{SUPPLIERS['kauri']['nzbn']}"
            assert all(supplier["status"] == "active" for supplier in listed.json()["data"])
            agreements = http.get("/api/v1/agreements", params={"limit": 100, "status": "active"},
                                  headers=admin).json()["data"]
            assert {a["type"] for a in agreements} == {"marketplace", "strategic_partnership"}
            assert len([a for a in agreements if a["type"] == "marketplace"]) == len(SUPPLIERS)
            offerings = http.get("/api/v1/offerings", params={"limit": 100}).json()["data"]
            assert len(offerings) == sum(len(entries) for entries in OFFERINGS.values())
            assert all(o["status"] == "published" and o["assurance_records"] for o in offerings)
            _check_registration_trace(http, receiver, time.monotonic() + START_TIMEOUT)

        # Everything lives in the var dir it was given: databases and JSON-line logs.
        for name in SERVICES:
            assert (tmp_path / f"{name}.db").exists(), name
        first = (tmp_path / "log" / "suppliers.log").read_text().splitlines()[0]
        assert first.startswith("{") and '"service":"suppliers"' in first

        # The demo partner's receiver got the seeded offerings, delivered by the partners service.
        deadline = time.monotonic() + START_TIMEOUT
        receiver_log = tmp_path / "log" / "partner-receiver.log"
        while "nz.govt.marketplace.offering.published.v1" not in receiver_log.read_text():
            assert time.monotonic() < deadline, receiver_log.read_text()
            time.sleep(0.2)

        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(STOP_TIMEOUT) == 0, "".join(output)
        left = [pid for pid in child_pids if _alive(pid)]
        assert not left, f"still running after SIGINT: {left}"
        assert not [name for name, port in ports.items() if port_open(port)]
    finally:
        receiver.stop()
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
        for pid in child_pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
