"""milvus-lite beside FAISS at 100k chunks (issue 7): build/insert time, query p50/p95, recall@10 vs exact.

Vectors are the bench_scale ones: the real corpus' USE chunk vectors, mixed and perturbed up to --size.
Usage: .venv/bin/python benchmarks/bench_milvus.py [--size 100000] [--queries 200] [--types flat,hnsw]
Prints a Markdown table (copied into docs/deploy.md); runs in about 2-4 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_corpus import machine, pct  # noqa: E402
from bench_scale import DEPTH, K, query_vectors, synthesize  # noqa: E402

from index.embeddings import USEEmbedder  # noqa: E402
from index.faiss_index import FaissIndex  # noqa: E402
from index.milvus_index import MilvusIndex  # noqa: E402
from index.store import build_index, load_index  # noqa: E402
from ingestion import ingest_directory  # noqa: E402


def corpus_vectors() -> np.ndarray:
    result = ingest_directory(ROOT / "data" / "corpus", max_tokens=200, progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        build_index(Path(tmp), result.documents, result.paragraphs, result.chunks, USEEmbedder(), 200)
        return load_index(Path(tmp)).vectors.vectors()


def run(index: Any, data: np.ndarray, queries: np.ndarray) -> tuple[float, list[float], list[list[int]]]:
    t0 = time.perf_counter()
    index.add(data)
    if isinstance(index, MilvusIndex):
        index.save(Path(tempfile.mkdtemp()) / "pointer.json")  # flush: the build is done when searchable
    build = time.perf_counter() - t0
    index.search(queries[0], DEPTH)  # warm-up (milvus-lite loads the segment on first search)
    ms, ids = [], []
    for q in queries:
        t = time.perf_counter()
        hits = index.search(q, DEPTH)
        ms.append((time.perf_counter() - t) * 1000)
        ids.append([i for i, _ in hits[:K]])
    return build, ms, ids


def recall(ids: list[list[int]], exact: list[list[int]]) -> float:
    return statistics.mean(len(set(a) & set(b)) / K for a, b in zip(ids, exact, strict=True))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--types", default="flat,hnsw")
    args = ap.parse_args()
    import faiss

    faiss.omp_set_num_threads(1)
    data = synthesize(corpus_vectors(), args.size)
    queries = query_vectors(args.queries)
    rows: list[tuple[str, float, list[float], list[list[int]]]] = []
    exact: list[list[int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.types.split(","):
            build, ms, ids = run(FaissIndex(data.shape[1], index_type=kind), data, queries)
            exact = exact or ids
            rows.append((f"FAISS {kind}", build, ms, ids))
            milvus = MilvusIndex(data.shape[1], Path(tmp) / "bench.db", f"bench_{kind}", kind)
            build, ms, ids = run(milvus, data, queries)
            rows.append((f"milvus-lite {kind.upper()}", build, ms, ids))
            milvus.drop()
    print(f"Machine: {machine()}")
    print(f"{args.size:,} chunks x {data.shape[1]} dims, {args.queries} queries, k={DEPTH}, one at a time\n")
    print("| store | build / insert | p50 | p95 | recall@10 vs exact |")
    print("|---|---|---|---|---|")
    for name, build, ms, ids in rows:
        print(
            f"| {name} | {build:.1f} s | {statistics.median(ms):.2f} ms | {pct(ms, 0.95):.2f} ms "
            f"| {recall(ids, exact):.3f} |"
        )


if __name__ == "__main__":
    main()
