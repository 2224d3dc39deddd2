"""Load test: N concurrent users asking the real app (real USE index) over loopback for a fixed time.

Starts `policyqa serve` on a free loopback port (rate limit off: every user shares 127.0.0.1), waits
until the index is loaded, runs the users, stops the server it started, and reports errors and
p50/p95/p99 latency; writes the "Load test" section of docs/benchmarks.md.

Usage: .venv/bin/python benchmarks/load_test.py [--users 32] [--seconds 60] [--url URL] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_corpus import GOLD_CANDIDATES, machine, pct, replace_section  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {"POLICYQA_RATE_LIMIT_PER_MINUTE": "0", "HF_HUB_OFFLINE": "1"}
    cmd = [
        str(Path(sys.executable).with_name("policyqa")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(url: str, timeout: float = 180.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                body = (await client.get(f"{url}/healthz")).json()
                if body.get("index_loaded"):
                    return body
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit(f"server at {url} not ready within {timeout:.0f} s")


async def user(
    client: httpx.AsyncClient, url: str, questions: list[str], offset: int, until: float, out: dict
) -> None:
    i = offset
    while time.monotonic() < until:
        q = questions[i % len(questions)]
        i += 1
        t0 = time.perf_counter()
        try:
            r = await client.post(f"{url}/api/ask", json={"question": q})
            out["codes"][r.status_code] += 1
            if r.status_code == 200:
                out["ms"].append((time.perf_counter() - t0) * 1000)
            else:
                out["errors"].append(f"{r.status_code}: {r.text[:120]}")
        except httpx.HTTPError as exc:
            out["codes"]["exception"] += 1
            out["errors"].append(f"{type(exc).__name__}: {exc}")


async def run(url: str, users: int, seconds: float, questions: list[str]) -> dict:
    out: dict = {"codes": Counter(), "ms": [], "errors": []}
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        until = time.monotonic() + seconds
        await asyncio.gather(*(user(client, url, questions, k * 7, until, out) for k in range(users)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--users", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--url", help="test a running server instead of starting one")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.users <= 256 or not 1 <= args.seconds <= 600:
        raise SystemExit("keep it bounded: 1-256 users, 1-600 s")
    gold = next(p for p in GOLD_CANDIDATES if p.is_file())
    questions = [json.loads(x)["question"] for x in gold.read_text(encoding="utf-8").splitlines() if x]
    server = None
    url = args.url
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(port)
    try:
        health = asyncio.run(wait_ready(url))
        t0 = time.monotonic()
        out = asyncio.run(run(url, args.users, args.seconds, questions))
        elapsed = time.monotonic() - t0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    ms = out["ms"]
    total = sum(out["codes"].values())
    errors = total - out["codes"][200]
    rows = [
        ("users / duration", f"{args.users} / {elapsed:.0f} s"),
        ("requests (200 OK)", f"{total} ({out['codes'][200]})"),
        ("errors (non-200 or connection)", str(errors)),
        ("throughput", f"{total / elapsed:.1f} requests/s"),
        ("latency p50 / p95 / p99", f"{pct(ms, 0.5):.0f} / {pct(ms, 0.95):.0f} / {pct(ms, 0.99):.0f} ms")
        if ms
        else ("latency", "n/a"),
        ("index", f"{health.get('index_version')} ({health.get('embedder')}, {health.get('chunks')} chunks)"),
    ]
    cmd = f".venv/bin/python benchmarks/load_test.py --users {args.users} --seconds {args.seconds:g}"
    text = "\n".join(
        [
            f"## Load test: {args.users} concurrent users for {args.seconds:g} s",
            "",
            f"Command: `{cmd}`  ",
            f"Machine: {machine()} (shared with other jobs while it ran)  ",
            f"Date: {datetime.now(UTC).strftime('%Y-%m-%d')}. The script starts `policyqa serve` "
            "(uvicorn, one worker, extractive backend, real USE index of the bundled corpus) on loopback "
            "with the rate limit off, since every simulated user shares 127.0.0.1; each user posts the gold "
            "questions to /api/ask back to back (asyncio + httpx); latency is per request, end to end.",
            "",
            "| measure | value |",
            "|---|---|",
            *[f"| {k} | {v} |" for k, v in rows],
        ]
    )
    print(text)
    if out["errors"]:
        print("first errors:", *out["errors"][:5], sep="\n  ")
    if not args.no_write and args.url is None:
        replace_section(ROOT / "docs" / "benchmarks.md", "load", text)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
