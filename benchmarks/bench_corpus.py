"""Benchmark the bundled corpus end to end: parse, embed, build, retrieve, answer. Writes docs/benchmarks.md.

Usage: .venv/bin/python benchmarks/bench_corpus.py [--embedder use|hashing] [--repeat 3] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.progress import track

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.core import Assistant  # noqa: E402
from index.embeddings import NamedEmbeddings, USEEmbedder  # noqa: E402
from index.hashing import HashingEmbedder  # noqa: E402
from index.store import build_index, load_index  # noqa: E402
from ingestion import ingest_directory, normalize_text  # noqa: E402

GOLD_CANDIDATES = [ROOT.parent / "shared" / "evals" / "dev.jsonl", ROOT / "tests" / "data" / "dev.jsonl"]


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"{mem:.0f} GiB RAM, Python {platform.python_version()}"
    )


def replace_section(path: Path, name: str, body: str) -> None:
    """Rewrite only this script's section (between <!-- name:start/end --> markers) of the shared file."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if start in old and end in old:
        new = old[: old.index(start)] + block + old[old.index(end) + len(end) :]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(exist_ok=True)
    path.write_text(new, encoding="utf-8")


def time_stages(assistant: Assistant) -> dict[str, list[float]]:
    """Wall time of each stage of `ask`, by wrapping the instance's own methods (benchmark only)."""
    spent: dict[str, list[float]] = {k: [] for k in ("analyse", "embed", "search", "read")}

    def wrap(obj: object, name: str, label: str) -> None:
        inner = getattr(obj, name)

        def timed(*args: object, **kwargs: object) -> object:
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label].append((time.perf_counter() - t0) * 1000)

        setattr(obj, name, timed)

    wrap(assistant, "analyse", "analyse")
    wrap(assistant.searcher.embedder, "embed_query_vector", "embed")
    wrap(assistant.searcher, "search", "search")
    wrap(assistant.reader, "read", "read")
    return spent


def stage_means(spent: dict[str, list[float]], ask_ms: list[float]) -> list[float]:
    """Mean per question: analysis, embedding, retrieval without embedding, reader, everything else."""
    n = len(ask_ms)
    analyse, embed, search, read = (sum(spent[k]) / n for k in ("analyse", "embed", "search", "read"))
    return [analyse, embed, search - embed, read, sum(ask_ms) / n - analyse - search - read]


def other_questions(gold: Path) -> list[str]:
    """dev2 when timing on dev: questions the process has never seen."""
    other = gold.with_name("dev2.jsonl")
    if not other.is_file() or other == gold:
        return []
    return [json.loads(x)["question"] for x in other.read_text(encoding="utf-8").splitlines() if x]


def host_check(repeats: int = 15) -> float:
    """Median ms of a fixed workload (Python loop + one-thread matmuls): the host's speed at the time.

    This VM's speed drifts by up to ~1.7x within minutes with nothing else running; runs of this
    benchmark compare only alongside this figure."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    a = np.random.default_rng(0).standard_normal((32, 512)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((512, 768)).astype(np.float32)
    times = []
    with threadpool_limits(1, user_api="blas"):
        for _ in range(repeats):
            t0 = time.perf_counter()
            total = 0
            for i in range(100_000):
                total += i * i % 7
            for _ in range(50):
                a @ b
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--embedder", choices=["use", "hashing"], default="use")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the gold questions")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    embedder: NamedEmbeddings = USEEmbedder() if args.embedder == "use" else HashingEmbedder()
    gold = next(p for p in GOLD_CANDIDATES if p.is_file())
    questions = [
        json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line
    ]

    t0 = time.perf_counter()
    result = ingest_directory(ROOT / "data" / "corpus", max_tokens=200, progress=False)
    t_parse = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        embedder.embed_matrix(["预热"])
        t0 = time.perf_counter()
        build_index(Path(tmp), result.documents, result.paragraphs, result.chunks, embedder, 200)
        t_build = time.perf_counter() - t0
        assistant = Assistant(load_index(Path(tmp), embedder_id=embedder.model_id), embedder)
        assistant.ask(questions[0])  # warm up
        retrieve_ms: list[float] = []
        ask_ms: list[float] = []
        for _ in range(args.repeat):  # retrieval alone first: interleaved answers would evict its caches
            for q in track(questions, description="retrieve", transient=True):
                t0 = time.perf_counter()
                assistant.searcher.search(normalize_text(q), 10)
                retrieve_ms.append((time.perf_counter() - t0) * 1000)
        stages = time_stages(assistant)
        host_before = host_check()
        for _ in range(args.repeat):
            for q in track(questions, description="ask", transient=True):
                t0 = time.perf_counter()
                assistant.ask(q)
                ask_ms.append((time.perf_counter() - t0) * 1000)
        stages = {k: list(v) for k, v in stages.items()}  # the passes above only
        fresh_ms: list[float] = []  # questions of the other gold set: new, in a process warmed by others
        for q in track(other_questions(gold), description="new questions", transient=True):
            t0 = time.perf_counter()
            assistant.ask(q)
            fresh_ms.append((time.perf_counter() - t0) * 1000)
        host_after = host_check()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    first = ask_ms[: len(questions)]
    n_chunks = len(result.chunks)
    rows = [
        ("files / paragraphs / chunks", f"{len(result.documents)} / {len(result.paragraphs)} / {n_chunks}"),
        ("parse + clean + chunk", f"{t_parse:.2f} s ({len(result.paragraphs) / t_parse:.0f} paragraphs/s)"),
        ("embed + build index", f"{t_build:.2f} s ({n_chunks / t_build:.0f} chunks/s)"),
        (
            "retrieval p50 / p95 (embedder warm)",
            f"{statistics.median(retrieve_ms):.1f} / {pct(retrieve_ms, 0.95):.1f} ms",
        ),
        (
            "ask p50 / p95 (retrieve + evidence + answer)",
            f"{statistics.median(ask_ms):.1f} / {pct(ask_ms, 0.95):.1f} ms",
        ),
        (
            "ask p50 / p95, first pass only (each question new to the process)",
            f"{statistics.median(first):.1f} / {pct(first, 0.95):.1f} ms",
        ),
        (
            "ask p50 / p95, new questions after the passes above (the other gold set, once; what a "
            "server that has answered others sees)",
            f"{statistics.median(fresh_ms):.1f} / {pct(fresh_ms, 0.95):.1f} ms ({len(fresh_ms)} questions)"
            if fresh_ms
            else "n/a (no second gold set)",
        ),
        (
            "where an ask goes (mean ms: analysis / query embedding / rest of retrieval / reader / other)",
            " / ".join(f"{v:.2f}" for v in stage_means(stages, ask_ms)),
        ),
        ("peak RSS", f"{rss:.0f} MB"),
        (
            "host speed check: a fixed Python + matmul workload, median ms before / after the asks "
            "(lower = faster host; compare runs only together with it)",
            f"{host_before:.1f} / {host_after:.1f} ms",
        ),
    ]
    cmd = f".venv/bin/python benchmarks/bench_corpus.py --embedder {args.embedder} --repeat {args.repeat}"
    lines = [
        f"## Bundled corpus, embedder `{embedder.model_id}`",
        "",
        f"Command: `{cmd}`  ",
        f"Machine: {machine()}  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d')}; "
        f"{len(questions)} gold questions x {args.repeat} passes; "
        f"load average at the end {os.getloadavg()[0]:.1f} (the machine is shared)",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in rows],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        replace_section(ROOT / "docs" / "benchmarks.md", "corpus", text)
    print(
        f"benchmark done: {len(result.documents)} files, {len(result.paragraphs)} paragraphs, "
        f"retrieval p95 {pct(retrieve_ms, 0.95):.1f} ms, ask p95 {pct(ask_ms, 0.95):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
