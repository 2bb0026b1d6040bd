"""`make run`: the broker, every service and the gateway on this machine, seeded with demo data.

    python -m deploy.local.run [--no-seed]

- The embedded broker (Tansu) on 127.0.0.1:$MARKETPLACE_BROKER_PORT (9092), unless
  KAFKA_BOOTSTRAP_SERVERS is set: then that broker is used and none is started.
- A demo partner system's webhook receiver on 127.0.0.1:$MARKETPLACE_PARTNER_RECEIVER_PORT (8190),
  subscribed by the seed to every event partners may receive; it logs what it gets.
- Each service as its own `uvicorn <name>.main:app` on the port its settings give (SUPPLIERS_PORT
  and so on), with its SQLite database in $MARKETPLACE_VAR_DIR (default `var/`) unless
  `<NAME>_DATABASE_URL` is set; then the gateway on GATEWAY_PORT (8080).
- Output of each process goes to `<var>/log/<name>.log` as JSON lines; this terminal gets a
  compact status.
- Once every service's /readyz and the gateway's /healthz answer 200 (within
  $MARKETPLACE_READY_TIMEOUT, 60 s), the demo data is seeded through the gateway (deploy/local/seed.py)
  and a line starting with "AI Marketplace ready" is printed.
- Ctrl-C, SIGTERM or SIGHUP stops everything it started; so does any process dying on its own.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy.local.logs import PROCESS_NAME_VARIABLE
from deploy.local.partner_receiver import DEFAULT_PORT as RECEIVER_PORT
from deploy.local.seed import SeedError, seed
from servicekit.broker import EmbeddedBroker, port_open
from servicekit.identity import DEV_JWKS, DEV_PRIVATE_KEY, development_signer
from servicekit.settings import REPO_ROOT

# service name -> its settings class
SERVICES: dict[str, str] = {
    "suppliers": "suppliers.settings:SuppliersSettings",
    "catalogue": "catalogue.settings:CatalogueSettings",
    "accreditation": "accreditation.settings:AccreditationSettings",
    "training": "training.settings:TrainingSettings",
    "hub": "hub.settings:HubSettings",
    "partners": "partners.settings:PartnersSettings",
    "assistant": "assistant.settings:AssistantSettings",
    "assurance": "assurance.settings:AssuranceSettings",
}
# The web pages: no database of their own, a client of the gateway's public API.
WEB_SETTINGS = "web.settings:WebSettings"
DEFAULT_BROKER_PORT = 9092
DEFAULT_READY_TIMEOUT = 60.0
STOP_GRACE_SECONDS = 5.0
LOG_TAIL_LINES = 25
LOG_CONFIG = Path(__file__).with_name("logging.json")
READY_BANNER = "AI Marketplace ready"


class Failed(Exception):
    """Something did not come up, or went down; the message says what."""


class Shutdown(BaseException):
    """SIGINT or SIGTERM arrived."""


@dataclass
class Child:
    """One process the supervisor runs and watches."""

    name: str
    command: list[str]
    env: dict[str, str]
    host: str
    port: int
    probe_path: str
    log_path: Path
    process: subprocess.Popen | None = None
    ready: bool = False
    last_probe: str = "no answer yet"

    @property
    def connect_host(self) -> str:
        return "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host

    @property
    def url(self) -> str:
        return f"http://{self.connect_host}:{self.port}"

    def start(self) -> None:
        rotate(self.log_path)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command, cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent)


@dataclass
class Plan:
    """What to start, from the environment."""

    var_dir: Path
    log_dir: Path
    bootstrap_servers: str
    broker_port: int | None  # None: an external broker
    services: list[Child]
    gateway: Child
    web: Child
    ready_timeout: float
    # The development identity key pair (private, public JWKS) made before the start; None when configured.
    identity_keys: tuple[Path, Path] | None = None


def settings_class(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def make_plan(environ: dict[str, str] | None = None) -> Plan:
    """Ports, URLs and environments of every process, from the settings classes and the environment."""
    environ = dict(os.environ if environ is None else environ)
    var_dir = Path(environ.get("MARKETPLACE_VAR_DIR") or REPO_ROOT / "var").resolve()
    log_dir = var_dir / "log"
    external = environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    broker_port = None if external else int(environ.get("MARKETPLACE_BROKER_PORT") or DEFAULT_BROKER_PORT)
    bootstrap = external or f"127.0.0.1:{broker_port}"
    ready_timeout = float(environ.get("MARKETPLACE_READY_TIMEOUT") or DEFAULT_READY_TIMEOUT)

    shared = environ | {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "PYTHONUNBUFFERED": "1"}
    # A local run is development (settings default to production). The gateway signs identities with a
    # development key in the data folder and the services check them with its public JWKS beside it.
    shared.setdefault("ENVIRONMENT", "development")
    identity_keys = None
    if "IDENTITY_JWKS" not in shared and "GATEWAY_IDENTITY_KEY_FILE" not in shared:
        identity_keys = (var_dir / DEV_PRIVATE_KEY.relative_to(DEV_PRIVATE_KEY.parents[1]),
                         var_dir / DEV_JWKS.relative_to(DEV_JWKS.parents[1]))
        shared |= {"GATEWAY_IDENTITY_KEY_FILE": str(identity_keys[0]), "IDENTITY_JWKS": str(identity_keys[1])}
    uvicorn = [sys.executable, "-m", "uvicorn", "--log-config", str(LOG_CONFIG)]

    services: list[Child] = []
    gateway_env = shared | {PROCESS_NAME_VARIABLE: "gateway"}
    for name, settings_path in SERVICES.items():
        env = shared | {PROCESS_NAME_VARIABLE: name}
        env.setdefault(f"{name.upper()}_DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / (name + '.db')}")
        settings = _read_settings(settings_path, env)
        child = Child(name, [*uvicorn, f"{name}.main:app", "--host", settings.host, "--port", str(settings.port)],
                      env, settings.host, settings.port, "/readyz", log_dir / f"{name}.log")
        services.append(child)
        gateway_env.setdefault(f"GATEWAY_{name.upper()}_URL", child.url)

    # The seed registers its suppliers anonymously from this machine, again on every run.
    gateway_env.setdefault("GATEWAY_ROUTE_RATE_LIMITS", '{"POST /api/v1/suppliers": "200/hour"}')
    gateway_settings = _read_settings("gateway.settings:GatewaySettings", gateway_env)
    # The pages call the gateway's public API, as a browser's request would; the gateway sends them every path
    # outside it.
    web_env = shared | {PROCESS_NAME_VARIABLE: "web"}
    web_env.setdefault("WEB_GATEWAY_URL", f"http://{_connect_host(gateway_settings.host)}:{gateway_settings.port}")
    web_settings = _read_settings(WEB_SETTINGS, web_env)
    web = Child("web", [*uvicorn, "web.main:app", "--host", web_settings.host, "--port", str(web_settings.port)],
                web_env, web_settings.host, web_settings.port, "/readyz", log_dir / "web.log")
    gateway_env.setdefault("GATEWAY_WEB_URL", web.url)
    receiver_port = int(environ.get("MARKETPLACE_PARTNER_RECEIVER_PORT") or RECEIVER_PORT)
    services.append(Child("partner-receiver", [*uvicorn, "deploy.local.partner_receiver:app", "--host", "127.0.0.1",
                                               "--port", str(receiver_port)],
                          shared | {PROCESS_NAME_VARIABLE: "partner-receiver"}, "127.0.0.1", receiver_port,
                          "/healthz", log_dir / "partner-receiver.log"))

    gateway_settings = _read_settings("gateway.settings:GatewaySettings", gateway_env)
    # --no-proxy-headers: uvicorn would otherwise believe X-Forwarded-For from loopback, which every
    # local caller is; the gateway decides that itself (GATEWAY_TRUSTED_PROXIES). --http: the
    # gateway's protocol, with a deadline on the request headers.
    gateway = Child("gateway", [*uvicorn, "gateway.main:app", "--host", gateway_settings.host,
                                "--port", str(gateway_settings.port), "--no-proxy-headers",
                                "--http", "gateway.server:GatewayHttpProtocol"],
                    gateway_env, gateway_settings.host, gateway_settings.port, "/healthz", log_dir / "gateway.log")
    return Plan(var_dir, log_dir, bootstrap, broker_port, services, gateway, web, ready_timeout, identity_keys)


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _read_settings(settings_path: str, env: dict[str, str]):
    """A settings object as the child will see it (settings read os.environ, so swap it in briefly)."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(env)
        return settings_class(settings_path)()
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Supervisor:
    """Starts the plan, waits for it, seeds it, watches it and stops it."""

    def __init__(self, plan: Plan, *, seed_data: bool = True):
        self.plan = plan
        self.seed_data = seed_data
        self.broker: EmbeddedBroker | None = None
        self.children: list[Child] = []
        self.stopping = False
        self.hurry = False
        self.started_at = time.monotonic()

    # --- life cycle -------------------------------------------------------------------------------

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: the terminal closed
            signal.signal(signum, self._on_signal)
        try:
            self.start()
            self.wait_ready()
            if self.seed_data:
                self.seed()
            self.announce()
            return self.watch()
        except Shutdown as stop:
            say(f"{stop}: stopping")
            return 0
        except Failed as failure:
            say(f"FAILED: {failure}")
            return 1
        finally:
            self.stopping = True
            self.stop()

    def start(self) -> None:
        plan = self.plan
        plan.log_dir.mkdir(parents=True, exist_ok=True)
        say(f"AI Marketplace starting (data and logs in {shown(plan.var_dir)})")
        self._check_ports_free()
        if plan.identity_keys is not None:
            development_signer(*plan.identity_keys)
        if plan.broker_port is not None:
            log_path = plan.log_dir / "broker.log"
            rotate(log_path)
            self.broker = EmbeddedBroker(plan.broker_port, log_file=log_path)
            try:
                self.broker.start()
            except (RuntimeError, TimeoutError) as error:
                raise Failed(f"broker: {error}\n{tail(log_path)}") from None
            say(row("broker", plan.bootstrap_servers, f"pid {self.broker.process.pid}", log_path))
        else:
            say(row("broker", plan.bootstrap_servers, "external", None))
        for child in [*plan.services, plan.web, plan.gateway]:
            child.start()
            self.children.append(child)
            say(row(child.name, f"{child.host}:{child.port}", f"pid {child.process.pid}", child.log_path))

    def wait_ready(self) -> None:
        """Every service's /readyz and the gateway's /healthz answer 200, or Failed."""
        deadline = self.started_at + self.plan.ready_timeout
        pending = list(self.children)
        with httpx.Client(timeout=1.0) as http:
            while pending:
                self.check_alive()
                for child in list(pending):
                    if self._probe(http, child):
                        pending.remove(child)
                        say(f"  up  {child.name:<14} {time.monotonic() - self.started_at:5.1f} s")
                if pending and time.monotonic() > deadline:
                    raise Failed("not ready within {:.0f} s: {}\n{}".format(
                        self.plan.ready_timeout, ", ".join(f"{c.name} ({c.last_probe})" for c in pending),
                        "\n".join(tail(c.log_path) for c in pending)))
                if pending:
                    time.sleep(0.2)

    def seed(self) -> None:
        try:
            receiver = next(c for c in self.plan.services if c.name == "partner-receiver")
            seed(self.plan.gateway.url, report=lambda line: say(f"  {line}"),
                 refs={"partner-receiver": receiver.url + "/hook"})
        except (SeedError, httpx.HTTPError) as error:
            message = f"seeding demo data through the gateway: {error}\n{tail(self.plan.gateway.log_path)}"
            raise Failed(message) from None

    def announce(self) -> None:
        url = self.plan.gateway.url
        say(f"{READY_BANNER} in {time.monotonic() - self.started_at:.1f} s")
        say(f"  web       {url}/   (sign in as buyer, assessor, admin or partner)")
        say(f"  gateway   {url}")
        say(f"  API docs  {url}/api/v1/docs   (OpenAPI: {url}/api/v1/openapi.json)")
        say(f"  token     curl -s {url}/api/v1/auth/token -d grant_type=client_credentials "
            f"-d client_id=admin -d client_secret=admin-dev-secret")
        say("            (clients admin, assessor, buyer, partner; secret <client_id>-dev-secret)")
        say(f"  logs      {shown(self.plan.log_dir)}/<name>.log (JSON lines)")
        say(f"  partner   {shown(self.plan.log_dir)}/partner-receiver.log: the deliveries a demo partner receives")
        say("Press Ctrl-C to stop.")

    def watch(self) -> int:
        """Until a signal arrives (Shutdown) or a process dies (1)."""
        while True:
            try:
                self.check_alive()
            except Failed as failure:
                say(f"FAILED: {failure}")
                return 1
            time.sleep(0.5)

    def check_alive(self) -> None:
        if self.broker and self.broker.process and (code := self.broker.process.poll()) is not None:
            broker_log = tail(self.plan.log_dir / "broker.log")
            raise Failed(f"the broker exited unexpectedly (code {code})\n{broker_log}")
        for child in self.children:
            if (code := child.process.poll()) is not None:
                raise Failed(f"{child.name} exited unexpectedly (code {code})\n{tail(child.log_path)}")

    def stop(self) -> None:
        """Gateway first, then the services, then the broker: terminate, kill after a grace period."""
        gateway = [c for c in self.children if c is self.plan.gateway]
        services = [c for c in self.children if c is not self.plan.gateway]
        for group in (gateway, services):
            self._stop_processes([c.process for c in group if c.process])
        if self.broker:
            self.broker.stop()
        if self.children or self.broker:
            say("stopped")
        self.children, self.broker = [], None

    # --- helpers ----------------------------------------------------------------------------------

    def _on_signal(self, signum, frame) -> None:
        if self.stopping:
            self.hurry = True  # a second Ctrl-C: do not wait long for anyone
            return
        self.stopping = True
        raise Shutdown(signal.Signals(signum).name)

    def _probe(self, http: httpx.Client, child: Child) -> bool:
        try:
            response = http.get(child.url + child.probe_path)
        except httpx.HTTPError as error:
            child.last_probe = type(error).__name__
            return False
        if response.status_code == 200:
            return True
        try:
            detail = response.json().get("detail", "")
        except ValueError:
            detail = ""
        child.last_probe = f"{child.probe_path} answered {response.status_code} {detail}".strip()
        return False

    def _stop_processes(self, processes: list[subprocess.Popen]) -> None:
        running = [p for p in processes if p.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while not self.hurry and time.monotonic() < deadline and any(p.poll() is None for p in running):
            time.sleep(0.05)
        for process in running:
            if process.poll() is None:
                process.kill()
            process.wait()

    def _check_ports_free(self) -> None:
        plan = self.plan
        wanted = [("broker", "127.0.0.1", plan.broker_port)] if plan.broker_port is not None else []
        wanted += [(c.name, c.connect_host, c.port) for c in [*plan.services, plan.web, plan.gateway]]
        busy = [f"{name} port {port}" for name, host, port in wanted if port_open(port, host)]
        if busy:
            raise Failed(f"already in use: {', '.join(busy)}. Is another `make run` running, or a broker left by "
                         "one that was killed? Ports come from MARKETPLACE_BROKER_PORT, <SERVICE>_PORT (e.g. "
                         "SUPPLIERS_PORT), WEB_PORT and GATEWAY_PORT.")


_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the supervisor itself dies without cleaning up."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def rotate(log_path: Path) -> None:
    """Keep the previous run's log as `<name>.log.1`."""
    if log_path.exists() and log_path.stat().st_size:
        log_path.replace(log_path.with_name(log_path.name + ".1"))


def tail(log_path: Path, lines: int = LOG_TAIL_LINES) -> str:
    if not log_path.exists():
        return f"--- {shown(log_path)}: no log"
    with open(log_path, errors="replace") as log:
        last = "".join(deque(log, lines)).rstrip() or "(empty)"
    return f"--- last lines of {shown(log_path)}:\n{last}"


def shown(path: Path) -> str:
    """A path as short as it can be from here."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def row(name: str, address: str, what: str, log: Path | None) -> str:
    return f"  {name:<14} {address:<16} {what:<12} {shown(log) if log else ''}".rstrip()


def say(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-seed", action="store_true", help="start everything but create no demo data")
    options = parser.parse_args(argv)
    try:
        plan = make_plan()
    except Exception as error:  # a settings error: say it plainly, no traceback
        say(f"FAILED: the settings are not valid: {error}")
        return 2
    return Supervisor(plan, seed_data=not options.no_seed).run()


if __name__ == "__main__":
    sys.exit(main())
