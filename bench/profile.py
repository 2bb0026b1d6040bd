"""Where one GET and one event spend their time, sampled with py-spy.

    python -m bench.profile [--seconds N] [--rate R] [--keep DIR] [--only count|request|event] [--native]
    python -m bench.profile --report DIR     # sort again the py-spy files a --keep run left

0. Counting, in this process and without a profiler: per GET, the calls handed to aiosqlite's
   thread, the SQL statements, logger checks, log records and spans.
1. Request path: the suppliers service (SQLite) under steady load on `GET /api/v1/suppliers/{id}`
   (wrk when on PATH, else the Python load generator) while py-spy records the service for N seconds.
2. Event path: suppliers and catalogue on the embedded broker, registrations posted at R per second,
   py-spy recording both processes at once (the outbox relay runs in suppliers, the consumer in the
   catalogue). Afterwards the databases give each event's times: created (before the commit),
   published (the relay saw the broker's acknowledgement), received (the consumer began applying it)
   and applied (the projection row).

py-spy samples every thread 200 times a second with `--idle`, so a thread's samples are its wall
time: the event loop waiting in epoll and aiosqlite's worker waiting on its queue are counted too,
as idle. Each sample goes to the category of the innermost frame that names one (so stdlib work
called by SQLAlchemy counts as SQLAlchemy). py-spy is in the dev dependency group.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import logging as logging_module
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx

os.environ.setdefault("ENVIRONMENT", "development")

from bench import event_latency  # noqa: E402
from bench import gateway_throughput as throughput  # noqa: E402
from bench import processes  # noqa: E402
from bench.processes import ROOT, registered_supplier, running_services  # noqa: E402
from servicekit.identity import ANONYMOUS_IDENTITY, IDENTITY_HEADER, development_signer, sign_identity  # noqa: E402

RATE_HZ = 200
READY_SECONDS = 300.0


def _patient_wait_ready(url: str, timeout: float = READY_SECONDS) -> None:
    # On a machine loaded by other work two services importing at once took over a minute to answer.
    return _wait_ready(url, max(timeout, READY_SECONDS))


_wait_ready, processes.wait_ready = processes.wait_ready, _patient_wait_ready
FALLBACK_PY_SPY = Path("/tmp/pyspy/bin/py-spy")


def py_spy() -> str:
    for candidate in (shutil.which("py-spy"), Path(sys.executable).parent / "py-spy", FALLBACK_PY_SPY):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise SystemExit("py-spy not found: `make env` installs it with the dev dependencies")


def start_recording(pid: int, seconds: float, out: Path, native: bool = False) -> subprocess.Popen:
    command = [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--rate", str(RATE_HZ), "--threads",
               # py-spy must pause the process to unwind native stacks.
               "--idle", "--full-filenames", *(["--native"] if native else ["--nonblocking"]),
               "--duration", str(int(seconds)), "-o", str(out)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_attached(recording: subprocess.Popen) -> None:
    """Until py-spy has attached and started sampling (on a busy machine that takes seconds)."""
    said = []
    for line in recording.stdout:
        if "Sampling process" in line:
            return
        said.append(line)
    raise RuntimeError(f"py-spy ended before it started sampling: {''.join(said[:5])}")


def finish_recording(recording: subprocess.Popen) -> str:
    """py-spy's own summary line ('Samples: N Errors: M')."""
    output, _ = recording.communicate(timeout=120)
    return next((line.split("py-spy> ", 1)[-1] for line in output.splitlines() if "Samples:" in line), output.strip())


# --- reading py-spy's collapsed stacks ---------------------------------------------------------

LINE = re.compile(r"^thread \((?P<tid>\d+)\)(?:: (?P<name>[^;]*))?(?:;(?P<stack>.*))? (?P<count>\d+)$")
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


@dataclass(frozen=True)
class Frame:
    function: str
    file: str
    line: int

    def in_(self, fragment: str) -> bool:
        return fragment in self.file


@dataclass
class Sample:
    thread: str
    frames: list[Frame]  # outermost first
    count: int


def read_samples(path: Path) -> tuple[list[Sample], dict[str, str]]:
    """The samples, and each thread id's name."""
    samples, names = [], {}
    for text in path.read_text().splitlines():
        match = LINE.match(text)
        if not match:
            continue
        tid = match["tid"]
        if match["name"]:
            names[tid] = match["name"]
        frames = []
        for part in (match["stack"] or "").split(";"):
            if frame := FRAME.match(part):
                frames.append(Frame(frame["function"], frame["file"], int(frame["line"] or 0)))
        samples.append(Sample(tid, frames, int(match["count"])))
    return samples, names


def thread_role(samples: list[Sample], names: dict[str, str]) -> dict[str, str]:
    """'event loop', 'aiosqlite worker' or 'other: <name>' for every thread id."""
    roles: dict[str, str] = {}
    for sample in samples:
        name = names.get(sample.thread, "")
        if name == "MainThread":
            roles[sample.thread] = "event loop"
        elif "_connection_worker_thread" in name or any(f.in_("aiosqlite/core.py") for f in sample.frames):
            roles[sample.thread] = "aiosqlite worker"
        else:
            roles.setdefault(sample.thread, f"other: {name or 'unnamed'}")
    return roles


# Innermost frame first: the first rule that matches a frame names the sample's category.
FRAME_RULES: list[tuple[str, callable]] = [
    ("aiosqlite hand-off (loop side: futures, queue, wake-up)",
     lambda f: f.in_("/aiosqlite/") or f.in_("dialects/sqlite/aiosqlite.py") or f.in_("connectors/aiosqlite.py")),
    ("SQLAlchemy async bridge (greenlet)",
     lambda f: f.in_("sqlalchemy/util/_concurrency") or f.in_("sqlalchemy/util/concurrency.py") or f.in_("/greenlet/")),
    ("SQLAlchemy connection pool", lambda f: f.in_("sqlalchemy/pool/")),
    ("SQLAlchemy session (begin/commit/close/flush)",
     lambda f: f.in_("sqlalchemy/orm/session.py") or f.in_("sqlalchemy/ext/asyncio/session.py")
     or f.in_("sqlalchemy/orm/unitofwork.py") or f.in_("sqlalchemy/orm/persistence.py")
     or f.in_("sqlalchemy/orm/state") or f.in_("sqlalchemy/orm/identity.py")),
    ("SQLAlchemy statement build/compile/cache", lambda f: f.in_("sqlalchemy/sql/")),
    ("SQLAlchemy ORM/engine (execute, rows, objects)", lambda f: f.in_("/sqlalchemy/") or f.in_("/sqlmodel/")),
    ("logging", lambda f: f.in_("/logging/")),
    ("tracing (opentelemetry)", lambda f: f.in_("/opentelemetry/")),
    ("metrics (prometheus_client)", lambda f: f.in_("/prometheus_client/")),
    ("serialisation/validation (pydantic, json)",
     lambda f: f.in_("/pydantic") or f.in_("fastapi/encoders.py") or f.in_("/json/") or f.in_("orjson")
     or f.in_("/events/")),
    ("identity check (servicekit.identity)", lambda f: f.in_("servicekit/identity.py")),
    ("servicekit middleware (headers, request id)", lambda f: f.in_("servicekit/middleware.py")),
    ("session setup (servicekit.db)", lambda f: f.in_("servicekit/db.py")),
    ("Kafka client (aiokafka)", lambda f: f.in_("/aiokafka/") or f.in_("/kafka/")),
    ("outbox relay (own code)", lambda f: f.in_("servicekit/outbox.py")),
    ("consumer (own code)", lambda f: f.in_("servicekit/consumer.py") or f.in_("servicekit/projection.py")),
    ("service code (routes, repository)", lambda f: f.in_("/suppliers/") or f.in_("/catalogue/")),
    ("FastAPI (routing, dependencies)", lambda f: f.in_("/fastapi/")),
    ("Starlette (routing, responses)", lambda f: f.in_("/starlette/")),
    ("HTTP server (uvicorn, httptools, h11)", lambda f: f.in_("/uvicorn/") or f.in_("httptools") or f.in_("/h11/")),
]
ASYNCIO = "asyncio loop machinery (not idle)"
IDLE_LOOP = "idle: event loop waiting for I/O (epoll) or in uvloop's own C code"
IDLE_WORKER = "idle: waiting on its queue for the next call"
NATIVE = (".c", ".h", ".cpp", ".hpp", ".so", "libc.so.6", "?")


def category(sample: Sample, role: str) -> str:
    frames = [f for f in sample.frames if not f.file.endswith(NATIVE) and not f.file.startswith("0x")]
    natives = [f.function for f in sample.frames if f not in frames]
    if any("take_gil" in name for name in natives):
        return "waiting for the GIL (native frames)"
    if role == "aiosqlite worker":
        return worker_category(frames)
    if not frames:
        return "no Python frame"
    leaf = frames[-1]
    if natives and "epoll" in natives[-1] and leaf.in_("asyncio/"):
        return "idle: event loop waiting in epoll (native frames)"
    if leaf.in_("asyncio/runners.py") or (leaf.in_("asyncio/base_events.py") and "run_until_complete" in leaf.function):
        # uvloop runs the loop in C: with no Python frame above the runner the loop is polling or in its own code.
        return IDLE_LOOP
    if leaf.in_("selectors.py") and "select" in leaf.function:
        return IDLE_LOOP
    if leaf.in_("threading.py") and leaf.function.endswith("wait"):
        return "idle: waiting on a lock or condition"
    if any(f.in_("sqlalchemy/pool/") and "connect" in f.function.lower() for f in frames):
        return "SQLAlchemy pool: opening a new connection"
    for frame in reversed(frames):
        for name, rule in FRAME_RULES:
            if rule(frame):
                return name
    if any(f.in_("/asyncio/") for f in frames):  # only when nothing outside asyncio names the work
        return ASYNCIO
    return f"other ({leaf.function} in {Path(leaf.file).name})"


def _aiosqlite_lines() -> dict[int, str]:
    """Lines of aiosqlite's worker loop: what the thread is doing when its innermost Python frame is there."""
    import aiosqlite.core

    lines, first = {}, aiosqlite.core._connection_worker_thread.__code__.co_firstlineno
    source = Path(aiosqlite.core.__file__).read_text().splitlines()
    for number, text in enumerate(source[first - 1:first + 30], start=first):
        if "tx.get()" in text:
            lines[number] = IDLE_WORKER
        elif "function()" in text:
            lines[number] = "running the statement (sqlite3 C code)"
        elif "call_soon_threadsafe" in text:
            lines[number] = "handing the result back to the loop (call_soon_threadsafe)"
        elif "LOG.debug" in text:
            lines[number] = "logging (LOG.debug of every call, level off)"
    return lines


WORKER_LINES = _aiosqlite_lines()


def worker_category(frames: list[Frame]) -> str:
    """aiosqlite's thread: waiting for the next call, in SQLite, or handing the result back."""
    if not frames:
        return "no Python frame"
    inner = [f for f in frames if f.in_("aiosqlite/core.py") and f.function.endswith("_connection_worker_thread")]
    if any(f.in_("/logging/") for f in frames):
        return "logging (LOG.debug of every call, level off)"
    if any(f.in_("/asyncio/") or "call_soon_threadsafe" in f.function for f in frames):
        return "handing the result back to the loop (call_soon_threadsafe)"
    if inner and frames[-1] is inner[-1]:
        return WORKER_LINES.get(inner[-1].line, f"aiosqlite worker line {inner[-1].line}")
    if inner:
        return f"in {frames[-1].function} ({Path(frames[-1].file).name})"
    return "thread start/stop"


def shares(samples: list[Sample], roles: dict[str, str], keep=lambda sample, role: True,
           classify=None) -> dict[str, Counter]:
    """{role: Counter(category -> samples)} for the samples `keep` accepts."""
    classify = classify or category
    table: dict[str, Counter] = defaultdict(Counter)
    for sample in samples:
        role = roles.get(sample.thread, "other")
        if keep(sample, role):
            table[role][classify(sample, role)] += sample.count
    return table


def print_table(title: str, counts: Counter, threads: int = 1, top: int = 25) -> None:
    total = sum(counts.values())
    print(f"\n{title}: {total} samples" + (f" over {threads} threads" if threads > 1 else ""))
    print("| category | samples | share |\n|---|---:|---:|")
    for name, count in counts.most_common(top):
        print(f"| {name} | {count} | {count / total:.1%} |")


def print_functions(title: str, samples: list[Sample], keep, top: int = 15) -> None:
    """The innermost project or library functions that took the most samples (self time by function)."""
    counts: Counter = Counter()
    for sample in samples:
        if keep(sample) and sample.frames:
            leaf = sample.frames[-1]
            counts[f"{leaf.function} ({short(leaf.file)}:{leaf.line})"] += sample.count
    total = sum(counts.values()) or 1
    print(f"\n{title}")
    for name, count in counts.most_common(top):
        print(f"  {count / total:6.1%}  {name}")


def short(file: str) -> str:
    for marker in ("site-packages/", "lib/python3.11/", str(ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def report_profile(title: str, path: Path, summary: str) -> dict[str, Counter]:
    samples, names = read_samples(path)
    roles = thread_role(samples, names)
    threads = Counter(roles.values())
    print(f"\n## {title}\npy-spy: {summary}; threads: {dict(threads)}")
    lifetimes = Counter()
    for sample in samples:
        if roles.get(sample.thread) == "aiosqlite worker":
            lifetimes[sample.thread] += sample.count
    if lifetimes:
        longest = max(lifetimes.values())
        whole = sum(v >= 0.9 * longest for v in lifetimes.values())
        print(f"aiosqlite worker threads seen: {len(lifetimes)}, of which {whole}"
              f" lived through the whole recording (the others were opened or closed during it)")
    table = shares(samples, roles)
    for role in sorted(table, key=lambda r: (r != "event loop", r)):
        print_table(f"{role}", table[role], threads[role])
    def busy(sample: Sample) -> bool:
        return roles.get(sample.thread) == "event loop" and not category(sample, "event loop").startswith("idle")
    print_functions("event loop, busy samples by innermost function (self time):", samples, busy)
    return table


# --- 1. the request path -------------------------------------------------------------------------

def request_path(args: argparse.Namespace, work: Path) -> None:
    with running_services(["suppliers"], work) as (urls, _broker):
        url = urls["suppliers"] + registered_supplier(urls["suppliers"], "Profile")
        headers = {IDENTITY_HEADER: throughput.direct_header("suppliers")}
        throughput.check(url, headers)
        pid = service_pid(urls["suppliers"])
        throughput.measure(url, headers, argparse.Namespace(loadgen=args.loadgen, connections=args.connections,
                                                            threads=1, duration=2))  # warm-up
        out = work / "request.txt"
        result: dict = {}
        recording = start_recording(pid, args.seconds, out, args.native)
        wait_attached(recording)
        load = threading.Thread(target=lambda: result.update(rate=load_for(url, headers, args, args.seconds + 2)))
        load.start()
        summary = finish_recording(recording)
        load.join()
        print(f"\nGET {url.split('127.0.0.1', 1)[1]}: {result['rate']:.0f} req/s over {args.seconds + 2:g} s, "
              f"{args.connections} connections ({'wrk' if throughput.use_wrk(args) else 'aiohttp'}), "
              f"py-spy recording the first {args.seconds:g} s of it")
        loop = report_profile("request path: suppliers service under GET load", out, summary)["event loop"]
        busy = sum(n for name, n in loop.items() if not name.startswith("idle"))
        requests = result["rate"] * args.seconds
        print(f"\nevent loop busy in {busy / sum(loop.values()):.0%} of its samples: about "
              f"{busy / RATE_HZ / requests * 1000:.2f} ms of loop time per request (py-spy samples / wrk's rate)")


def count_per_request(work: Path, requests: int = 200) -> None:
    """In this process (no py-spy): per GET, the calls handed to aiosqlite's thread, the SQL statements,
    the log records created and the spans started; and the mean time of a GET one at a time."""
    import aiosqlite.core
    from opentelemetry.sdk.trace import Tracer
    from sqlalchemy import event

    os.environ["SUPPLIERS_DATABASE_URL"] = f"sqlite+aiosqlite:///{work / 'count.db'}"
    os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")  # the relay retries in the background
    from suppliers.main import app

    counts: Counter = Counter()

    def counting(owner, name: str, key: str):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            counts[key] += 1
            return original(*args, **kwargs)
        setattr(owner, name, wrapper)

    async def run() -> float:
        async with app.router.lifespan_context(app):
            event.listen(app.state.database.engine.sync_engine, "before_cursor_execute",
                         lambda *a: counts.update(["SQL statements"]))
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(transport=transport, base_url="http://suppliers") as client:
                registered = await client.post("/api/v1/suppliers", headers={
                    IDENTITY_HEADER: sign_identity(ANONYMOUS_IDENTITY, development_signer(), audience="suppliers")},
                    json={
                    "legal_name": "Count Supplier Ltd", "nzbn": "9429039501974", "size": "small",
                    "contacts": [{"name": "Count", "email": "count@example.nz"}]})
                path = f"/api/v1/suppliers/{registered.json()['id']}"
                headers = {IDENTITY_HEADER: throughput.direct_header("suppliers")}
                for _ in range(20):
                    (await client.get(path, headers=headers)).raise_for_status()
                counting(aiosqlite.core.Connection, "_execute", "calls handed to aiosqlite's thread")
                counting(logging_module.Logger, "makeRecord", "log records created")
                counting(logging_module.Logger, "isEnabledFor", "logger level checks")
                counting(Tracer, "start_span", "spans started")
                counts.clear()
                started = time.perf_counter()
                for _ in range(requests):
                    (await client.get(path, headers=headers)).raise_for_status()
                return (time.perf_counter() - started) / requests

    mean = asyncio.run(run())
    print(f"\nper GET, in process through httpx's ASGI transport ({requests} GETs one at a time, counted, not py-spy):")
    for name, count in counts.most_common():
        print(f"  {count / requests:6.1f}  {name}")
    print(f"  {mean * 1000:6.2f}  ms mean time of one GET (timing, includes the in-process client)")


def load_for(url: str, headers: dict[str, str], args: argparse.Namespace, seconds: float) -> float:
    if throughput.use_wrk(args):
        return throughput.run_wrk(url, headers, seconds, args.connections, 1)
    return throughput.run_aiohttp_load(url, headers, seconds, args.connections)


def service_pid(base_url: str) -> int:
    """The pid of the process listening on the service's port (uvicorn runs one worker in-process)."""
    port = base_url.rsplit(":", 1)[1]
    output = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return int(re.search(r"pid=(\d+)", output).group(1))


@contextmanager
def working_directory(args: argparse.Namespace, name: str):
    """A temporary folder, or with --keep a folder that stays (databases, service logs, py-spy's files)."""
    if not args.keep:
        with tempfile.TemporaryDirectory() as work:
            yield Path(work)
        return
    work = Path(args.keep).resolve() / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    yield work


# --- 2. the event path ---------------------------------------------------------------------------

def relay_sample(sample: Sample) -> bool:
    return any(f.in_("servicekit/outbox.py") for f in sample.frames)


def consumer_sample(sample: Sample) -> bool:
    return any(f.in_("servicekit/consumer.py") for f in sample.frames)


def consumer_step(sample: Sample, role: str) -> str:
    """Which step of ConsumerRunner a consumer sample is in, then its category."""
    functions = [f.function for f in sample.frames if f.in_("servicekit/") or f.in_("aiokafka/")]
    if any(name.endswith("_watch_broker") for name in functions):
        step = "broker watch (_watch_broker, every 0.25 s)"
    elif any(name.endswith("getmany") for name in functions):
        step = "fetch (getmany)"
    elif any(name.endswith(".commit") and "aiokafka" in f.file for name, f in zip(
            [f.function for f in sample.frames], sample.frames)):
        step = "offset commit"
    elif any(name.endswith("_record_lag") for name in functions):
        step = "lag gauge (_record_lag)"
    elif any(name.endswith("_decode") for name in functions):
        step = "decode + validate the event"
    elif any(f.in_("/catalogue/") for f in sample.frames):
        step = "handler (projection + offerings)"
    elif any(name.endswith("_stale") for name in functions):
        step = "seen-version check"
    elif any(f.in_("servicekit/db.py") and f.function.endswith("transaction") for f in sample.frames):
        step = "transaction begin/commit"
    elif any(name.endswith("_apply") for name in functions):
        step = "inbox check + span"
    else:
        step = "consumer loop"
    return f"{step} / {category(sample, role)}"


def relay_step(sample: Sample, role: str) -> str:
    functions = [f.function for f in sample.frames if f.in_("servicekit/outbox.py")]
    if any("_send_in_order" in name for name in functions):
        step = "send (metadata refresh, envelope, producer.send, acks)"
    elif any("_mark" in name for name in functions):
        step = "mark published"
    elif any("_wait_for_work" in name for name in functions):
        step = "wait for the commit's signal"
    elif any("publish_pending" in name for name in functions):
        step = "read pending rows + transaction"
    else:
        step = "relay loop"
    return f"{step} / {category(sample, role)}"


async def post_at_rate(client: httpx.AsyncClient, url: str, rate: float, count: int,
                       first: int) -> tuple[list[str], Counter]:
    """Like event_latency's, but a failed registration is counted rather than ending the run."""
    headers = event_latency._signed(ANONYMOUS_IDENTITY, "suppliers")
    loop = asyncio.get_running_loop()
    start, statuses = loop.time(), Counter()

    async def one(i: int) -> str | None:
        await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        try:
            response = await client.post(f"{url}/api/v1/suppliers", headers=headers, json={
                "legal_name": f"Profile {first + i} Ltd", "nzbn": event_latency._nzbn(10_000_000 + first + i),
                "size": "small", "contacts": [{"name": "Profile", "email": "profile@example.nz"}]})
        except httpx.HTTPError as exc:
            statuses[type(exc).__name__] += 1
            return None
        statuses[response.status_code] += 1
        return response.json()["id"] if response.status_code == 201 else None

    ids = await asyncio.gather(*(one(i) for i in range(count)))
    return [i for i in ids if i], statuses


def event_path(args: argparse.Namespace, work: Path) -> None:
    with running_services(["suppliers", "catalogue"], work) as (urls, _broker):
        pids = {name: service_pid(url) for name, url in urls.items()}
        rate, count = args.rate, int(args.rate * args.seconds)

        async def load() -> list[str]:
            async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as client:
                projection = f"{urls['catalogue']}/api/v1/eligibility/suppliers"
                cold = await event_latency._post_at_rate(client, urls["suppliers"], rate, 50, first=count)
                await event_latency._wait_applied(client, projection, cold)
                recordings = {name: start_recording(pid, args.seconds, work / f"event-{name}.txt", args.native)
                              for name, pid in pids.items()}
                for recording in recordings.values():
                    await asyncio.to_thread(wait_attached, recording)
                ids, statuses = await post_at_rate(client, urls["suppliers"], rate, count, 0)
                print(f"registrations answered: {dict(statuses)}")
                await event_latency._wait_applied(client, projection, ids)
                summaries.update({name: await asyncio.to_thread(finish_recording, recording)
                                  for name, recording in recordings.items()})
                return ids

        summaries: dict[str, str] = {}
        ids = asyncio.run(load())
    print(f"\nevent path: {count} registrations at {rate:g}/s, py-spy on both services for {args.seconds:g} s")
    stage_times(work, ids)
    report_event_profiles(work, summaries)


def report_event_profiles(work: Path, summaries: dict[str, str]) -> None:
    report_profile("event path: suppliers (requests + outbox relay)", work / "event-suppliers.txt",
                   summaries["suppliers"])
    samples, names = read_samples(work / "event-suppliers.txt")
    roles = thread_role(samples, names)
    loop = lambda s, role: role == "event loop"  # noqa: E731
    print_table("suppliers event loop, relay samples by step", shares(
        samples, roles, lambda s, role: loop(s, role) and relay_sample(s),
        lambda s, role: relay_step(s, role).split(" / ")[0])["event loop"])
    print_table("suppliers event loop, relay samples by step / category", shares(
        samples, roles, lambda s, role: loop(s, role) and relay_sample(s), relay_step)["event loop"], top=20)
    report_profile("event path: catalogue (consumer)", work / "event-catalogue.txt", summaries["catalogue"])
    samples, names = read_samples(work / "event-catalogue.txt")
    roles = thread_role(samples, names)
    print_table("catalogue event loop, consumer samples by step", shares(
        samples, roles, lambda s, role: loop(s, role) and consumer_sample(s),
        lambda s, role: consumer_step(s, role).split(" / ")[0])["event loop"])
    print_table("catalogue event loop, consumer samples by step / category", shares(
        samples, roles, lambda s, role: loop(s, role) and consumer_sample(s), consumer_step)["event loop"], top=20)


def stage_times(work: Path, ids: list[str]) -> None:
    """Per event, from the two databases: created -> published -> received -> applied (timing, not py-spy)."""
    suppliers = sqlite3.connect(work / "suppliers.db")
    catalogue = sqlite3.connect(work / "catalogue.db")
    created = dict(suppliers.execute("SELECT id, created_at FROM suppliers"))
    published = {}
    for event_id, subject, at in suppliers.execute("SELECT event_id, subject, published_at FROM outbox ORDER BY id"):
        published.setdefault(subject, (event_id, at))
    received = dict(catalogue.execute("SELECT event_id, received_at FROM inbox"))
    applied = dict(catalogue.execute("SELECT id, applied_at FROM catalogue_suppliers"))
    stages: dict[str, list[float]] = defaultdict(list)
    for supplier_id in ids:
        event_id, published_at = published[supplier_id]
        times = [when(created[supplier_id]), when(published_at), when(received[event_id]), when(applied[supplier_id])]
        for name, start, end in zip(("created -> published (commit, relay wake-up, read, send, ack)",
                                     "published -> received (broker, fetch wait, queue behind earlier records)",
                                     "received -> applied (inbox, handler, in one transaction)"),
                                    times, times[1:]):
            stages[name].append((end - start).total_seconds() * 1000)
        stages["created -> applied (total)"].append((times[3] - times[0]).total_seconds() * 1000)
    print("\n| stage (timestamps in the databases) | p50 ms | p90 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|")
    for name, values in stages.items():
        values.sort()
        pick = lambda q: values[min(len(values) - 1, int(len(values) * q))]  # noqa: E731
        print(f"| {name} | {statistics.median(values):.1f} | {pick(0.9):.1f} | {pick(0.99):.1f} | {values[-1]:.1f} |")


def when(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds py-spy records each path")
    parser.add_argument("--rate", type=float, default=100.0, help="registrations per second on the event path")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--loadgen", choices=["auto", "wrk", "aiohttp"], default="auto")
    parser.add_argument("--only", choices=["request", "event", "count"], help="one part only")
    parser.add_argument("--native", action="store_true",
                        help="py-spy --native too: tells epoll waits and GIL waits apart (slows the service more)")
    parser.add_argument("--report", help="only sort again the py-spy files a --keep run left in this folder")
    parser.add_argument("--keep", help="folder to keep py-spy's raw files in")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; py-spy {py_spy()} at {RATE_HZ} Hz, --idle --threads --nonblocking")
    if args.report:
        report_profile("request path: suppliers service under GET load", Path(args.report) / "request" / "request.txt",
                       "(saved)")
        report_event_profiles(Path(args.report) / "event", {"suppliers": "(saved)", "catalogue": "(saved)"})
        return
    for path, run in (("count", lambda args, work: count_per_request(work)), ("request", request_path),
                      ("event", event_path)):
        if args.only in (None, path):
            with working_directory(args, path) as work:
                run(args, work)
    print(f"\nload average afterwards: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
