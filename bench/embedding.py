"""Sentence embeddings (all-MiniLM-L6-v2 in numpy, servicekit.embedding) on this machine's CPU.

Measures the time a fresh process takes to load the model, the latency of one short query, the
throughput of batches of 32 offering summaries and of 32 long descriptions (cut at 256 tokens), and the
size of the environment on disk. Each time is given as wall-clock time and as the CPU time the process
used: on a shared machine the first depends on what else runs, the second much less (with BLAS on one
thread it is what an idle core would take).

Run alone: `python -m bench.embedding [--queries 200] [--batches 8] [--blas-threads 1 2]`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from bench.search import THEMES, _text, percentile
from servicekit import embedding

VENV = Path(sys.prefix)
QUERIES = ["speech transcription", "te reo Māori translation", "fraud risk scoring", "document extraction",
           "chatbot for citizen enquiries", "computer vision inspection", "voice to text", "AI governance training"]
LOAD_SCRIPT = ("import time; start = time.perf_counter(); from servicekit.embedding import sentence_embedder; "
               "sentence_embedder(); print(time.perf_counter() - start)")


def load_seconds(runs: int = 3) -> float:
    """Median time from nothing imported to a loaded model, each in a fresh process (files in the page cache)."""
    return statistics.median(float(subprocess.run([sys.executable, "-c", LOAD_SCRIPT], capture_output=True,
                                                  text=True, check=True).stdout) for _ in range(runs))


def texts(count: int, words: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    themes = [theme.split() for theme in THEMES.values()]
    return [_text(rng, rng.choice(themes), words) for _ in range(count)]


def query_latencies_ms(embedder: embedding.SentenceEmbedder, count: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each single query, after ten unmeasured ones."""
    wall, cpu = [], []
    for n in range(count + 10):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        embedder.embed_one(QUERIES[n % len(QUERIES)])
        if n >= 10:
            wall.append((time.perf_counter() - wall_start) * 1000)
            cpu.append((time.process_time() - cpu_start) * 1000)
    return wall, cpu


def sentences_per_second(embedder: embedding.SentenceEmbedder, batch: list[str], repeats: int) -> tuple[float, float]:
    """Sentences per second of wall-clock time and per second of CPU time, embedding `batch` `repeats` times."""
    embedder.embed(batch)
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        embedder.embed(batch)
    done = len(batch) * repeats
    return done / (time.perf_counter() - wall_start), done / (time.process_time() - cpu_start)


def environment_size() -> str:
    return subprocess.run(["du", "-sh", str(VENV)], capture_output=True, text=True).stdout.split()[0]


def run(queries: int = 200, batches: int = 8, blas_threads: tuple[int, ...] = (embedding.BLAS_THREADS,)) -> None:
    """Measure and print."""
    print(f"sentence embeddings, {embedding.MODEL_NAME} ({embedding.MODEL_PACKAGE} {embedding.MODEL_VERSION}), "
          f"numpy on the CPU:")
    print(f"  load in a fresh process: {load_seconds():.2f} s; environment {VENV.name}: {environment_size()}")
    embedder = embedding.sentence_embedder()
    summaries = texts(embedding.BATCH_SIZE, 30, seed=1)
    descriptions = texts(embedding.BATCH_SIZE, 250, seed=2)
    tokens = [len(e.ids) for e in embedder.tokenizer.encode_batch(summaries)]
    for threads in blas_threads:
        with threadpool_limits(limits=threads, user_api="blas"):
            wall, cpu = query_latencies_ms(embedder, queries)
            summary_rates = sentences_per_second(embedder, summaries, batches)
            description_rates = sentences_per_second(embedder, descriptions, max(1, batches // 4))
        print(f"  BLAS on {threads} thread(s), wall-clock (CPU time):")
        print(f"    one query ({queries}): p50 {statistics.median(wall):.1f} ms ({statistics.median(cpu):.1f}), "
              f"p95 {percentile(wall, 0.95):.1f} ms ({percentile(cpu, 0.95):.1f})")
        print(f"    batches of {len(summaries)}: summaries of {min(tokens)}-{max(tokens)} tokens "
              f"{summary_rates[0]:.1f}/s ({summary_rates[1]:.1f}), descriptions cut at {embedding.MAX_TOKENS} "
              f"tokens {description_rates[0]:.1f}/s ({description_rates[1]:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200, help="measured single queries per setting")
    parser.add_argument("--batches", type=int, default=8, help="measured batches of summaries per setting")
    parser.add_argument("--blas-threads", type=int, nargs="+", default=[embedding.BLAS_THREADS])
    args = parser.parse_args()
    run(args.queries, args.batches, tuple(args.blas_threads))


if __name__ == "__main__":
    main()
