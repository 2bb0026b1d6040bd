"""Where to score query vectors: an in-process numpy matrix against sqlite-vec, 50,000 x 384 float32
vectors (random unit vectors: the cost does not depend on what they hold), one query at a time, BLAS on
one thread as the service runs it.

sqlite-vec is not a dependency of the project: this Python's sqlite3 cannot load extensions, so it is
measured only where it can be (`PYTHONPATH=<dir with sqlite_vec and numpy> /usr/bin/python3 -m
bench.vector_store`) and skipped otherwise. Run alone: `python -m bench.vector_store`.
"""

from __future__ import annotations

import sqlite3
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

COUNT, DIMENSIONS = 50_000, 384


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {statistics.median(ordered):6.2f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.2f} ms"


def timed(work, queries) -> list[float]:
    times = []
    for query in queries:
        began = time.perf_counter()
        work(query)
        times.append((time.perf_counter() - began) * 1000)
    return times


def run(queries: int = 200) -> None:
    threadpool_limits(limits=1, user_api="blas")
    rng = np.random.default_rng(1)
    matrix = rng.standard_normal((COUNT, DIMENSIONS)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    asked = rng.standard_normal((queries, DIMENSIONS)).astype(np.float32)
    asked /= np.linalg.norm(asked, axis=1, keepdims=True)

    def numpy_scores(query):
        scores = matrix @ query
        return np.argpartition(-scores, 1000)[:1000], np.flatnonzero(scores >= 0.25)

    print(f"query vectors against {COUNT:,} offerings ({DIMENSIONS} dimensions), one query at a time:")
    print(f"  numpy matrix (scores, 1,000 closest, those over a threshold): {summary(timed(numpy_scores, asked))}")
    try:
        import sqlite_vec
        connection = sqlite3.connect(":memory:")
        connection.enable_load_extension(True)
        sqlite_vec.load(connection)
    except (ImportError, AttributeError) as exc:
        print(f"  sqlite-vec: skipped ({exc.__class__.__name__}: {exc})")
        return
    connection.execute(f"CREATE VIRTUAL TABLE vectors USING vec0(embedding float[{DIMENSIONS}] distance_metric=cosine)")
    connection.executemany("INSERT INTO vectors (rowid, embedding) VALUES (?, ?)",
                           ((n + 1, matrix[n].tobytes()) for n in range(COUNT)))
    for k in (100, 1000):
        def knn(query, k=k):
            return connection.execute("SELECT rowid, distance FROM vectors WHERE embedding MATCH ? AND k = ?",
                                      (query.tobytes(), k)).fetchall()
        print(f"  sqlite-vec vec0 KNN, k={k}: {summary(timed(knn, asked[:50]))}")


if __name__ == "__main__":
    run()
