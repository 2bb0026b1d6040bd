"""Demo data for `make run`, created through the gateway's public API like any other caller.

The seed never touches a database. It is a list of steps (`STEPS`); each step is a small function
taking a `SeedApi` and returning a one-line summary. Every step must be safe to run again on the
same `var/`: creations carry an `Idempotency-Key` derived from the request body (so a rerun replays
the first answer), and a 409 (the thing already exists, e.g. the same NZBN under another key) counts
as done. Add a step as each API appears (agreements, categories, offerings, accreditation, courses,
hub use cases) and append it to `STEPS` in dependency order; a later step finds what an earlier one
made in `api.refs`.

Run it on its own against a running gateway: `python -m deploy.local.seed [http://127.0.0.1:8080]`.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from deploy.local.seed_accreditation import accredit_providers
from deploy.local.seed_assurance import EVENT_PATIENCE_SECONDS, assess_offering
from deploy.local.seed_hub import make_use_cases, write_transparency_records
from deploy.local.seed_training import list_courses
from suppliers.supplier.nzbn import nzbn_check_digit

TOKEN_PATH = "/api/v1/auth/token"
ROLES = ("admin", "assessor", "buyer", "partner")


class SeedError(RuntimeError):
    """A seed request got an answer the seed cannot live with."""


def dev_secret(client_id: str) -> str:
    """Secret of a development client (gateway/clients.dev.json)."""
    return f"{client_id}-dev-secret"


def nzbn(first_twelve: str) -> str:
    """A valid NZBN: the 12 digits given plus their GS1 check digit."""
    if len(first_twelve) != 12 or not first_twelve.isdigit():
        raise ValueError("an NZBN starts with 12 digits")
    return first_twelve + str(nzbn_check_digit(first_twelve))


@dataclass
class Created:
    """Outcome of one idempotent creation."""

    status: str  # "created", "replayed" (same key seen before) or "exists" (409)
    body: dict[str, Any]

    @property
    def new(self) -> bool:
        return self.status == "created"


class SeedApi:
    """The gateway's public API, with a bearer token per development client fetched on first use."""

    def __init__(self, base_url: str, *, timeout: float = 15.0, transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self.refs: dict[str, str] = {}  # what earlier steps made, e.g. "supplier:kauri" -> id
        self._tokens: dict[str, str] = {}
        self._supplier_tokens: dict[str, str] = {}

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SeedApi:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def token(self, client_id: str) -> str:
        """A bearer token for a development client (client-credentials grant)."""
        if client_id not in self._tokens:
            response = self._send("POST", TOKEN_PATH, data={
                "grant_type": "client_credentials", "client_id": client_id, "client_secret": dev_secret(client_id)})
            _expect(response, 200)
            self._tokens[client_id] = response.json()["access_token"]
        return self._tokens[client_id]

    def headers(self, as_client: str | None) -> dict[str, str]:
        """Authorization for `as_client`, none for an anonymous caller."""
        return {"Authorization": f"Bearer {self.token(as_client)}"} if as_client else {}

    def get(self, path: str, *, as_client: str | None = "admin", params: dict | None = None) -> Any:
        response = self._send("GET", path, params=params, headers=self.headers(as_client))
        _expect(response, 200)
        return response.json()

    def list_all(self, path: str, *, as_client: str | None = "admin", params: dict | None = None) -> list[dict]:
        """Every item of a cursor-paginated collection (`data`, `next_cursor`)."""
        items: list[dict] = []
        query = dict(params or {}, limit=100)
        while True:
            page = self.get(path, as_client=as_client, params=query)
            items += page["data"]
            if not page.get("next_cursor"):
                return items
            query["cursor"] = page["next_cursor"]

    def create(self, path: str, body: dict[str, Any], *, as_client: str | None = "admin",
               token: str | None = None) -> Created:
        """POST with an Idempotency-Key made from the body: created, replayed, or already there (409)."""
        payload = json.dumps(body, sort_keys=True, separators=(",", ":"))
        key = "seed-" + hashlib.sha256(f"{path} {payload}".encode()).hexdigest()[:32]
        authorization = {"Authorization": f"Bearer {token}"} if token else self.headers(as_client)
        response = self._send("POST", path, content=payload, headers={
            **authorization, "Content-Type": "application/json", "Idempotency-Key": key})
        if response.status_code == 409:
            return Created("exists", _json(response))
        _expect(response, 200, 201)
        replayed = response.headers.get("idempotent-replayed") == "true"
        return Created("replayed" if replayed else "created", response.json())

    def post(self, path: str, *, as_client: str | None = "admin", token: str | None = None,
             json: dict | None = None) -> httpx.Response:
        """A plain POST (transitions), as a development client or with a given bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else self.headers(as_client)
        return self._send("POST", path, headers=headers, json=json)

    def put(self, path: str, *, as_client: str | None = "admin", json: dict | None = None) -> httpx.Response:
        """A plain PUT (a record written whole), as a development client."""
        return self._send("PUT", path, headers=self.headers(as_client), json=json)

    def supplier_token(self, supplier_id: str) -> str:
        """A bearer token for a seeded supplier. Its secret was shown once at registration, so the operator
        issues a fresh one, once per seed run."""
        if supplier_id not in self._supplier_tokens:
            credentials = self.post(f"/api/v1/suppliers/{supplier_id}/credentials/rotate").json()
            self._supplier_tokens[supplier_id] = self.client_token(credentials["client_id"],
                                                                   credentials["client_secret"])
        return self._supplier_tokens[supplier_id]

    def client_token(self, client_id: str, client_secret: str) -> str:
        """A bearer token for any client, e.g. a supplier's own."""
        response = self._send("POST", TOKEN_PATH, data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret})
        _expect(response, 200)
        return response.json()["access_token"]

    def _send(self, method: str, path: str, **options) -> httpx.Response:
        # The token endpoint is rate limited per address; wait out a 429 instead of failing.
        for _ in range(10):
            response = self.http.request(method, path, **options)
            if response.status_code != 429:
                return response
            time.sleep(min(float(response.headers.get("retry-after", "1") or 1), 5.0))
        return response


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        return response.json()
    except ValueError:
        return {"detail": response.text}


def _expect(response: httpx.Response, *statuses: int) -> None:
    if response.status_code not in statuses:
        request = response.request
        raise SeedError(f"{request.method} {request.url.path} answered {response.status_code}: "
                        f"{_json(response).get('detail', response.text)[:500]}")


# --- suppliers -----------------------------------------------------------------------------------

def _contact(name: str, email: str, role: str, phone: str | None = None) -> dict[str, str]:
    contact = {"name": name, "email": email, "role": role}
    if phone:
        contact["phone"] = phone
    return contact


SUPPLIERS: dict[str, dict[str, Any]] = {
    "kauri": {
        "legal_name": "Kauri Analytics Limited", "trading_name": "Kauri AI", "nzbn": nzbn("942904120001"),
        "size": "small", "website": "https://kauri-ai.example.nz",
        "contacts": [_contact("Aroha Ngata", "aroha@kauri-ai.example.nz", "Director", "+64 4 555 0101")],
        "maori_business": True, "pasifika_business": False,
    },
    "tui": {
        "legal_name": "Tui Language Technologies Limited", "trading_name": "Tui Speech", "nzbn": nzbn("942904120002"),
        "size": "medium", "website": "https://tui-speech.example.nz",
        "contacts": [_contact("Mere Walker", "mere@tui-speech.example.nz", "Head of partnerships"),
                     _contact("Sam Lee", "sam@tui-speech.example.nz", "Security officer", "+64 9 555 0102")],
        "maori_business": True, "pasifika_business": False,
    },
    "moana": {
        "legal_name": "Moana Data Collective Limited", "trading_name": "Moana Data", "nzbn": nzbn("942904120003"),
        "size": "micro", "website": "https://moanadata.example.nz",
        "contacts": [_contact("Sione Tupou", "sione@moanadata.example.nz", "Founder", "+64 21 555 0103")],
        "maori_business": False, "pasifika_business": True,
    },
    "southern-cross": {
        "legal_name": "Southern Cross Cloud Services Limited", "trading_name": "SX Cloud",
        "nzbn": nzbn("942904120004"), "size": "large", "website": "https://sxcloud.example.nz",
        "contacts": [_contact("Priya Sharma", "priya.sharma@sxcloud.example.nz", "Public sector lead")],
        "maori_business": False, "pasifika_business": False,
    },
    "pounamu": {
        "legal_name": "Pounamu Learning Limited", "trading_name": "Pounamu AI Academy", "nzbn": nzbn("942904120005"),
        "size": "small", "website": "https://pounamu-learning.example.nz",
        "contacts": [_contact("Hemi Parata", "hemi@pounamu-learning.example.nz", "Programme director")],
        "maori_business": True, "pasifika_business": True,
    },
    "wattle": {
        "legal_name": "Wattle Machine Intelligence Pty Ltd", "trading_name": "Wattle MI",
        "country": "AU", "registration_id": "ABN 51 824 753 556",
        "size": "medium", "website": "https://wattle-mi.example.com.au",
        "contacts": [_contact("Olivia Chen", "olivia.chen@wattle-mi.example.com.au", "ANZ account manager",
                              "+61 2 5550 0106")],
        "maori_business": False, "pasifika_business": False,
    },
}


def register_suppliers(api: SeedApi) -> str:
    """Suppliers register themselves, anonymously, as the public form does."""
    counts = {"created": 0, "replayed": 0, "exists": 0}
    for name, body in SUPPLIERS.items():
        outcome = api.create("/api/v1/suppliers", body, as_client=None)
        counts[outcome.status] += 1
        if "id" in outcome.body:
            api.refs[f"supplier:{name}"] = outcome.body["id"]
    if len(api.refs) < len(SUPPLIERS):  # a 409 carries no id: look the rest up by name
        by_name = {s["legal_name"]: s["id"] for s in api.list_all("/api/v1/suppliers", as_client="admin")}
        for name, body in SUPPLIERS.items():
            if body["legal_name"] in by_name:
                api.refs.setdefault(f"supplier:{name}", by_name[body["legal_name"]])
    return (f"{len(SUPPLIERS)} suppliers ({counts['created']} new, "
            f"{counts['replayed'] + counts['exists']} already there)")


def verify_suppliers(api: SeedApi) -> str:
    """The operator verifies every seeded supplier (already active ones are left as they are)."""
    verified = 0
    for name in SUPPLIERS:
        supplier = api.get(f"/api/v1/suppliers/{api.refs[f'supplier:{name}']}")
        if supplier["status"] == "pending_verification":
            _expect(api.post(f"/api/v1/suppliers/{supplier['id']}/verify"), 200)
            verified += 1
    return f"{verified} verified, {len(SUPPLIERS) - verified} already active"


# --- agreements ----------------------------------------------------------------------------------

CATEGORY_CODES = [
    "ai.generative-assistants", "ai.chatbots-and-search", "ai.document-processing", "ai.translation",
    "ai.speech", "ai.computer-vision", "ai.predictive-analytics", "ai.workflow-automation",
    "ai.platforms-mlops", "ai.assurance-services", "ai.training",
]
MARKETPLACE_SCOPES: dict[str, list[str]] = {
    "kauri": ["ai.document-processing", "ai.predictive-analytics", "ai.assurance-services"],
    "tui": ["ai.translation", "ai.speech", "ai.chatbots-and-search"],
    "moana": ["ai.predictive-analytics", "ai.workflow-automation"],
    "southern-cross": ["ai.generative-assistants", "ai.platforms-mlops", "ai.computer-vision"],
    "pounamu": ["ai.training"],  # its offerings are masterclasses and workshops sold to agencies
    "wattle": ["ai.computer-vision", "ai.document-processing"],
}
STRATEGIC = {"supplier": "southern-cross", "scope": ["ai.generative-assistants", "ai.platforms-mlops"],
             "commitments": {"discount_percent": 15, "co_development": "Sovereign hosting of assistant models "
                             "in New Zealand data centres", "training_places": 200}}


def _agreement_body(api: SeedApi, supplier: str, type_: str, scope: list[str], **extra: Any) -> dict[str, Any]:
    return {"supplier_id": api.refs[f"supplier:{supplier}"], "type": type_, "terms_version": "2026.1",
            "scope": scope, "start_date": "2026-07-01", "end_date": "2029-06-30", **extra}


def _bring_into_force(api: SeedApi, agreement: dict[str, Any], supplier: str) -> bool:
    """Sign (as the supplier) and countersign an offered agreement; False when it already was."""
    if agreement["status"] == "offered":
        token = api.supplier_token(agreement["supplier_id"])
        _expect(api.post(f"/api/v1/agreements/{agreement['id']}/sign", token=token,
                         json={"signatory_name": SUPPLIERS[supplier]["contacts"][0]["name"],
                               "signatory_role": SUPPLIERS[supplier]["contacts"][0]["role"]}), 200)
        agreement["status"] = "signed"
    if agreement["status"] == "signed":
        _expect(api.post(f"/api/v1/agreements/{agreement['id']}/countersign"), 200)
        return True
    return False


def make_agreements(api: SeedApi) -> str:
    """A marketplace agreement in force for every supplier, and one strategic partnership."""
    wanted = [(name, _agreement_body(api, name, "marketplace", scope)) for name, scope in MARKETPLACE_SCOPES.items()]
    wanted.append((STRATEGIC["supplier"], _agreement_body(api, STRATEGIC["supplier"], "strategic_partnership",
                                                          STRATEGIC["scope"], commitments=STRATEGIC["commitments"])))
    activated = 0
    for name, body in wanted:
        agreement = api.create("/api/v1/agreements", body).body
        current = api.get(f"/api/v1/agreements/{agreement['id']}")
        activated += _bring_into_force(api, current, name)
        api.refs[f"agreement:{name}:{body['type']}"] = agreement["id"]
    return f"{len(wanted)} agreements in force ({activated} newly activated), 1 strategic partnership"


# --- offerings ------------------------------------------------------------------------------------

# (name, summary, categories, engagement type, pricing model, min, max, risk tier, assurance standards,
#  optionally a dict of fields that differ from _offering_body's defaults). Every solution category has some.
OFFERINGS: dict[str, list[tuple]] = {
    "kauri": [
        ("Kauri DocSense", "Reads, classifies and extracts data from agency forms and letters.",
         ["ai.document-processing"], "engagement.licensing-saas", "per_transaction", 0.05, 0.4, "limited",
         ["iso_iec_27001", "privacy_impact_assessment"]),
        ("Kauri Risk Lens", "Anomaly and fraud detection on payment and claims data.",
         ["ai.predictive-analytics"], "engagement.implementation", "fixed_price", 40000, 180000, "high",
         ["iso_iec_42001", "algorithm_impact_assessment"]),
        ("Kauri Assure", "Independent assurance of agency AI systems against the NIST AI RMF.",
         ["ai.assurance-services"], "engagement.discovery-advisory", "daily_rate", 1400, 2200, "minimal",
         ["nist_ai_rmf"]),
        ("Kauri Records Triage", "Sorts incoming correspondence and records into the right queue.",
         ["ai.document-processing"], "engagement.implementation", "fixed_price", 25000,
         90000, "limited", ["iso_iec_27001"], {"deployment": "hybrid"}),
        ("Kauri Claims Insight", "Early warning of claims that need a closer look, explained for case officers.",
         ["ai.predictive-analytics"], "engagement.managed-service", "per_transaction", 0.1, 0.6, "high",
         ["algorithm_impact_assessment", "privacy_impact_assessment"]),
        ("Kauri Bias Audit", "Testing of models for unfair outcomes across population groups.",
         ["ai.assurance-services"], "engagement.discovery-advisory", "fixed_price", 15000, 60000, "minimal",
         ["iso_iec_42001"]),
        ("Kauri PIA Studio", "Privacy and algorithm impact assessments written with the agency's team.",
         ["ai.assurance-services"], "engagement.discovery-advisory", "daily_rate", 1200, 1900, "minimal",
         ["privacy_impact_assessment"]),
    ],
    "tui": [
        ("Tui Kōrero", "Te reo Māori and English speech recognition for contact centres.",
         ["ai.speech"], "engagement.licensing-saas", "per_user_per_month", 25, 60, "limited",
         ["iso_iec_27001"]),
        ("Tui Whakamāori", "Te reo Māori translation with fluent reviewers in the loop.",
         ["ai.translation"], "engagement.managed-service", "per_transaction", 0.1, 1.5, "limited",
         ["privacy_impact_assessment"]),
        ("Tui Pātai", "A bilingual virtual agent for public enquiries.",
         ["ai.chatbots-and-search", "ai.speech"], "engagement.end-to-end-partnership", "fixed_price", 60000,
         250000, "limited", ["iso_iec_42001", "privacy_impact_assessment"]),
        ("Tui Reo Translate", "Translation to and from te reo Māori, built with Māori language experts.",
         ["ai.translation.te-reo-maori"], "engagement.licensing-saas", "per_user_per_month", 20, 45, "limited",
         ["iso_iec_27001", "privacy_impact_assessment"],
         {"maori_data": {"involves": "yes", "governance": "Governed under a data sovereignty agreement with iwi."}}),
        ("Tui Captions", "Live captions in te reo Māori and English for hui and broadcasts.",
         ["ai.speech.te-reo-maori"], "engagement.managed-service", "per_transaction", 0.5, 3, "minimal",
         ["iso_iec_27001"]),
        ("Tui Transcribe", "Transcription of interviews and hearings, with speaker labels.",
         ["ai.speech"], "engagement.licensing-saas", "per_transaction", 0.2, 1.2, "limited",
         ["iso_iec_27001", "nzism_certification_accreditation"]),
        ("Tui Rapu", "Assisted search across an agency's policies and guidance, in both languages.",
         ["ai.chatbots-and-search"], "engagement.implementation", "fixed_price", 30000, 120000, "limited",
         ["iso_iec_42001"]),
    ],
    "moana": [
        ("Moana Forecast", "Demand forecasting for service delivery across the Pacific community.",
         ["ai.predictive-analytics"], "engagement.implementation", "daily_rate", 1100, 1600, "limited",
         ["algorithm_impact_assessment"]),
        ("Moana Flow", "Workflow automation for case management teams.",
         ["ai.workflow-automation"], "engagement.licensing-saas", "per_user_per_month", 15, 35, "minimal",
         ["iso_iec_27001"]),
        ("Moana Triage", "Prioritises referrals so urgent cases reach a person first.",
         ["ai.predictive-analytics", "ai.workflow-automation"], "engagement.end-to-end-partnership", "fixed_price",
         50000, 150000, "high", ["algorithm_impact_assessment"], {"deployment": "on_premises"}),
        ("Moana Case Router", "Routes cases between teams and systems with a full audit trail.",
         ["ai.workflow-automation"], "engagement.implementation", "daily_rate", 1000, 1500, "minimal",
         ["iso_iec_27001"], {"te_reo_maori_support": True}),
        ("Moana Pacific Insights", "Service demand insights for Pacific communities, co-designed with them.",
         ["ai.predictive-analytics"], "engagement.discovery-advisory", "daily_rate", 900, 1400, "limited",
         ["privacy_impact_assessment"]),
    ],
    "southern-cross": [
        ("SX Assistant", "A generative assistant hosted in New Zealand data centres.",
         ["ai.generative-assistants"], "engagement.licensing-saas", "per_user_per_month", 30, 55, "limited",
         ["iso_iec_27001", "csa_star", "nzism_certification_accreditation"]),
        ("SX ML Platform", "Managed MLOps and model evaluation for agency data science teams.",
         ["ai.platforms-mlops"], "engagement.managed-service", "fixed_price", 90000, 400000, "minimal",
         ["iso_iec_27001", "csa_star"]),
        ("SX Vision", "Computer vision for asset inspection from drone and CCTV imagery.",
         ["ai.computer-vision"], "engagement.implementation", "per_transaction", 0.02, 0.2, "high",
         ["iso_iec_42001", "algorithm_impact_assessment"]),
        ("SX Policy Copilot", "Drafts briefings and summaries from an agency's own documents.",
         ["ai.generative-assistants"], "engagement.licensing-saas", "per_user_per_month", 25, 50, "limited",
         ["iso_iec_27001", "iso_iec_42001", "nzism_certification_accreditation"]),
        ("SX Eval Bench", "Evaluation of language models against agency test sets before go-live.",
         ["ai.platforms-mlops"], "engagement.managed-service", "fixed_price", 20000,
         80000, "minimal", ["iso_iec_27001", "nist_ai_rmf"]),
    ],
    "pounamu": [
        ("Pounamu Executive AI Masterclass", "A one-day masterclass on AI for tier 1-3 public service leaders.",
         ["ai.training"], "engagement.discovery-advisory", "fixed_price", 3500, 9000, "minimal",
         ["iso_iec_42001"], {"te_reo_maori_support": True}),
        ("Pounamu Practitioner Bootcamp", "Hands-on AI skills for analysts and developers, over six weeks.",
         ["ai.training"], "engagement.implementation", "per_user_per_month", 400, 900, "minimal",
         ["privacy_impact_assessment"]),
        ("Pounamu Responsible AI Workshop", "Responsible and Treaty-aware AI in practice, for project teams.",
         ["ai.training"], "engagement.discovery-advisory", "daily_rate", 2500, 4000, "minimal",
         ["algorithm_impact_assessment"], {"te_reo_maori_support": True}),
    ],
    "wattle": [
        ("Wattle Inspect", "Defect detection on infrastructure imagery.",
         ["ai.computer-vision"], "engagement.licensing-saas", "per_transaction", 0.03, 0.3, "limited",
         ["iso_iec_27001"]),
        ("Wattle Capture", "Invoice and receipt capture for finance teams.",
         ["ai.document-processing"], "engagement.licensing-saas", "per_transaction", 0.02, 0.15, "minimal",
         ["csa_star"], {"data_residency": {"region": "australia"}}),
        ("Wattle Count", "Counts vehicles, people and animals from camera feeds, privately.",
         ["ai.computer-vision"], "engagement.managed-service", "per_user_per_month", 80, 200, "limited",
         ["iso_iec_27001"], {"data_residency": {"region": "australia"}, "deployment": "hybrid"}),
        ("Wattle Forms", "Reads handwritten and printed forms into structured data.",
         ["ai.document-processing"], "engagement.licensing-saas", "per_transaction", 0.05, 0.3, "limited",
         ["iso_iec_27001"], {"data_residency": {"region": "other", "country": "SG"}}),
    ],
}


def _offering_body(entry: tuple) -> dict[str, Any]:
    name, summary, categories, engagement, model, low, high, _tier, standards, *differences = entry
    return {
        "name": name, "summary": summary,
        "description": f"{summary} Delivered for New Zealand public sector agencies, with support in NZ hours.",
        "categories": categories, "engagement_type": engagement,
        "pricing": {"model": model, "min_nzd": low, "max_nzd": high},
        "deployment": "saas", "data_residency": {"region": "new_zealand"},
        "te_reo_maori_support": any(c.startswith(("ai.translation", "ai.speech")) for c in categories),
        "model_provenance": {"kind": "proprietary", "models": [f"{name} model"]},
        "human_oversight": "A trained officer reviews every decision that affects a person.",
        "maori_data": {"involves": "unsure", "governance": "Assessed with the agency's Māori data governance lead."},
        "assurance_records": [{"standard": standard, "evidence_type": "third_party_certificate",
                               "issuer": "Assurance NZ", "accrediting_body": "JAS-ANZ",
                               "certificate_number": f"AN-{i + 1:04d}",
                               "scope": "The service as offered", "issued_on": "2026-03-01",
                               "expires_on": "2029-02-28"} for i, standard in enumerate(standards)],
    } | (differences[0] if differences else {})


def _publish(api: SeedApi, offering: dict[str, Any], supplier_token: str) -> bool:
    """Submit (as the supplier) and publish (as an assessor); False when it already was published."""
    if offering["status"] == "draft":
        _expect(api.post(f"/api/v1/offerings/{offering['id']}/submit", token=supplier_token), 200)
        offering["status"] = "submitted"
    if offering["status"] != "submitted":
        return False
    # An assessor checks each certificate while the offering is under assessment, so its records count in search.
    for record in offering["assurance_records"]:
        if record["verification"] != "verified":
            _expect(api.post(f"/api/v1/offerings/{offering['id']}/assurance-records/{record['id']}/review",
                             json={"verification": "verified"}, as_client="assessor"), 200)
    # The catalogue learns of the supplier, its agreements and the offering's assessment from events, a moment
    # after they happen (longer on a busy machine, or while its consumer catches up on a broker's history).
    deadline = time.monotonic() + EVENT_PATIENCE_SECONDS
    while True:
        response = api.post(f"/api/v1/offerings/{offering['id']}/publish", as_client="assessor")
        if response.status_code != 409:
            _expect(response, 200)
            return True
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    _expect(response, 200)
    return False


def _create_offering(api: SeedApi, entry, token: str) -> dict:
    """The draft of one offering. A 409 without an offering is the catalogue not yet knowing that the supplier
    was verified (until then it holds only a few drafts): asked again until it does."""
    deadline = time.monotonic() + EVENT_PATIENCE_SECONDS
    while True:
        created = api.create("/api/v1/offerings", _offering_body(entry), token=token).body
        if "id" in created:
            return created
        if time.monotonic() > deadline:
            raise SeedError(f"offering {entry[0]!r} not created: {created}")
        time.sleep(0.5)


def make_offerings(api: SeedApi) -> str:
    """Suppliers submit their offerings, each assessed and accepted first; an assessor publishes them."""
    drafts = []
    for supplier, entries in OFFERINGS.items():
        token = api.supplier_token(api.refs[f"supplier:{supplier}"])
        for entry in entries:
            created = _create_offering(api, entry, token)
            drafts.append((api.get(f"/api/v1/offerings/{created['id']}"), token, entry[7]))
    # All drafted first, so that the services learn of them together, then all assessed, then all published.
    assessed = sum(assess_offering(api, offering, tier, token) for offering, token, tier in drafts
                   if offering["status"] in ("draft", "submitted"))
    published = sum(_publish(api, offering, token) for offering, token, _ in drafts)
    return f"{len(drafts)} offerings published ({published} newly, {assessed} newly assessed)"


# --- the steps, in order ---------------------------------------------------------------------------

SeedStep = Callable[[SeedApi], str]
def subscribe_demo_partner(api: SeedApi) -> str:
    """The development partner subscribes its receiver (started by `make run`) to every public event."""
    sink = api.refs.get("partner-receiver")
    if not sink:
        return "skipped (no demo receiver)"
    if any(s["sink"] == sink for s in api.list_all("/api/v1/subscriptions", as_client="partner")):
        return f"already subscribed: {sink}"
    response = api.post("/api/v1/subscriptions", as_client="partner",
                        json={"sink": sink, "types": ["*"], "description": "make run's demo partner receiver"})
    _expect(response, 201)
    # Deliveries made while the seed ran (everything above) are recovered, so the receiver sees them too.
    recovered = api.post(f"/api/v1/subscriptions/{response.json()['id']}/recover", as_client="partner",
                         json={"since": "2000-01-01T00:00:00Z"})
    _expect(recovered, 202)
    return f"{sink}, {recovered.json()['queued']} events queued"


STEPS: list[SeedStep] = [
    register_suppliers,
    verify_suppliers,
    make_agreements,
    make_offerings,
    accredit_providers,
    list_courses,
    make_use_cases,
    write_transparency_records,
    subscribe_demo_partner,
    # (the categories need no step: the catalogue seeds them itself at start from
    # services/catalogue/catalogue/category/taxonomy.json)
]


def seed(base_url: str, *, report: Callable[[str], None] = print,
         steps: list[SeedStep] | None = None, refs: dict[str, str] | None = None) -> dict[str, str]:
    """Run every step against the gateway at `base_url`; returns what the steps made (`SeedApi.refs`). `refs`
    are known beforehand (the demo partner's receiver, say)."""
    with SeedApi(base_url) as api:
        api.refs.update(refs or {})
        for step in steps if steps is not None else STEPS:
            started = time.monotonic()
            summary = step(api)
            report(f"seed {step.__name__.replace('_', ' ')}: {summary} ({time.monotonic() - started:.1f} s)")
        return api.refs


if __name__ == "__main__":
    seed(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
