"""The full pipeline at scale (issue #12): what one question costs end to end at 10k, 100k and 1M chunks.

For each size a synthetic index is grown from the real one (benchmarks/synthetic_index.py: place names,
years and figures varied per copy; vectors and BM25 tokens derived from the source chunk, see there why)
and written in the product's format; then a fresh process loads it with the product's own composition
root (`assistant.factory.build_assistant`: `load_index` with checksums, FAISS, bm25s, sentence vectors,
`Assistant`) and answers every gold question with the real USE query embedder. Build and ask run in
separate child processes so that RSS after load and peak RSS belong to serving alone.

Usage: .venv/bin/python benchmarks/bench_pipeline_scale.py [--sizes 10000,100000,1000000] [--no-write]
Writes the "Full pipeline at scale" section of docs/benchmarks.md and docs/benchmarks/pipeline_scale.png.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_corpus import machine, pct, replace_section  # noqa: E402

GOLD_FILES = [ROOT.parent / "shared" / "evals" / n for n in ("dev.jsonl", "dev2.jsonl")]
FALLBACK_GOLD = ROOT / "tests" / "data" / "dev.jsonl"
HNSW_FROM = 100_000  # the product's advice (docs/benchmarks.md, Scale): HNSW beyond ~100k chunks
TARGET_P95_MS = 150.0
TARGET_RSS_MB = 6 * 1024.0


def rss_mb() -> float:
    """Resident set size now (not the peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def gold_questions() -> list[dict[str, Any]]:
    """dev + dev2 of the shared evals (a dev benchmark may read them); the bundled copy otherwise."""
    files = [p for p in GOLD_FILES if p.is_file()] or [FALLBACK_GOLD]
    rows = []
    for path in files:
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def _console() -> Any:
    """Progress goes to stderr: a child's stdout carries only its JSON result line."""
    from rich.console import Console

    return Console(stderr=True)


# --- child: build -------------------------------------------------------------------------------------


def build_phase(source_dir: Path, out_dir: Path, n: int, index_type: str) -> dict[str, Any]:
    """Generate and write one synthetic index version; time it and record the builder's peak RSS."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from synthetic_index import Source, write_synthetic_index

    from index.store import load_index

    t0 = time.perf_counter()
    source = Source.from_index(load_index(source_dir))
    t_source = time.perf_counter() - t0
    cols = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"))
    with Progress(*cols, TimeElapsedColumn(), transient=True, console=_console()) as bar:
        tasks: dict[str, Any] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"{n:,} {stage}", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        t0 = time.perf_counter()
        gen = write_synthetic_index(out_dir, source, n, index_type=index_type, on_progress=on_progress)
        t_build = time.perf_counter() - t0
    return {
        "n": gen.chunks,
        "paragraphs": gen.paragraphs,
        "sentences": gen.sentences,
        "copies": gen.copies,
        "index_type": index_type,
        "source_s": t_source,
        "build_s": t_build,
        "build_peak_mb": peak_rss_mb(),
        "disk_mb": dir_size_mb(gen.path),
    }


# --- child: ask ---------------------------------------------------------------------------------------


def _record(
    owner: Any, name: str, label: str, log: list[dict[str, Any]], undo: list[Callable[[], None]]
) -> None:
    """Wrap owner.name so each call appends (label, seconds, RSS growth) to log; used to attribute
    load time and memory to the real loader's own steps without re-implementing them."""
    orig = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    call = getattr(owner, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        before, t0 = rss_mb(), time.perf_counter()
        out = call(*args, **kwargs)
        step = f"{label} {args[0].name}" if args and isinstance(args[0], Path) and label == "read" else label
        log.append({"step": step, "s": time.perf_counter() - t0, "mb": rss_mb() - before})
        return out

    setattr(owner, name, staticmethod(wrapped) if isinstance(owner, type) else wrapped)
    undo.append(lambda: setattr(owner, name, orig))


@contextmanager
def instrumented(log: list[dict[str, Any]]) -> Iterator[None]:
    """Time and measure each step of index.store._load and the Assistant built on it (then restore)."""
    import assistant.factory as factory
    import index.store as store

    undo: list[Callable[[], None]] = []
    try:
        _record(store, "verify_version", "verify checksums", log, undo)
        _record(store, "read_jsonl", "read", log, undo)
        _record(store, "load_vectors", "FAISS index", log, undo)
        _record(store.BM25Index, "load", "BM25 (bm25s)", log, undo)
        _record(store.SentenceVectors, "load", "sentence vectors", log, undo)
        _record(factory, "load_index", "load_index total", log, undo)
        _record(factory, "Assistant", "Assistant init", log, undo)
        yield
    finally:
        for restore in reversed(undo):
            restore()


def answer_ok(answer: Any, row: dict[str, Any]) -> bool:
    """Not refused and every must_include string in the answer (folded like the eval does)."""
    from ingestion.normalize import fold_for_match

    text = fold_for_match(answer.text)
    return not answer.refused and all(fold_for_match(m) in text for m in row.get("must_include", []))


def ask_phase(index_dir: Path, embedder_name: str, repeat: int, limit: int = 0) -> dict[str, Any]:
    """Load with the product's composition root, then time retrieval, query analysis and ask."""
    from rich.progress import track

    from assistant.factory import build_assistant
    from assistant.settings import Settings

    gold = gold_questions()
    if limit:
        gold = gold[:limit]
    questions = [g["question"] for g in gold]
    log: list[dict[str, Any]] = []
    rss0 = rss_mb()
    t0 = time.perf_counter()
    with instrumented(log):
        assistant = build_assistant(Settings(index_dir=index_dir, embedder=embedder_name))
    t_load = time.perf_counter() - t0
    rss_load = rss_mb()
    assistant.ask(questions[0])  # loads the query embedder and warms caches
    rss_warm = rss_mb()
    retrieve_ms: list[float] = []
    analyse_ms: list[float] = []
    ask_ms: list[float] = []
    for _ in range(repeat):
        assistant.searcher.query_vector.cache_clear()  # every timing includes the USE query embedding
        for q in track(questions, description="retrieve", transient=True, console=_console()):
            t = time.perf_counter()
            assistant.search(q, 10)
            retrieve_ms.append((time.perf_counter() - t) * 1000)
        for q in track(questions, description="analyse", transient=True, console=_console()):
            t = time.perf_counter()
            assistant.analyse(q)
            analyse_ms.append((time.perf_counter() - t) * 1000)
    answered = correct = real = 0
    for _ in range(repeat):
        assistant.searcher.query_vector.cache_clear()
        for row in track(gold, description="ask", transient=True, console=_console()):
            t = time.perf_counter()
            a = assistant.ask(row["question"])
            ask_ms.append((time.perf_counter() - t) * 1000)
            answered += not a.refused
            correct += answer_ok(a, row)
            real += any(not c.source_file.startswith("syn") for c in a.citations)
    total = len(gold) * repeat
    return {
        "questions": len(gold),
        "repeat": repeat,
        "load_s": t_load,
        "rss_start_mb": rss0,
        "rss_load_mb": rss_load,
        "rss_warm_mb": rss_warm,
        "peak_mb": peak_rss_mb(),
        "steps": log,
        "retrieve_p50": statistics.median(retrieve_ms),
        "retrieve_p95": pct(retrieve_ms, 0.95),
        "analyse_p50": statistics.median(analyse_ms),
        "analyse_p95": pct(analyse_ms, 0.95),
        "ask_p50": statistics.median(ask_ms),
        "ask_p95": pct(ask_ms, 0.95),
        "answered": answered / total,
        "must_include": correct / total,
        "cites_real": real / total,
        "load_avg": os.getloadavg()[0],  # the machine is shared: contention inflates every time above
    }


# --- parent ---------------------------------------------------------------------------------------------


def run_child(args: list[str]) -> dict[str, Any]:
    """Run this script as a child phase; it prints one JSON line last."""
    proc = subprocess.run(
        [sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, check=False, cwd=ROOT
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {' '.join(args)} failed with exit code {proc.returncode}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def ensure_source(index_dir: Path, embedder: str) -> None:
    """The real index of data/corpus, built with the product's ingest when missing."""
    from index.store import CURRENT

    if (index_dir / CURRENT).is_file():
        return
    from assistant.factory import run_ingest
    from assistant.settings import Settings

    print(f"no index in {index_dir}: running the product's ingest of data/corpus", flush=True)
    run_ingest(Settings(index_dir=index_dir, corpus_dir=ROOT / "data" / "corpus", embedder=embedder))


def measure_baseline(source: Path, embedder: str, repeat: int) -> dict[str, Any]:
    """The real index itself (no synthetic copies): the reference row for latency and answer rates."""
    from index.store import current_version, load_index

    loaded = load_index(source)
    row: dict[str, Any] = {
        "n": len(loaded.chunks),
        "paragraphs": len(loaded.paragraphs),
        "sentences": len(loaded.sentences) if loaded.sentences is not None else 0,
        "copies": 0,
        "index_type": f"{loaded.manifest.index_type} (real corpus)",
        "build_s": float("nan"),
        "build_peak_mb": float("nan"),
        "disk_mb": dir_size_mb(current_version(source)),
    }
    del loaded
    ask = ["--phase", "ask", "--dir", str(source), "--embedder", embedder, "--repeat", str(repeat)]
    return row | run_child(ask)


def measure_size(
    n: int, source: Path, work: Path, embedder: str, repeat: int, keep: bool, index_type: str
) -> dict[str, Any]:
    """Build the synthetic index of n chunks in one child process, serve and time it in another."""
    out = work / f"n{n}"
    shutil.rmtree(out, ignore_errors=True)
    kind = index_type if index_type != "auto" else ("hnsw" if n >= HNSW_FROM else "flat")
    build = ["--phase", "build", "--n", str(n), "--source", str(source), "--dir", str(out)]
    row = run_child([*build, "--index-type", kind])
    row |= run_child(["--phase", "ask", "--dir", str(out), "--embedder", embedder, "--repeat", str(repeat)])
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    return row


def plot(rows: list[dict[str, Any]], out: Path) -> None:
    """Latency (ask, retrieval, analysis p50/p95) and memory (after load, peak) against chunks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["n"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.4))
    for key, label, color in (
        ("ask", "ask", "tab:blue"),
        ("retrieve", "retrieval", "tab:green"),
        ("analyse", "query analysis", "tab:orange"),
    ):
        ax1.plot(sizes, [r[f"{key}_p95"] for r in rows], marker="o", color=color, label=f"{label} p95")
        p50 = [r[f"{key}_p50"] for r in rows]
        ax1.plot(sizes, p50, marker=".", ls="--", color=color, label=f"{label} p50")
    ax1.axhline(TARGET_P95_MS, color="red", lw=0.8, ls=":", label=f"{TARGET_P95_MS:.0f} ms target (ask p95)")
    ax2.plot(sizes, [r["rss_load_mb"] for r in rows], marker="o", label="RSS after load")
    ax2.plot(sizes, [r["peak_mb"] for r in rows], marker="o", label="peak RSS (serving)")
    ax2.plot(sizes, [r["build_peak_mb"] for r in rows], marker=".", ls="--", label="peak RSS (building)")
    ax2.plot(sizes, [r["disk_mb"] for r in rows], marker=".", ls="-.", label="index on disk")
    ax2.axhline(TARGET_RSS_MB, color="red", lw=0.8, ls=":", label="6 GB target (RSS)")
    for ax, title, unit in ((ax1, "time per question", "ms"), (ax2, "memory and disk", "MB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks (synthetic, grown from the bundled corpus)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def _secs(value: float) -> str:
    return "–" if value != value else f"{value:.0f} s"  # NaN: the real index, built by ingest


def section(rows: list[dict[str, Any]], cmd: str, minutes: float) -> str:
    """The markdown section: table, memory breakdown of the largest size, how the corpus was made."""
    big = rows[-1]
    steps: dict[str, list[float]] = {}
    for s in big["steps"]:
        acc = steps.setdefault(s["step"], [0.0, 0.0])
        acc[0] += s["s"]
        acc[1] += s["mb"]
    lines = [
        f"## Full pipeline at scale: question in, answer out, up to {big['n']:,} chunks",
        "",
        f"Command: `{cmd}` ({minutes:.0f} min)  ",
        f"Machine: {machine()} (shared with other jobs while it ran)  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d')}; {big['questions']} gold questions (dev + dev2) x "
        f"{big['repeat']}; load average at the end {os.getloadavg()[0]:.1f}",
        "",
        "Each synthetic size is grown from the real USE index of data/corpus "
        "(benchmarks/synthetic_index.py): "
        "copy 0 is the real corpus, every further copy renames its places (generated names such as 青石县), "
        "shifts its years and scales its figures; chunk and sentence vectors are the source's real USE "
        "vectors plus small noise and BM25 tokens are the source's jieba tokens with the same substitutions "
        "(re-embedding 1M chunks would take hours here). The index is written in the product's format and "
        "served by `build_assistant` in a fresh process; every time includes embedding the question with "
        "USE. HNSW from 100k chunks (the product's advice), flat below. answered / must_include: share of "
        "questions answered, and answered with every expected figure (copies with other figures compete).",
        "",
        "| chunks | paragraphs / sentences | index | build | on disk | load | RSS after load | peak RSS "
        "| retrieval p50 / p95 | analysis p50 / p95 | ask p50 / p95 | answered / must_include | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['paragraphs']:,} / {r['sentences']:,} | {r['index_type']} | "
            f"{_secs(r['build_s'])} | {r['disk_mb'] / 1024:.2f} GB | {r['load_s']:.1f} s | "
            f"{r['rss_load_mb'] / 1024:.2f} GB | {r['peak_mb'] / 1024:.2f} GB | "
            f"{r['retrieve_p50']:.1f} / {r['retrieve_p95']:.1f} ms | "
            f"{r['analyse_p50']:.1f} / {r['analyse_p95']:.1f} ms | "
            f"{r['ask_p50']:.1f} / {r['ask_p95']:.1f} ms | {r['answered']:.2f} / {r['must_include']:.2f} | "
            f"{r.get('load_avg', float('nan')):.1f} |"
        )
    lines += [
        "",
        f"Where load time and memory go at {big['n']:,} chunks (the real loader's steps, instrumented; "
        "memory is RSS growth during the step):",
        "",
        "| step | time | RSS growth |",
        "|---|---|---|",
        *[f"| {k} | {v[0]:.1f} s | {v[1]:,.0f} MB |" for k, v in steps.items()],
        "",
        "![ask latency and memory against chunks](benchmarks/pipeline_scale.png)",
    ]
    return "\n".join(lines)


def measure_all(args: argparse.Namespace, results: Path) -> list[dict[str, Any]]:
    """The baseline row, then one row per size; rows are saved to `results` as they come."""
    ensure_source(args.source, args.embedder)
    args.work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    if not args.no_baseline:
        rows.append(measure_baseline(args.source, args.embedder, args.repeat))
    for n in [int(s) for s in args.sizes.split(",")]:
        r = measure_size(n, args.source, args.work, args.embedder, args.repeat, args.keep, args.index_type)
        rows.append(r)
        results.write_text(json.dumps({"rows": rows, "minutes": 0}), encoding="utf-8")
        print(
            f"{r['n']:>9,} chunks {r['index_type']}: build {r['build_s']:.0f} s, disk {r['disk_mb']:.0f} MB, "
            f"load {r['load_s']:.1f} s, RSS {r['rss_load_mb']:.0f} MB (peak {r['peak_mb']:.0f}), "
            f"retrieval p95 {r['retrieve_p95']:.1f} ms, "
            f"ask p50/p95 {r['ask_p50']:.1f}/{r['ask_p95']:.1f} ms, "
            f"answered {r['answered']:.2f}",
            flush=True,
        )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--source", type=Path, default=ROOT / "data" / "index", help="real index to grow from")
    ap.add_argument("--work", type=Path, default=Path("/tmp/policyqa-pipeline-scale"))
    ap.add_argument("--embedder", default="use", help="query embedder (must match the source index)")
    ap.add_argument("--index-type", default="auto", choices=["auto", "flat", "hnsw"])
    ap.add_argument("--repeat", type=int, default=1, help="passes over the gold questions")
    ap.add_argument("--keep", action="store_true", help="keep the built indexes under --work")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-baseline", action="store_true", help="skip the row of the real index itself")
    ap.add_argument(
        "--from-results", action="store_true", help="rewrite the doc and plot from <work>/results.json"
    )
    ap.add_argument("--phase", choices=["build", "ask"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.phase == "build":
        print(json.dumps(build_phase(args.source, args.dir, args.n, args.index_type)))
        return 0
    if args.phase == "ask":
        print(json.dumps(ask_phase(args.dir, args.embedder, args.repeat)))
        return 0
    t_start = time.perf_counter()
    results = args.work / "results.json"  # every measured row, kept so a crash or --from-results loses none
    if args.from_results:
        saved = json.loads(results.read_text(encoding="utf-8"))
        rows, minutes = saved["rows"], saved["minutes"]
    else:
        rows, minutes = measure_all(args, results), (time.perf_counter() - t_start) / 60
        results.write_text(json.dumps({"rows": rows, "minutes": minutes}), encoding="utf-8")
    cmd = f"nice -n 10 .venv/bin/python benchmarks/bench_pipeline_scale.py --sizes {args.sizes}"
    if args.repeat != 1:
        cmd += f" --repeat {args.repeat}"
    text = section(rows, cmd, minutes)
    print(text)
    if not args.no_write:
        plot(rows, ROOT / "docs" / "benchmarks" / "pipeline_scale.png")
        replace_section(ROOT / "docs" / "benchmarks.md", "pipeline-scale", text)
    big = rows[-1]
    verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
    print(
        f"pipeline scale done in {minutes:.1f} min: {big['n']:,} chunks ask p95 {big['ask_p95']:.0f} ms "
        f"(target {TARGET_P95_MS:.0f}: {verdict(big['ask_p95'] <= TARGET_P95_MS)}), peak RSS "
        f"{big['peak_mb'] / 1024:.2f} GB (target 6: {verdict(big['peak_mb'] <= TARGET_RSS_MB)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
