"""Schemathesis over the merged OpenAPI document, through the real gateway, as every kind of caller.

The marketplace runs in this process (testsupport.stack: the gateway and the five services on loopback
ports, SQLite, the embedded broker; the general rate limits raised and the route budgets off, as for
every test), seeded with a verified supplier whose own credentials give the supplier's token. For each
caller (anonymous, admin, assessor, buyer, partner, the supplier) the `schemathesis` CLI runs as a child
process against the gateway's URL, over the operations that caller may call, with the checks
not_a_server_error, status_code_conformance and response_schema_conformance, a fixed seed, and the
stateful phase following the document's links from each create to its reads, updates and transitions.

Why a child process and not schemathesis's runner in this process: the stack's servers run on this
test's event loop, so a synchronous runner on this thread would block the very loop that must answer
it, and one on a worker thread would still share the interpreter lock with the servers it measures.
A child process waits on its own, uses the second core, and writes the JSON report the assertions read
(the same report a longer `make fuzz` run leaves behind). The in-process stack rather than
`python -m deploy.local.run`: it starts in seconds, needs no free ports or seed scripts of its own, and
is the stack every other cross-service test trusts.

The callers run one after another, each bounded by FUZZ_MAX_EXAMPLES (examples per operation),
FUZZ_STATEFUL_EXAMPLES (stateful scenarios, through a schemathesis.toml in the report directory) and
FUZZ_PHASES; the suite's defaults keep the whole test near two minutes on a busy 2-core machine, and
`make fuzz` raises both (README: Fuzzing).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from gateway.access import PUBLIC, roles_for
from gateway.routes import API_PREFIX
from servicekit.testing import eventually
from testsupport.helpers import active_supplier

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing,stateful")
# Scenarios of the stateful phase (each a chain of linked calls of up to STATEFUL_STEPS); per phase, since
# the examples per operation give it too few chains to follow the links.
STATEFUL_EXAMPLES = int(os.environ.get("FUZZ_STATEFUL_EXAMPLES", "10"))
STATEFUL_STEPS = 10
SEED = int(os.environ.get("FUZZ_SEED", "20261203"))
REPORT_DIR = os.environ.get("FUZZ_REPORT_DIR")
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
CALLERS = ("anonymous", "admin", "assessor", "buyer", "partner", "supplier")
METHODS = ("get", "put", "post", "delete", "patch")
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))

# Operations that refuse most schema-valid requests for a rule JSON Schema cannot state (schemathesis's
# "validation mismatch": API validation stricter than documented), each with the rule. Every rule that a
# schema can state is in the document: patterns, lengths, enums, unique items, and fields required together
# (the supplier's identification, a partnership's commitments, a variation's changes, data residency's
# country, Māori data governance), each checked against its model in the owning service's tests.
_IF_MATCH = ("If-Match must be the resource's current ETag, which only a read gives; the document can say only "
             "that it is a string (the stateful phase follows each create's link with the ETag it answered)")
_REASON = ("some actions need a reason (suspend, reject, withdraw...) and others none, so the body stays optional "
           "and the life cycle answers 422 naming `reason`")
_CURSOR = "a cursor is opaque: only the next_cursor of a page of the same list is accepted (400 invalid-cursor)"
_TRIMMED = "text is trimmed before its length is checked, so a value of spaces alone is empty (servicekit.models)"
_QUESTION = ("q must hold a word other than common English ones (\"the\", \"for\"), counted after surrounding "
             "whitespace is trimmed")
STRICTER_THAN_DOCUMENTED = {
    "POST /api/v1/auth/token": "only the marketplace's own clients and registered suppliers get a token; a generated "
                               "client id and secret are unknown (401 invalid_client)",
    "GET /api/v1/offerings/compare": "ids names 2 to 5 offerings that exist and are published",
    "POST /api/v1/offerings": "category codes are reference data an admin keeps (GET /api/v1/categories): each must "
                              "exist, be live and be of its field's axis; min_nzd <= max_nzd; issued_on < expires_on",
    "PATCH /api/v1/offerings/{offering_id}": "as POST /api/v1/offerings; and " + _IF_MATCH,
    "PUT /api/v1/offerings/{offering_id}/assurance-records": "issued_on < expires_on, no two records stating the "
                                                             "same certificate; and " + _IF_MATCH,
    "POST /api/v1/suppliers": "the NZBN ends in a GS1 check digit, and an NZBN is registered only once",
    "POST /api/v1/agreements": "start_date < end_date, and supplier_id names a registered supplier",
    "POST /api/v1/courses/{course_id}/sessions": "starts_at < ends_at, and the course is the caller's own",
    "POST /api/v1/accreditation/applications/{application_id}/decline":
        "ratings name each criterion at most once (uniqueness by one field of the items)",
    "POST /api/v1/accreditation/applications/{application_id}/approve":
        "every criterion is rated, each once, all of them met",
    "POST /api/v1/accreditation/applications/{application_id}/request-information": _TRIMMED,
    "POST /api/v1/accreditation/applications/{application_id}/respond": _TRIMMED,
    "POST /api/v1/sessions/{session_id}/registrations":
        "email-validator refuses addresses JSON Schema's email format admits (reserved and special-use domains); "
        + _TRIMMED,
    "POST /api/v1/registry/use-cases": "`agency` depends on the caller: a buyer's comes from its token (another "
                                       "agency's is 403), an admin must name it (422 naming `agency`)",
    "POST /api/v1/categories/{code}/retire": "a retirement needs its reason; the body is the shared optional Reason, "
                                             "so a missing one is answered 422 naming `reason`",
    "POST /api/v1/assistant/search": _QUESTION,
    "GET /api/v1/assistant/search": _QUESTION,
    "POST /api/v1/subscriptions": "the sink must be https outside development and its host must resolve, to no "
                                  "loopback, private, link-local or metadata address; types name known event types "
                                  "(or a prefix of them); filters follow the CloudEvents Subscriptions dialects",
    "POST /api/v1/registry/surveys/{year}": "a year's survey is open during that year only, and the answers follow the "
                                            "questions in the repo (GET /api/v1/registry/surveys/questions)",
    "PUT /api/v1/registry/use-cases/{use_case_id}/transparency":
        "the use case decides what is required (the EU AI Act registration when its risk level is high, the Māori "
        "data arrangements unless it involves none), and replacing a record needs If-Match",
    "POST /api/v1/assurance/questionnaires": "section, question and answer ids are each unique; the levels are I to "
                                             "IV with rising bounds ending at 100; an impact and a mitigation question "
                                             "can each score above 0",
    "POST /api/v1/assurance/assessments": "the subject is the caller's own offering or a use case the registry lists, "
                                          "known from their events; answers name the current questionnaire's "
                                          "questions and answers (reference data: GET /api/v1/assurance/"
                                          "questionnaires/current)",
    "PATCH /api/v1/assurance/assessments/{assessment_id}": "answers name the questionnaire's questions and answers; "
                                                           "and " + _IF_MATCH,
    "POST /api/v1/assurance/assessments/{assessment_id}/review": "a return needs a comment, each on a question of the "
                                                                 "questionnaire",
} | {f"PATCH {API_PREFIX}{path}": _IF_MATCH for path in (
    "suppliers/{supplier_id}", "categories/{code}", "courses/{course_id}", "shortlists/{shortlist_id}",
    "registry/use-cases/{use_case_id}", "accreditation/applications/{application_id}")} | {
    f"POST {API_PREFIX}{path}": _REASON for path in (
        "suppliers/{supplier_id}/{action}", "agreements/{agreement_id}/{action}", "offerings/{offering_id}/{action}",
        "courses/{course_id}/{action}", "registry/use-cases/{use_case_id}/{action}",
        "accreditations/{accreditation_id}/{action}", "accreditation/applications/{application_id}/{action}")}


@pytest.fixture
def database_backend() -> str:
    """SQLite only: the fuzzer is after the services' answers, which the backend does not change."""
    return "sqlite"


def stricter_than_documented(document: dict) -> dict[str, str]:
    """STRICTER_THAN_DOCUMENTED, and every paged list: its cursor is one only the list itself gives out."""
    paged = {f"{method.upper()} {path}": _CURSOR for path, item in document["paths"].items() for method in METHODS
             if any(p.get("name") == "cursor" for p in item.get(method, {}).get("parameters", []))}
    return paged | STRICTER_THAN_DOCUMENTED


def operations_for(document: dict, caller: str) -> list[str]:
    """The operation ids `caller` may call: public ones, and those needing a role it holds."""
    chosen = []
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            if path.startswith(f"{API_PREFIX}auth/"):
                allowed = caller == "anonymous"  # the token issuer takes client credentials, not a token
            else:
                roles = roles_for(method, path)
                allowed = roles == PUBLIC or (caller != "anonymous" and caller in roles)
            if allowed:
                chosen.append(operation["operationId"])
    return chosen


async def schemathesis(url: str, caller: str, token: str | None, operation_ids: list[str], reports: Path) -> dict:
    """Run the CLI once for one caller; returns its JSON report (output appended on failure)."""
    report = reports / f"{caller}.json"
    # The CLI reads its configuration from the directory it runs in.
    (reports / "schemathesis.toml").write_text(f"[phases.stateful]\nmax-steps = {STATEFUL_STEPS}\n\n"
                                               f"[phases.stateful.generation]\nmax-examples = {STATEFUL_EXAMPLES}\n")
    arguments = [f"{url}{API_PREFIX}openapi.json", "--url", url, "--seed", str(SEED),
                 "--max-examples", str(MAX_EXAMPLES), "--phases", PHASES, "--checks", CHECKS,
                 "--request-timeout", "60", "--workers", "1", "--suppress-health-check", "all",
                 "--generation-database", "none", "--no-color", "--report", "json", "--report-json-path", str(report)]
    if token:
        arguments += ["--header", f"Authorization: Bearer {token}"]
    for operation_id in operation_ids:
        arguments += ["--include-operation-id", operation_id]
    process = await asyncio.create_subprocess_exec(SCHEMATHESIS, "run", *arguments, cwd=reports,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    (reports / f"{caller}.txt").write_bytes(output)
    assert report.exists(), output.decode(errors="replace")[-4000:]
    return json.loads(report.read_text()) | {"output": output.decode(errors="replace")}


@pytest.mark.runs_long
@pytest.mark.skipif(shutil.which(SCHEMATHESIS) is None, reason="schemathesis is a dev dependency")
@pytest.mark.timeout(int(os.environ.get("FUZZ_TIMEOUT_SECONDS", "600")))
async def test_no_server_errors_and_every_answer_as_documented(stack, tmp_path):
    supplier = await active_supplier(stack)
    tokens = {caller: await stack.token(caller) for caller in CALLERS if caller not in ("anonymous", "supplier")}
    tokens["supplier"] = (await stack.as_supplier(supplier["credentials"]))["Authorization"].split(" ", 1)[1]

    async def whole_document():
        # Merged from every service's own; on a busy machine one may be too slow the first time.
        document = (await stack.client.get(f"{API_PREFIX}openapi.json")).json()
        return None if "x-unavailable-services" in document else document

    document = await eventually(whole_document)
    reports = Path(REPORT_DIR) if REPORT_DIR else tmp_path
    reports.mkdir(parents=True, exist_ok=True)
    url = stack.servers["gateway"].url

    explained = stricter_than_documented(document)
    problems = {}
    for caller in CALLERS:
        result = await schemathesis(url, caller, tokens.get(caller), operations_for(document, caller), reports)
        stricter = set(result["warnings"].get("validation_mismatch", [])) - set(explained)
        if result["failures"] or result["errors"] or not result["complete"] or stricter:
            problems[caller] = {"failures": result["failures"], "errors": result["errors"],
                                "stricter than documented, unexplained": sorted(stricter),
                                "output": result["output"][-6000:]}
        assert result["operations"]["tested"] == result["operations"]["selected"] > 0, result["output"][-3000:]
    assert not problems, json.dumps(problems, indent=1)
