"""Time to first streamed token of the web chat, over loopback, with the offline default backend.

Starts the real server (`uvicorn web.app:create_app --factory`) in a subprocess over a USE index of
the bundled corpus, then asks corpus questions through `POST /api/ask/stream` with an SSE client
and measures, per question, the time from sending the request to the first `delta` frame and to
the final `answer` frame.

Usage: .venv/bin/python benchmarks/bench_web.py [--index-dir DIR] [--repeat 3] [--write]
Without --index-dir a fresh USE index of data/corpus is built in a temp dir first.
--write puts the figures into docs/benchmarks.md (replacing only this script's own section).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_corpus import machine, pct, replace_section  # noqa: E402

GOLD = [ROOT.parent / "shared" / "evals" / "dev.jsonl", ROOT / "tests" / "data" / "dev.jsonl"]
SECTION = "## Web chat: first streamed token"


def questions(limit: int) -> list[str]:
    gold = next(p for p in GOLD if p.is_file())
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r.get("type") != "unanswerable"][:limit]


def build_use_index(target: Path) -> None:
    from index.embeddings import USEEmbedder
    from index.store import build_index
    from ingestion import ingest_directory

    result = ingest_directory(ROOT / "data" / "corpus", max_tokens=200, progress=False)
    build_index(target, result.documents, result.paragraphs, result.chunks, USEEmbedder(), 200)


def start_server(index_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The rate limiter (issue 6) would answer 429 to a benchmark's burst: measure latency, not limits.
    env = {
        **os.environ,
        "POLICYQA_INDEX_DIR": str(index_dir),
        "POLICYQA_RATE_LIMIT_PER_MINUTE": "0",
        "HF_HUB_OFFLINE": "1",
    }
    cmd = [sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).json().get("index_loaded"):
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not come up with an index")


def ask(client: httpx.Client, url: str, question: str) -> tuple[float, float]:
    """(seconds to the first delta frame, seconds to the final answer frame)."""
    t0 = time.perf_counter()
    first: float | None = None
    total = float("nan")
    with client.stream("POST", f"{url}/api/ask/stream", json={"question": question}) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if line == "event: delta" and first is None:
                first = time.perf_counter() - t0
            elif line == "event: answer":
                total = time.perf_counter() - t0
    return (first if first is not None else total), total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, help="an existing USE index (default: build one)")
    ap.add_argument("--questions", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="record the figures in docs/benchmarks.md")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index_dir
        if index_dir is None:
            index_dir = Path(tmp) / "index"
            print("building a USE index of data/corpus ...", flush=True)
            build_use_index(index_dir)
        proc, url = start_server(index_dir)
        try:
            qs = questions(args.questions)
            with httpx.Client(timeout=60) as client:
                cold_first, cold_total = ask(client, url, qs[0])
                runs = [ask(client, url, q) for _ in range(args.repeat) for q in qs]
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    firsts = [f * 1000 for f, _ in runs]
    totals = [t * 1000 for _, t in runs]
    rows = [
        ("requests", f"{len(runs)} ({len(qs)} gold questions x {args.repeat}) + 1 cold"),
        (
            "first request after start: first token / answer",
            f"{cold_first * 1000:.0f} / {cold_total * 1000:.0f} ms",
        ),
        (
            "first token p50 / p95 / max",
            f"{pct(firsts, 0.5):.0f} / {pct(firsts, 0.95):.0f} / {max(firsts):.0f} ms",
        ),
        ("full answer p50 / p95", f"{pct(totals, 0.5):.0f} / {pct(totals, 0.95):.0f} ms"),
        ("mean first token", f"{statistics.mean(firsts):.0f} ms"),
    ]
    table = "| measure | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    text = (
        f"{SECTION}\n\n"
        "Time from sending `POST /api/ask/stream` to the first `delta` frame, over loopback; real server\n"
        "(uvicorn subprocess, rate limit off), USE index of the bundled corpus, offline extractive\n"
        "backend.\n\n"
        f"Command: `.venv/bin/python benchmarks/bench_web.py {' '.join(sys.argv[1:])}`  \n"
        f"Machine: {machine()}  \n"
        f"Date: {datetime.now(UTC):%Y-%m-%d}\n\n{table}"
    )
    print(text)
    if args.write:
        replace_section(ROOT / "docs" / "benchmarks.md", "web", text)


if __name__ == "__main__":
    main()
