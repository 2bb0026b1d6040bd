"""Relevance of catalogue search on the labelled buyer queries (bench/search_queries.json): hit@3, MRR
and nDCG@10 for keyword-only ranking (`match=keyword`) and hybrid ranking, over the seeded catalogue
(deploy/local/seed.py: 31 offerings in all 13 solution categories), through the catalogue service.

The offerings are written in bulk and embedded for real with the packaged model. Target: hybrid
hit@3 >= 0.90. Run alone: `python -m bench.search_relevance [--show-misses]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

import httpx

from bench import gateway_throughput as gateway
from bench.processes import running_services
from servicekit.db import create_engine
from servicekit.identity import IDENTITY_HEADER

QUERIES = Path(__file__).with_name("search_queries.json")
HIT_TARGET = 0.90


def seeded_rows() -> list[dict]:
    """The seed's offerings as catalogue rows, published."""
    from catalogue.offering.records import FINDING, record_id
    from deploy.local.seed import OFFERINGS, _offering_body

    now = datetime.now(timezone.utc)
    rows = []
    for supplier, entries in OFFERINGS.items():
        supplier_id = str(uuid.uuid5(uuid.NAMESPACE_URL, supplier))
        for entry in entries:
            body = _offering_body(entry)
            # As the seed leaves them: active, and verified by an assessor before publication.
            body["assurance_records"] = [record | {"status": "active", "id": record_id(record), **FINDING,
                                                   "verification": "verified"} for record in body["assurance_records"]]
            row = body | {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, body["name"])), "supplier_id": supplier_id,
                          "status": "published", "suspended_reason": None, "status_reason": None, "version": 3,
                          "created_at": now, "updated_at": now, "residency_region": body["data_residency"]["region"],
                          "price_min_nzd": float(body["pricing"]["min_nzd"]),
                          "price_max_nzd": float(body["pricing"]["max_nzd"])}
            row["data_residency"] = {"country": None} | row["data_residency"]
            row |= {f"category_{n}": body["categories"][n - 1] if n <= len(body["categories"]) else None
                    for n in (1, 2, 3)}
            rows.append(row)
    return rows


async def fill(database_url: str) -> dict[str, str]:
    """Write the seeded offerings, their search rows and their vectors; returns {name: id}."""
    from catalogue.offering import search_rows
    from catalogue.offering.models import Offering
    from catalogue.search import indexing

    rows = seeded_rows()
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(Offering.__table__.insert(), rows)
            await connection.run_sync(search_rows.rebuild)
        from sqlalchemy.ext.asyncio import async_sessionmaker
        async with async_sessionmaker(engine)() as session:
            texts = await indexing._texts(session, [row["id"] for row in rows])
            ids = list(texts)
            vectors = await asyncio.to_thread(indexing.embed_texts, [texts[i] for i in ids])
            await indexing.store(session, ids, [texts[i] for i in ids], vectors)
            await session.commit()
    finally:
        await engine.dispose()
    return {row["name"]: row["id"] for row in rows}


def metrics(ranked: list[str], relevant: dict[str, int]) -> tuple[float, float, float]:
    """hit@3, reciprocal rank of the first relevant offering, nDCG@10 (gains 2 and 1)."""
    hit = float(any(i in relevant for i in ranked[:3]))
    rank = next((n for n, i in enumerate(ranked, 1) if i in relevant), None)
    dcg = sum(relevant.get(i, 0) / math.log2(n + 1) for n, i in enumerate(ranked[:10], 1))
    ideal = sum(g / math.log2(n + 1) for n, g in enumerate(sorted(relevant.values(), reverse=True)[:10], 1))
    return hit, (1 / rank if rank else 0.0), dcg / ideal


def evaluate(client: httpx.Client, url: str, headers: dict, ids: dict[str, str], match: str) -> dict:
    queries = json.loads(QUERIES.read_text())["queries"]
    totals, misses = [0.0, 0.0, 0.0], []
    for query in queries:
        relevant = {ids[name]: gain for name, gain in query["relevant"].items()}
        response = client.get(url, params={"q": query["q"], "match": match, "limit": 10, "facets": "false"},
                              headers=headers)
        response.raise_for_status()
        ranked = [o["id"] for o in response.json()["data"]]
        scores = metrics(ranked, relevant)
        totals = [t + s for t, s in zip(totals, scores)]
        if not scores[0]:
            misses.append((query["q"], [o["name"] for o in response.json()["data"][:3]]))
    count = len(queries)
    return {"hit@3": totals[0] / count, "mrr": totals[1] / count, "ndcg@10": totals[2] / count, "queries": count,
            "misses": misses}


def measure() -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite+aiosqlite:///{Path(work) / 'catalogue.db'}"
        with running_services(["catalogue"], Path(work), database_urls={"catalogue": url}) as (urls, _broker):
            ids = asyncio.run(fill(url))
            headers = {IDENTITY_HEADER: gateway.direct_header("catalogue")}
            with httpx.Client(timeout=60) as client:
                return {match: evaluate(client, f"{urls['catalogue']}/api/v1/offerings", headers, ids, match)
                        for match in ("keyword", "hybrid")}


def report(results: dict[str, dict], show_misses: bool = False) -> None:
    count = results["hybrid"]["queries"]
    print(f"search relevance, {count} labelled buyer queries over the seeded catalogue (31 offerings, "
          f"13 categories), through the catalogue service on SQLite:")
    for match, figures in results.items():
        verdict = ("meets" if figures["hit@3"] >= HIT_TARGET else "MISSES") + f" the hit@3 >= {HIT_TARGET} target"
        print(f"  {match:8} hit@3 {figures['hit@3']:.3f}, MRR {figures['mrr']:.3f}, nDCG@10 {figures['ndcg@10']:.3f}"
              + (f" ({verdict})" if match == "hybrid" else ""))
        if show_misses:
            for q, top in figures["misses"]:
                print(f"    miss: {q!r} -> {top}")


def run(show_misses: bool = False) -> dict[str, dict]:
    results = measure()
    report(results, show_misses)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true")
    run(parser.parse_args().show_misses)


if __name__ == "__main__":
    main()
