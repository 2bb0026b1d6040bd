"""Request figures of this tree against another checkout of the project, taken in turn in one run.

    python -m bench.ab --base /path/to/other/checkout [--rounds 5] [--duration 3]

On a machine that other work loads, figures taken minutes apart are not comparable. Here both trees'
suppliers services (SQLite) run side by side with the no-database upstream, and each round measures
in turn: the upstream, GET one supplier on each tree, registration on each tree (wrk, 32 connections).
Medians over the rounds are printed, and the ratio of this tree to the base taken round by round.
Beside the rate, the CPU time each server process used per request (its user + system time from
/proc over the run, all threads, divided by the requests wrk made): a figure that waiting for a
loaded machine's cores does not inflate the way it does the rate.
The other checkout needs its own var/identity holding the same development keys as this one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

os.environ.setdefault("ENVIRONMENT", "development")

from bench import gateway_throughput as throughput  # noqa: E402
from bench.processes import ROOT, registered_supplier, stop, wait_ready  # noqa: E402
from bench.run import REGISTRATION_SCRIPT, load_average, machine, minimal_upstream, signed  # noqa: E402
from servicekit.broker import EmbeddedBroker, free_port  # noqa: E402
from servicekit.identity import ANONYMOUS_IDENTITY, IDENTITY_HEADER, development_signer, sign_identity  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(pid: int, url: str, headers: dict[str, str], args: argparse.Namespace,
             script: Path | None = None) -> tuple[float, float]:
    """Requests per second, and the server's CPU milliseconds per request."""
    before = cpu_seconds(pid)
    rate = throughput.run_wrk(url, headers, args.duration, args.connections, 1, script=script)
    return rate, (cpu_seconds(pid) - before) * 1000 / max(rate * args.duration, 1)


@contextmanager
def suppliers_service(root: Path, work: Path, bootstrap: str):
    """The suppliers service of the checkout at `root`, on a SQLite file of its own; yields its URL."""
    port = free_port()
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "LOG_LEVEL": "WARNING",
           "SUPPLIERS_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'suppliers.db'}"}
    work.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([str(ROOT / ".venv/bin/python"), "-m", "uvicorn", "suppliers.main:app", "--host",
                                "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
                               env=env, cwd=root, stdout=open(work / "service.log", "ab"), stderr=subprocess.STDOUT)
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz")
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        stop([process])


def registration_script(work: Path, prefix: str) -> Path:
    script = work / f"register-{prefix}.lua"
    script.write_text(REGISTRATION_SCRIPT.format(prefix=prefix))
    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, type=Path, help="the other checkout (the figures before)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {load_average()}")
    figures: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        work = Path(folder)
        broker = EmbeddedBroker(log_file=work / "broker.log")
        broker.start()
        stack.callback(broker.stop)
        upstream = stack.enter_context(minimal_upstream(with_pid=True))
        trees = {"base": args.base.resolve(), "this": ROOT}
        services = {name: stack.enter_context(suppliers_service(root, work / name, broker.bootstrap_servers))
                    for name, root in trees.items()}
        paths = {name: registered_supplier(url, "Bench") for name, (url, _pid) in services.items()}
        reference = f"http://127.0.0.1:{upstream[0]}{throughput.BENCH_PATH}"
        throughput.check(reference, signed())
        anonymous = {IDENTITY_HEADER: sign_identity(ANONYMOUS_IDENTITY, development_signer(), audience="suppliers")}
        for round_number in range(args.rounds + 1):  # the first round warms up and is not counted
            taken = {}
            try:
                taken = {"reference": measured(upstream[1], reference, signed(), args)}
                for name, (url, pid) in services.items():
                    taken[f"GET {name}"] = measured(pid, f"{url}{paths[name]}", signed(), args)
                for name, (url, pid) in services.items():
                    script = registration_script(work / name, f"{8000 + round_number:04d}")
                    taken[f"register {name}"] = measured(pid, f"{url}/api/v1/suppliers", anonymous, args, script)
            except RuntimeError as failed:  # a run with errors: the round is left out, and said so
                print(f"round {round_number} left out: {str(failed).splitlines()[0]} ({len(taken)} measured)")
                continue
            print(f"round {round_number}{' (warm-up)' if not round_number else ''}, load {load_average()}: " +
                  ", ".join(f"{key} {rate:.0f}/s {cpu:.2f} ms" for key, (rate, cpu) in taken.items()))
            if round_number:
                for key, value in taken.items():
                    figures.setdefault(key, []).append(value)
    rate = {key: statistics.median(r for r, _ in values) for key, values in figures.items()}
    cpu = {key: statistics.median(c for _, c in values) for key, values in figures.items()}
    print(f"medians over {args.rounds} rounds of {args.duration:g} s, {args.connections} connections:")
    print("  | | req/s | of the reference | CPU ms per request | reference's CPU per request / this |")
    for key in rate:
        print(f"  | {key} | {rate[key]:.0f} | {rate[key] / rate['reference']:.1%} | {cpu[key]:.3f} | "
              f"{cpu['reference'] / cpu[key]:.1%} |")
    for kind in ("GET", "register"):
        ratios = [this[0] / base[0] for this, base in zip(figures[f"{kind} this"], figures[f"{kind} base"])]
        cpu_ratios = [this[1] / base[1] for this, base in zip(figures[f"{kind} this"], figures[f"{kind} base"])]
        print(f"  {kind}, this / base round by round: req/s median {statistics.median(ratios):.2f} "
              f"(min {min(ratios):.2f}, max {max(ratios):.2f}); CPU per request median "
              f"{statistics.median(cpu_ratios):.2f} (min {min(cpu_ratios):.2f}, max {max(cpu_ratios):.2f})")
    print(f"load average at the end {load_average()}")


if __name__ == "__main__":
    main()
