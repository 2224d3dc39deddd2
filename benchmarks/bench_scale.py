"""Cost curve: ingestion throughput per embedder, then vector build time, memory and query latency
(p50/p95) of FAISS flat vs HNSW at 1k..1M chunks synthesised from the real corpus' USE vectors.

Usage: .venv/bin/python benchmarks/bench_scale.py [--sizes 1000,10000,100000,1000000] [--queries 300]
       [--types flat,hnsw] [--no-write]
Writes the "Scale" section of docs/benchmarks.md and docs/benchmarks/scale.png.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_corpus import GOLD_CANDIDATES, machine, pct, replace_section  # noqa: E402

from index.embeddings import NamedEmbeddings, USEEmbedder  # noqa: E402
from index.faiss_index import FaissIndex  # noqa: E402
from index.hashing import HashingEmbedder  # noqa: E402
from index.store import build_index, load_index  # noqa: E402
from ingestion import ingest_directory  # noqa: E402

K = 10
DEPTH = 50  # what HybridSearcher asks the vector index for
EF_SEARCH = (64, 128, 256, 512, 1024, 2048)


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def ingest_rows() -> tuple[list[tuple[str, str]], np.ndarray]:
    """Parse the corpus once, then embed + build with each embedder; return rows and the USE vectors."""
    t0 = time.perf_counter()
    result = ingest_directory(ROOT / "data" / "corpus", max_tokens=200, progress=False)
    t_parse = time.perf_counter() - t0
    n_p, n_c = len(result.paragraphs), len(result.chunks)
    rows = [("parse + clean + chunk", f"{t_parse:.2f} s, {n_p / t_parse:.0f} paragraphs/s ({n_c} chunks)")]
    use_vectors = np.zeros((0, 512), np.float32)
    embedders: list[NamedEmbeddings] = [HashingEmbedder(), USEEmbedder()]
    for emb in embedders:
        emb.embed_matrix(["预热"])
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            build_index(Path(tmp), result.documents, result.paragraphs, result.chunks, emb, 200)
            t_build = time.perf_counter() - t0
            if isinstance(emb, USEEmbedder):
                use_vectors = load_index(Path(tmp)).vectors.vectors()
        rows.append(
            (
                f"embed + build index, `{emb.model_id}`",
                f"{t_build:.2f} s, {n_p / t_build:.0f} paragraphs/s, {n_c / t_build:.0f} chunks/s",
            )
        )
    return rows, use_vectors


def synthesize(base: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """n unit vectors near the real ones: random mixes of two chunk vectors plus noise."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), np.float32)
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        i, j = rng.integers(0, len(base), m), rng.integers(0, len(base), m)
        a = rng.uniform(0.5, 1.0, (m, 1)).astype(np.float32)
        x = base[i] * a + base[j] * (1 - a) + rng.normal(0, 0.02, (m, base.shape[1])).astype(np.float32)
        out[s : s + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def query_vectors(n: int) -> np.ndarray:
    gold = next(p for p in GOLD_CANDIDATES if p.is_file())
    qs = [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line]
    vecs = USEEmbedder().embed_matrix(qs)
    reps = synthesize(vecs, max(0, n - len(vecs)), seed=1) if n > len(vecs) else vecs[:0]
    return np.vstack([vecs, reps])[:n]


def _time_queries(index: FaissIndex, queries: np.ndarray) -> tuple[list[float], list[list[int]]]:
    ms, ids = [], []
    for q in queries:
        t0 = time.perf_counter()
        hits = index.search(q, DEPTH)
        ms.append((time.perf_counter() - t0) * 1000)
        ids.append([i for i, _ in hits[:K]])
    return ms, ids


def measure(data: np.ndarray, queries: np.ndarray, index_type: str) -> list[dict[str, object]]:
    """Build once; time queries (for HNSW at each efSearch of EF_SEARCH: a search-time knob)."""
    import faiss

    faiss.omp_set_num_threads(2)
    gc.collect()
    before = rss_mb()
    t0 = time.perf_counter()
    index = FaissIndex(data.shape[1], index_type=index_type)
    index.add(data)
    build = time.perf_counter() - t0
    mem = rss_mb() - before
    faiss.omp_set_num_threads(1)  # one thread per query: the server answers several requests at once
    out = []
    for ef in EF_SEARCH if index_type == "hnsw" else [0]:
        label = index_type
        if ef:
            index._index.hnsw.efSearch = ef
            label = f"hnsw ef={ef}"
        ms, ids = _time_queries(index, queries)
        out.append(
            {
                "type": label,
                "build_s": build,
                "mem_mb": mem,
                "p50": statistics.median(ms),
                "p95": pct(ms, 0.95),
            }
            | {"ids": ids}
        )
    del index
    gc.collect()
    return out


def plot(results: list[dict[str, object]], out: Path) -> None:
    """Latency (p95, and flat p50), recall@K and memory against size; one line per efSearch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4.2))
    kinds = sorted({str(r["type"]) for r in results}, key=lambda k: (k != "flat", len(k), k))
    colors = plt.cm.viridis(np.linspace(0, 0.9, max(1, len(kinds) - 1)))
    for n, kind in enumerate(kinds):
        rs = [r for r in results if r["type"] == kind]
        sizes = [r["n"] for r in rs]
        color = "black" if kind == "flat" else colors[n - 1]
        ax1.plot(sizes, [r["p95"] for r in rs], marker="o", color=color, label=f"{kind} p95")
        if kind == "flat":
            ax1.plot(sizes, [r["p50"] for r in rs], marker=".", ls="--", color=color, label="flat p50")
        ax2.plot(sizes, [r.get("recall", 1.0) for r in rs], marker="o", color=color, label=kind)
    for kind, color in (("flat", "black"), ("hnsw", "tab:green")):
        rs = [r for r in results if str(r["type"]).startswith(kind)]
        by_size = {r["n"]: max(float(r["mem_mb"]), 0.1) for r in rs}  # type: ignore[arg-type]
        ax3.plot(list(by_size), list(by_size.values()), marker="o", color=color, label=kind)
    ax1.axhline(100, color="red", linewidth=0.8, linestyle=":", label="100 ms budget")
    panels = ((ax1, "vector query latency", "ms", True), (ax2, f"recall@{K} vs flat", "recall", False))
    for ax, title, unit, log_y in (*panels, (ax3, "index memory (RSS growth)", "MB", True)):
        ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
        ax.set_xlabel("chunks")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--types", default="flat,hnsw")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    types = args.types.split(",")
    ingest, base = ingest_rows()
    print("\n".join(f"{k}: {v}" for k, v in ingest), flush=True)
    queries = query_vectors(args.queries)
    results: list[dict[str, object]] = []
    for n in sizes:
        data = synthesize(base, n)
        data[: min(n, len(base))] = base[:n]  # the real chunks are part of every size
        exact: list[list[int]] | None = None
        for kind in types:
            for r in measure(data, queries, kind):
                r["n"] = n
                if kind == "flat":
                    exact = r["ids"]  # type: ignore[assignment]
                if exact is not None:
                    pairs = zip(r["ids"], exact, strict=True)  # type: ignore[call-overload]
                    r["recall"] = float(np.mean([len(set(a) & set(b)) / K for a, b in pairs]))
                results.append(r)
                print(
                    f"{n:>8} {r['type']:<12} build {r['build_s']:.1f} s  mem {r['mem_mb']:.0f} MB  "
                    f"p50 {r['p50']:.2f} ms  p95 {r['p95']:.2f} ms  recall {r.get('recall', 1.0):.3f}",
                    flush=True,
                )
        del data
        gc.collect()
    cmd = (
        f".venv/bin/python benchmarks/bench_scale.py --sizes {args.sizes} --types {args.types} "
        f"--queries {args.queries}"
    )
    lines = [
        "## Scale: ingestion throughput and vector search from 1k to 1M chunks",
        "",
        f"Command: `{cmd}`  ",
        f"Machine: {machine()} (shared with other jobs while it ran)  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d')}",
        "",
        "Ingestion of the bundled corpus, per embedder:",
        "",
        "| step | throughput |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in ingest],
        "",
        f"Vector search (k={DEPTH}, one query at a time, {len(queries)} queries: the gold questions embedded "
        "with USE plus perturbed copies; one OpenMP thread per query, 2 for building). "
        "Chunks beyond the real ones are synthesised: random mixes of two "
        "real USE chunk vectors plus small noise, normalised. Memory is the RSS growth while building. "
        f"Recall@{K} is measured against flat (exact) search. HNSW: M=32, efConstruction=40; "
        "efSearch is a search-time setting (product default: `HNSW_EF_SEARCH` in index/faiss_index.py).",
        "",
        f"| chunks | index | build | memory | p50 | p95 | recall@{K} |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {r['n']:,} | {r['type']} | {r['build_s']:.1f} s | {r['mem_mb']:.0f} MB | {r['p50']:.2f} ms | "
            f"{r['p95']:.2f} ms | {r.get('recall', 1.0):.3f} |"
            for r in results
        ],
        "",
        "![latency and memory against index size](benchmarks/scale.png)",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        plot(results, ROOT / "docs" / "benchmarks" / "scale.png")
        replace_section(ROOT / "docs" / "benchmarks.md", "scale", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
