"""Catalogue search at scale: 50,000 published offerings, a filtered full-text query with facets.

The offerings are written straight into the catalogue's database (bulk insert, then the catalogue's
own `catalogue.offering.search_rows.rebuild` writes what search reads), then the same queries are sent
one at a time to the catalogue and through the gateway, on SQLite and on PostgreSQL. Targets: p95 <= 25 ms at the service, <= 50 ms
through the gateway.

Run alone: `python -m bench.search [--offerings 50000] [--requests 300] [--backend sqlite|postgres]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import text


from bench import gateway_throughput as gateway  # noqa: E402
from bench.processes import running_services, stop  # noqa: E402
from servicekit.broker import free_port  # noqa: E402
from servicekit.db import create_engine  # noqa: E402
from servicekit.identity import IDENTITY_HEADER  # noqa: E402

SERVICE_TARGET_MS, GATEWAY_TARGET_MS = 25.0, 50.0
SOLUTIONS = ["ai.generative-assistants", "ai.chatbots-and-search", "ai.document-processing", "ai.translation",
             "ai.translation.te-reo-maori", "ai.speech", "ai.speech.te-reo-maori", "ai.computer-vision",
             "ai.predictive-analytics", "ai.workflow-automation", "ai.platforms-mlops", "ai.assurance-services",
             "ai.training"]
ENGAGEMENTS = ["engagement.discovery-advisory", "engagement.implementation", "engagement.managed-service",
               "engagement.end-to-end-partnership", "engagement.licensing-saas"]
STANDARDS = ["iso_iec_42001", "iso_iec_27001", "csa_star", "nzism_certification_accreditation",
             "privacy_impact_assessment", "algorithm_impact_assessment", "nist_ai_rmf"]
# Each solution category has words of its own; the rest of a text comes from common words, drawn
# with a long tail (Zipf) as in real prose, so a domain word is in a few thousand offerings, not all.
THEMES = {
    "ai.generative-assistants": "assistant drafting summarise generative copilot briefing writing",
    "ai.chatbots-and-search": "chatbot virtual agent search knowledge retrieval answers enquiries",
    "ai.document-processing": "document extraction OCR forms letters scanned classification",
    "ai.translation": "translation bilingual multilingual localisation interpreting glossary",
    "ai.translation.te-reo-maori": "te reo Māori translation bilingual kupu reo",
    "ai.speech": "speech transcription recognition dictation voice captioning",
    "ai.speech.te-reo-maori": "te reo Māori speech pronunciation voice reo",
    "ai.computer-vision": "vision camera inspection counting imagery detection",
    "ai.predictive-analytics": "fraud risk anomaly forecasting triage prediction",
    "ai.workflow-automation": "workflow automation routing case orchestration handoff",
    "ai.platforms-mlops": "platform MLOps monitoring evaluation deployment pipelines",
    "ai.assurance-services": "assurance audit bias testing impact assessment",
    "ai.training": "training leadership masterclass workshop skills curriculum",
}
COMMON = ("the and for with our your agency public service team data secure cloud support teams staff "
          "customers people services model models system systems reporting insight insights tool tools "
          "managed hosted local national regional government council health education justice transport "
          "records archive compliance accessible sovereign privacy trusted proven fast simple flexible scalable "
          "integration integrations api apis dashboard dashboards analytics quality review reviews human "
          "oversight governance policy standards policies outcomes delivery project projects partner partners "
          "onboarding licence licences pricing enterprise small medium large regions new zealand australia "
          "hosting onshore offshore reliable availability uptime security encryption access identity users "
          "citizens clients frontline operations backlog efficiency savings cost costs value experience "
          "feedback improvement continuous iterative agile discovery design build run maintain upgrade "
          "migration legacy modern open source proprietary weights fine tuned evaluation benchmark").split()
WEIGHTS = [1 / (rank + 1) for rank in range(len(COMMON))]
NOUNS = ["Translate", "Scribe", "Reader", "Assist", "Vision", "Insight", "Flow", "Guard", "Lens", "Compass",
         "Bridge", "Pulse", "Beacon", "Harbour", "Kōrero", "Matatau", "Tiaki", "Waka", "Pou", "Kete"]
# The measured queries: words plus several filters, each with facets (a buyer's first result page).
QUERIES = [
    {"q": "translation", "category": "ai.translation", "data_residency": "new_zealand",
     "certification": "iso_iec_27001"},
    {"q": "speech te reo", "te_reo_maori_support": "true", "risk_tier": ["minimal", "limited"]},
    {"q": "fraud risk", "category": "ai.predictive-analytics", "price_max": "5000", "supplier_size": ["small", "medium"]},
    {"q": "document extraction", "engagement_type": "engagement.licensing-saas", "certification": "iso_iec_42001",
     "maori_business": "true"},
    {"q": "assistant", "data_residency": ["new_zealand", "australia"], "risk_tier": "limited",
     "price_min": "100"},
]


def _text(rng: random.Random, theme: list[str], count: int) -> str:
    """Prose of `count` words, about one in eight from the offering's theme."""
    return " ".join(rng.choice(theme) if rng.random() < 0.125 else word
                    for word in rng.choices(COMMON, WEIGHTS, k=count))


def generate(count: int, suppliers: list[str], seed: int = 4) -> list[dict]:
    """Offerings across every category, with assurance records."""
    from catalogue.offering.records import FINDING, record_id
    rng = random.Random(seed)
    today = date.today()
    offerings = []
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for n in range(count):
        offering_id = str(uuid.UUID(int=rng.getrandbits(128)))
        codes = rng.sample(SOLUTIONS, rng.choice((1, 1, 2, 3)))
        theme = THEMES[codes[0]].split()
        low = rng.choice((10, 50, 200, 1000, 5000, 20000))
        high = low * rng.choice((1, 2, 5))
        region = rng.choice(("new_zealand", "new_zealand", "australia", "other"))
        records = [{"standard": standard, "evidence_type": "third_party_certificate", "issuer": "BSI",
                    "accrediting_body": "JAS-ANZ", "certificate_number": None, "scope": None,
                    "issued_on": (today - timedelta(days=rng.randint(30, 900))).isoformat(),
                    "expires_on": (today + timedelta(days=rng.randint(-200, 900))).isoformat(), "status": "active"}
                   for standard in rng.sample(STANDARDS, rng.randint(0, 3))]
        # Most records an assessor has verified; the others do not count in search.
        records = [{**r, "id": record_id(r), **FINDING, "verification": "verified" if rng.random() < 0.8
                    else "unverified"} for r in records]
        changed = start + timedelta(seconds=n * 37)
        offerings.append({
            "id": offering_id, "supplier_id": rng.choice(suppliers),
            "name": f"{rng.choice(NOUNS)} {rng.choice(theme).capitalize()} {n}",
            "summary": _text(rng, theme, 14), "description": _text(rng, theme, 90), "categories": codes,
            "engagement_type": rng.choice(ENGAGEMENTS),
            "pricing": {"model": "per_user_per_month", "min_nzd": low, "max_nzd": high},
            "deployment": "saas",
            "data_residency": {"region": region, "country": "US" if region == "other" else None},
            "te_reo_maori_support": rng.random() < 0.3,
            "model_provenance": {"kind": "proprietary", "models": ["in-house"]},
            "risk_tier": rng.choice(("minimal", "limited", "limited", "high")),
            "human_oversight": "A person reviews every decision.", "maori_data": {"involves": "no", "governance": None},
            "assurance_records": records, "status": "published", "suspended_reason": None, "status_reason": None,
            "version": 3, "created_at": changed, "updated_at": changed,
            "residency_region": region, "price_min_nzd": float(low), "price_max_nzd": float(high)})
        offerings[-1] |= {f"category_{n}": codes[n - 1] if n <= len(codes) else None for n in (1, 2, 3)}
    return offerings


async def fill(database_url: str, count: int) -> float:
    """Write suppliers and `count` published offerings in bulk; returns the seconds it took."""
    from catalogue.supplier.models import SupplierProjection
    from catalogue.offering.models import Offering
    from catalogue.offering import search_rows

    began = time.perf_counter()
    now = datetime.now(timezone.utc)
    rng = random.Random(7)
    suppliers = [{"id": str(uuid.UUID(int=rng.getrandbits(128))), "legal_name": f"Supplier {n} Ltd",
                  "trading_name": None, "org_id": f"NZ-NZBN-94290000{n:05d}",
                  "size": rng.choice(("micro", "small", "medium", "large")), "maori_business": rng.random() < 0.2,
                  "pasifika_business": False, "status": "active", "version": 2, "changed_at": now, "applied_at": now}
                 for n in range(500)]
    offerings = generate(count, [s["id"] for s in suppliers])
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(SupplierProjection.__table__.insert(), suppliers)
            for chunk in range(0, len(offerings), 5000):
                await connection.execute(Offering.__table__.insert(), offerings[chunk:chunk + 5000])
            await connection.run_sync(search_rows.rebuild)  # what search reads, by the catalogue's own rules
        # What a live database has had time to do: statistics gathered, and on PostgreSQL the GIN index's
        # pending list merged (autovacuum's work; until then every search reads that list through).
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "sqlite":
                await connection.execute(text("INSERT INTO catalogue_offering_text(catalogue_offering_text) "
                                              "VALUES ('optimize')"))
                await connection.execute(text("ANALYZE"))
            else:
                await connection.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
    return time.perf_counter() - began


def latencies(client: httpx.Client, targets: dict[str, tuple[str, dict]], requests: int,
              warmup: int = 50) -> dict[str, list[float]]:
    """Milliseconds per request for each target, one request at a time, cycling through QUERIES; the
    targets take turns request by request, so a passing disturbance of the machine hits both alike."""
    results: dict[str, list[float]] = {name: [] for name in targets}
    for n in range(warmup + requests):
        params = QUERIES[n % len(QUERIES)] | {"limit": "20"}
        for name, (url, headers) in targets.items():
            began = time.perf_counter()
            response = client.get(url, params=params, headers=headers)
            elapsed = (time.perf_counter() - began) * 1000
            if response.status_code != 200 or response.json()["facets"] is None:
                raise RuntimeError(f"search answered {response.status_code}: {response.text[:300]}")
            if n >= warmup:
                results[name].append(elapsed)
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values), "p95": percentile(values, 0.95), "p99": percentile(values, 0.99),
            "max": max(values)}


def measure(backend: str, count: int, requests: int) -> dict:
    """Fill a fresh catalogue database on `backend` and time the queries at the service and the gateway."""
    from servicekit.testing import create_postgres_database, drop_postgres_database

    with tempfile.TemporaryDirectory() as work:
        url = (asyncio.run(create_postgres_database("bench_catalogue")) if backend == "postgres"
               else f"sqlite+aiosqlite:///{Path(work) / 'catalogue.db'}")
        try:
            with running_services(["catalogue"], Path(work), database_urls={"catalogue": url}) as (urls, _broker):
                fill_seconds = asyncio.run(fill(url, count))
                gateway_port = free_port()
                process = gateway.start_gateway(int(urls["catalogue"].rsplit(":", 1)[1]), gateway_port)
                try:
                    gateway.wait_for_port(gateway_port)
                    identity = gateway.direct_header("catalogue")
                    token = gateway.fetch_token(gateway_port)
                    with httpx.Client(timeout=30) as client:
                        first = client.get(f"{urls['catalogue']}/api/v1/offerings", params=QUERIES[0],
                                           headers={IDENTITY_HEADER: identity}).json()
                        timed = latencies(client, {
                            "service": (f"{urls['catalogue']}/api/v1/offerings", {IDENTITY_HEADER: identity}),
                            "gateway": (f"http://127.0.0.1:{gateway_port}/api/v1/offerings",
                                        {"Authorization": f"Bearer {token}"})}, requests)
                finally:
                    stop([process])
        finally:
            if backend == "postgres":
                asyncio.run(drop_postgres_database(url))
    return {"backend": backend, "fill_seconds": fill_seconds, "first_total": first["total"], "load": os.getloadavg()[0],
            "service": summary(timed["service"]), "gateway": summary(timed["gateway"])}


def report(result: dict, count: int, requests: int) -> None:
    print(f"catalogue search, {count:,} published offerings on {result['backend']} "
          f"(bulk fill {result['fill_seconds']:.1f} s), {requests} requests one at a time, "
          f"{len(QUERIES)} filtered full-text queries with facets (the first matches {result['first_total']:,}), "
          f"machine load average {result['load']:.1f} at the end:")
    for where, target in (("service", SERVICE_TARGET_MS), ("gateway", GATEWAY_TARGET_MS)):
        figures = result[where]
        verdict = "meets" if figures["p95"] <= target else "MISSES"
        print(f"  {where:8} p50 {figures['p50']:5.1f} ms, p95 {figures['p95']:5.1f} ms, p99 {figures['p99']:5.1f} ms, "
              f"max {figures['max']:5.1f} ms ({verdict} the p95 <= {target:g} ms target)")


def postgres_available() -> bool:
    import socket
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


def run(count: int = 50_000, requests: int = 300, backends: tuple[str, ...] = ("sqlite", "postgres")) -> None:
    """Measure and print, per backend."""
    for backend in backends:
        if backend == "postgres" and not postgres_available():
            print("catalogue search on postgres: skipped, no PostgreSQL on 127.0.0.1:5432")
            continue
        report(measure(backend, count, requests), count, requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offerings", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=300, help="measured requests per target")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], action="append")
    args = parser.parse_args()
    run(args.offerings, args.requests, tuple(args.backend or ("sqlite", "postgres")))


if __name__ == "__main__":
    main()
