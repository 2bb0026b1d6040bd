"""The fault run: `make chaos` (python -m chaos.run [SCENARIO ...]).

For each scenario a marketplace of real processes starts afresh on loopback: the embedded broker, the
suppliers and catalogue services on PostgreSQL databases of their own (the suppliers service reaches its
database through a TCP proxy this process can cut), and the gateway in front. Registrations are posted
through the gateway at a steady rate (CHAOS_RATE, 20 a second) while the scenario's fault happens; then
the run waits until every acknowledged registration is in the catalogue's projection, or gives up.

Per scenario it prints what was sent and how it was answered (2xx, 503, other 5xx, 500, connection
errors), the rows the suppliers service holds, how many acknowledged registrations the catalogue
applied, how many it applied more than once (doubled), how many never arrived (lost), and the time from
the end of the fault until everything acknowledged had arrived. It exits non-zero when anything
acknowledged is lost or doubled, or any 500 appears. CHAOS_RUNS repeats the whole set.

It also prints the p99 of the registrations' response times before the fault and while it lasts. For the
two catch-up scenarios (the catalogue stopped while registrations go on, then started to catch up on the
backlog on the same cores) "while it lasts" is the catch-up itself: unpaced, and paced at
CHAOS_CATCH_UP_RATE records a second (the consumer_max_records_per_second setting).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from events.suppliers import SUPPLIER_TOPIC
from servicekit.broker import EmbeddedBroker, free_port
from servicekit.settings import REPO_ROOT
from servicekit.testing import TcpProxy, create_postgres_database, drop_postgres_database
from testsupport.helpers import supplier_body
from testsupport.processes import start_uvicorn

# Each registration hashes a new client secret (PBKDF2), tens of milliseconds of CPU: on 2 cores a much
# higher rate only queues requests behind each other until the gateway's timeout.
RATE = float(os.environ.get("CHAOS_RATE", "20"))
WARM_UP_SECONDS = 5.0  # load before the fault
COOL_DOWN_SECONDS = 5.0  # load after the fault is over
CONVERGE_SECONDS = float(os.environ.get("CHAOS_CONVERGE_SECONDS", "180"))
READY_SECONDS = 90.0
IN_FLIGHT = 100  # requests open at once; past it the writer waits, and its rate drops
REGISTERED = "%.supplier.registered.%"
WORK_DIR = REPO_ROOT / "var" / "chaos"
DUPLICATED = 50
BACKLOG_SECONDS = 40.0  # how long the catalogue is stopped in the catch-up scenarios
CATCH_UP_RATE = os.environ.get("CHAOS_CATCH_UP_RATE", "100")


@dataclass
class Process:
    """One uvicorn child on a fixed loopback port, which a scenario may kill and start again."""

    name: str
    target: str
    port: int
    env: dict[str, str]
    log: Path
    ready_path: str = "/healthz"
    popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.popen = start_uvicorn(self.target, self.port, self.env, self.log)

    async def ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                assert self.popen.poll() is None, f"{self.name} exited; see {self.log}"
                try:
                    if (await http.get(self.url + self.ready_path)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready within {READY_SECONDS:g} s; see {self.log}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        self.popen.send_signal(sig)
        try:
            self.popen.wait(15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


@dataclass
class Tally:
    """What the writer sent and how each was answered; `acknowledged` holds the ids answered 201."""

    sent: int = 0
    answers: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)  # each status other than 201, for the record
    acknowledged: list[str] = field(default_factory=list)
    timings: list[tuple[float, float]] = field(default_factory=list)  # (sent at, seconds to the answer)

    def p99_ms(self, since: float, until: float) -> float | None:
        """The 99th percentile of the response times of requests sent in [since, until), in ms."""
        times = sorted(seconds for at, seconds in self.timings if since <= at < until)
        return times[min(len(times) - 1, int(len(times) * 0.99))] * 1000 if times else None

    def count(self, status: int) -> None:
        if status != 201:
            self.statuses[str(status)] += 1
        kind = "2xx" if 200 <= status < 300 else "503" if status == 503 else "500" if status == 500 else (
            "5xx" if status >= 500 else "4xx")
        self.answers[kind] += 1


class Writer:
    """Posts registrations through the gateway at RATE a second (open loop, up to IN_FLIGHT at once)."""

    def __init__(self, gateway_url: str):
        self.http = httpx.AsyncClient(base_url=gateway_url, timeout=30,
                                      limits=httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=50))
        self.tally = Tally()
        self.slots = asyncio.Semaphore(IN_FLIGHT)
        self.tasks: set[asyncio.Task] = set()

    async def run(self) -> None:
        started = time.monotonic()
        while True:
            await self.slots.acquire()
            task = asyncio.create_task(self._one())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            self.tally.sent += 1
            await asyncio.sleep(max(0.0, started + self.tally.sent / RATE - time.monotonic()))

    async def _one(self) -> None:
        sent_at = time.monotonic()
        try:
            response = await self.http.post("/api/v1/suppliers", json=supplier_body(legal_name="Chaos Limited"))
        except httpx.TransportError:
            self.tally.answers["connection error"] += 1
        else:
            self.tally.timings.append((sent_at, time.monotonic() - sent_at))
            self.tally.count(response.status_code)
            if response.status_code == 201:
                self.tally.acknowledged.append(response.json()["id"])
        finally:
            self.slots.release()

    async def finish(self) -> None:
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.http.aclose()


class Marketplace:
    """The broker, suppliers and catalogue on PostgreSQL, and the gateway, as separate processes."""

    def __init__(self, work_dir: Path):
        self.work_dir = work_dir
        self.broker = EmbeddedBroker(port=free_port(), log_file=work_dir / "broker.log")
        self.database_urls: dict[str, str] = {}
        self.database_proxy: TcpProxy | None = None
        self.processes: dict[str, Process] = {}
        # The part of the fault the latency figures cover; the scenario narrows it when only part matters.
        self.window: tuple[float, float] | None = None

    async def __aenter__(self) -> Marketplace:
        self.broker.start()
        for name in ("suppliers", "catalogue"):
            self.database_urls[name] = await create_postgres_database(f"chaos_{name}")
        self.database_proxy = await TcpProxy("127.0.0.1", 5432).start()
        common = {"ENVIRONMENT": "development", "KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap_servers,
                  "LOG_LEVEL": "WARNING"}
        suppliers_db = self.database_urls["suppliers"].replace(":5432/", f":{self.database_proxy.port}/")
        self.processes = {
            "suppliers": Process("suppliers", "suppliers.main:app", free_port(),
                                 common | {"SUPPLIERS_DATABASE_URL": suppliers_db}, self.work_dir / "suppliers.log"),
            "catalogue": Process("catalogue", "catalogue.main:app", free_port(),
                                 common | {"CATALOGUE_DATABASE_URL": self.database_urls["catalogue"]},
                                 self.work_dir / "catalogue.log")}
        # Every registration comes from this one address: the general and route limits are opened for the run.
        self.processes["gateway"] = Process("gateway", "gateway.main:app", free_port(), common | {
            "GATEWAY_SUPPLIERS_URL": self.processes["suppliers"].url,
            "GATEWAY_CATALOGUE_URL": self.processes["catalogue"].url,
            "GATEWAY_RATE_LIMIT_PER_SECOND": "100000", "GATEWAY_RATE_LIMIT_BURST": "100000",
            "GATEWAY_ROUTE_RATE_LIMITS": '{"POST /api/v1/suppliers": "off"}'}, self.work_dir / "gateway.log")
        for process in self.processes.values():
            process.start()
        for name in ("suppliers", "catalogue"):
            self.processes[name].ready_path = "/readyz"
        await asyncio.gather(*(process.ready() for process in self.processes.values()))
        for name in ("suppliers", "catalogue"):
            self.processes[name].ready_path = "/healthz"  # a restart is back once it answers; readiness may lag
        return self

    async def __aexit__(self, *exc) -> None:
        for process in self.processes.values():
            if process.popen and process.popen.poll() is None:
                process.kill(signal.SIGTERM)
        self.broker.stop()
        if self.database_proxy is not None:
            await self.database_proxy.stop()
        for url in self.database_urls.values():
            await drop_postgres_database(url)

    async def restart(self, name: str, *, sig: int = signal.SIGKILL) -> None:
        self.processes[name].kill(sig)
        self.processes[name].start()
        await self.processes[name].ready()

    async def query(self, service: str, sql: str, *args) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self.database_urls[service].replace("postgresql+asyncpg", "postgresql"))
        try:
            return await connection.fetch(sql, *args)
        finally:
            await connection.close()

    async def duplicates_refused(self) -> float:
        async with httpx.AsyncClient(timeout=10) as http:
            text = (await http.get(self.processes["catalogue"].url + "/metrics")).text
        return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
                   if sample.name == "consumer_events_total" and sample.labels.get("outcome") == "duplicate")

    async def applied(self) -> Counter:
        """Registrations the catalogue applied: supplier id -> times (an event applied twice counts twice)."""
        rows = await self.query("catalogue", "SELECT subject FROM inbox WHERE consumer_group = 'catalogue' "
                                             "AND event_type LIKE $1", REGISTERED)
        return Counter(row["subject"] for row in rows)


# The faults. Each returns once the fault is over (whatever was stopped is back).

async def kill_consumer(market: Marketplace) -> None:
    """SIGKILL of the catalogue while it applies a batch; started again 3 s later."""
    market.processes["catalogue"].kill()
    await asyncio.sleep(3)
    market.processes["catalogue"].start()
    await market.processes["catalogue"].ready()


async def kill_producer(market: Marketplace) -> None:
    """SIGKILL of the suppliers service with requests in flight; started again 2 s later."""
    market.processes["suppliers"].kill()
    await asyncio.sleep(2)
    market.processes["suppliers"].start()
    await market.processes["suppliers"].ready()


async def cut_database(market: Marketplace) -> None:
    """The suppliers service's PostgreSQL connections cut, and new ones refused, for 10 s."""
    await market.database_proxy.cut()
    await asyncio.sleep(10)
    await market.database_proxy.restore()


async def stop_broker(market: Marketplace) -> None:
    """The broker stopped for 15 s and started again on the same port (the embedded one, empty)."""
    market.broker.stop()
    await asyncio.sleep(15)
    market.broker.start()


async def duplicate_records(market: Marketplace) -> None:
    """The topic's first DUPLICATED records written to it again, as a producer's retry or a replay would."""
    consumer = AIOKafkaConsumer(bootstrap_servers=market.broker.bootstrap_servers, enable_auto_commit=False)
    producer = AIOKafkaProducer(bootstrap_servers=market.broker.bootstrap_servers)
    await consumer.start()
    await producer.start()
    try:
        partitions = [TopicPartition(SUPPLIER_TOPIC.name, p)
                      for p in sorted(consumer.partitions_for_topic(SUPPLIER_TOPIC.name) or {0})]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records, deadline = [], time.monotonic() + 10
        while len(records) < DUPLICATED and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=DUPLICATED - len(records))
            records += [record for part in batch.values() for record in part]
        for record in records:
            await producer.send_and_wait(record.topic, record.value, key=record.key, headers=list(record.headers),
                                         partition=record.partition)
    finally:
        await producer.stop()
        await consumer.stop()


async def restart_gateway(market: Marketplace) -> None:
    """The gateway stopped (SIGTERM) under load and started again on the same port."""
    await market.restart("gateway", sig=signal.SIGTERM)


async def catch_up(market: Marketplace, *, paced: bool = False) -> None:
    """The catalogue stopped for BACKLOG_SECONDS while registrations go on, then started on the same cores
    as the suppliers service; over once it has caught up with the registrations the suppliers hold.
    The latency window is the catch-up alone."""
    catalogue = market.processes["catalogue"]
    catalogue.kill(signal.SIGTERM)
    await asyncio.sleep(BACKLOG_SECONDS)
    catalogue.env["CATALOGUE_CONSUMER_MAX_RECORDS_PER_SECOND"] = CATCH_UP_RATE if paced else "0"
    started = time.monotonic()
    catalogue.start()
    await catalogue.ready()
    deadline = started + CONVERGE_SECONDS
    while time.monotonic() < deadline:
        held = (await market.query("suppliers", "SELECT count(*) AS n FROM suppliers"))[0]["n"]
        if sum((await market.applied()).values()) >= held - RATE:  # within a second of new registrations
            break
        await asyncio.sleep(0.5)
    market.window = (started, time.monotonic())


async def catch_up_paced(market: Marketplace) -> None:
    await catch_up(market, paced=True)


SCENARIOS = {"consumer-killed": kill_consumer, "producer-killed": kill_producer, "database-cut": cut_database,
             "broker-restarted": stop_broker, "record-duplicated": duplicate_records,
             "gateway-restarted": restart_gateway, "catch-up": catch_up, "catch-up-paced": catch_up_paced}


@dataclass
class Outcome:
    scenario: str
    sent: int
    answers: dict
    statuses: dict
    rows: int
    acknowledged: int
    projected: int
    doubled: int
    lost: int
    refused_again: float  # records the catalogue's inbox recognised as applied already (since it last started)
    converge_seconds: float | None
    p99_before_ms: float | None = None  # registrations' response times before the fault
    p99_during_ms: float | None = None  # and during it (the catch-up alone, in the catch-up scenarios)
    during_seconds: float | None = None  # how long "during" lasted

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.doubled or self.answers.get("500"))


async def run_scenario(name: str, work_dir: Path) -> Outcome:
    work_dir.mkdir(parents=True, exist_ok=True)
    async with Marketplace(work_dir) as market:
        writer = Writer(market.processes["gateway"].url)
        writing = asyncio.create_task(writer.run())
        began = time.monotonic()
        await asyncio.sleep(WARM_UP_SECONDS)
        fault_began = time.monotonic()
        await SCENARIOS[name](market)
        fault_over = time.monotonic()
        during = market.window or (fault_began, fault_over)
        await asyncio.sleep(COOL_DOWN_SECONDS)
        writing.cancel()
        await writer.finish()
        acknowledged = set(writer.tally.acknowledged)
        converged = None
        while time.monotonic() < fault_over + COOL_DOWN_SECONDS + CONVERGE_SECONDS:
            applied = await market.applied()
            if acknowledged <= set(applied):
                converged = time.monotonic() - fault_over
                break
            await asyncio.sleep(0.5)
        applied = await market.applied()
        rows = (await market.query("suppliers", "SELECT count(*) AS n FROM suppliers"))[0]["n"]
        refused = await market.duplicates_refused()
    return Outcome(name, writer.tally.sent, dict(writer.tally.answers), dict(writer.tally.statuses), rows, len(acknowledged),
                   len(acknowledged & set(applied)), sum(1 for times in applied.values() if times > 1),
                   len(acknowledged - set(applied)), refused, converged,
                   writer.tally.p99_ms(began + 1, fault_began), writer.tally.p99_ms(*during), during[1] - during[0])


COLUMNS = ("scenario", "sent", "2xx", "4xx", "503", "5xx", "500", "conn err", "rows", "projected", "doubled", "lost",
           "seen again", "converged", "p99 before", "p99 during", "during")


def row(outcome: Outcome) -> list[str]:
    answers = outcome.answers
    converged = "never" if outcome.converge_seconds is None else f"{outcome.converge_seconds:.1f} s"
    return [outcome.scenario, *(str(value) for value in (
        outcome.sent, answers.get("2xx", 0), answers.get("4xx", 0), answers.get("503", 0), answers.get("5xx", 0), answers.get("500", 0),
        answers.get("connection error", 0), outcome.rows, f"{outcome.projected}/{outcome.acknowledged}",
        outcome.doubled, outcome.lost, int(outcome.refused_again))), converged,
        *("-" if ms is None else f"{ms:.0f} ms" for ms in (outcome.p99_before_ms, outcome.p99_during_ms)),
        "-" if outcome.during_seconds is None else f"{outcome.during_seconds:.1f} s"]


def table(outcomes: list[Outcome]) -> str:
    rows = [list(COLUMNS), *(row(outcome) for outcome in outcomes)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(r, widths)) for r in rows)


async def main(names: list[str], runs: int) -> int:
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        print(f"unknown scenarios {sorted(unknown)}; known: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    failed = False
    results = []
    for run in range(1, runs + 1):
        outcomes = []
        for name in names or list(SCENARIOS):
            outcome = await run_scenario(name, WORK_DIR / f"run-{run}" / name)
            outcomes.append(outcome)
            print(f"run {run}: {name} done, lost {outcome.lost}, doubled {outcome.doubled}", flush=True)
        print(f"\nrun {run} of {runs}, {RATE:g} registrations a second\n{table(outcomes)}\n", flush=True)
        failed |= any(outcome.failed for outcome in outcomes)
        results.append([asdict(outcome) for outcome in outcomes])
    (WORK_DIR / "results.json").write_text(json.dumps(results, indent=1))
    print("FAILED: something acknowledged was lost or doubled, or a 500 was answered" if failed else
          "every acknowledged registration applied exactly once, no 500")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:], int(os.environ.get("CHAOS_RUNS", "1")))))
