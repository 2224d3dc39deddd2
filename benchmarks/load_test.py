"""Load test of the real app (real USE index, `policyqa serve` with its default workers) over loopback.

Two scenarios, each written to its own section of docs/benchmarks.md:
  closed  32 users posting the gold questions to /api/ask back to back (closed loop): p50/p95/p99,
          errors, throughput. Target (issue 12): p95 <= 300 ms with 0 errors.
  think   200 users that each ask, then think 5 s before the next question (open-ish loop, the
          arrival rate does not follow the server's speed): p95. Target: p95 <= 150 ms.
The script starts the server on a free port (rate limit off: every simulated user shares 127.0.0.1),
waits for the index, runs the scenarios, samples the memory of the server's processes once a second
(sum of PSS over parent and workers = what the server costs; sum of RSS counts shared pages once per
process) and stops the server it started.

Usage: .venv/bin/python benchmarks/load_test.py [--scenario both|closed|think] [--workers N]
       [--seconds 60] [--users 32] [--think-users 200] [--think 5] [--url URL] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_corpus import GOLD_CANDIDATES, machine, pct, replace_section  # noqa: E402
from server_memory import TreeMemory, measure  # noqa: E402

BENCHMARKS_MD = ROOT / "docs" / "benchmarks.md"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int | None, log: Path) -> subprocess.Popen[bytes]:
    """`python -m assistant serve` from this checkout (PYTHONPATH too, for spawned workers); its log goes
    to `log`, so worker deaths and restarts can be counted afterwards."""
    env = os.environ | {
        "POLICYQA_RATE_LIMIT_PER_MINUTE": "0",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    with log.open("wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def worker_restarts(log: Path) -> int:
    """uvicorn's supervisor logs "Child process [pid] died" when it replaces a dead or hung worker."""
    try:
        return log.read_text(encoding="utf-8", errors="replace").count("] died")
    except OSError:
        return 0


async def wait_ready(url: str, timeout: float = 180.0) -> dict[str, Any]:
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


class User:
    """One simulated browser: its own keep-alive HTTP/1.1 connection, requests pre-encoded. A lean client
    on purpose: it shares the 2 cores with the server, and an httpx client used 0.77 of a core at ~100
    requests/s, queueing responses in the client and taking CPU from the server it measures."""

    def __init__(self, host: str, port: int, requests: list[bytes]) -> None:
        self.host, self.port, self.requests = host, port, requests
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def ask(self, i: int, out: dict[str, Any]) -> None:
        t0 = time.perf_counter()
        try:
            status, body = await self._exchange(self.requests[i % len(self.requests)])
            ms = (time.perf_counter() - t0) * 1000
            if status == 200 and "answer" in json.loads(body):
                out["codes"][200] += 1
                out["ms"].append(ms)
            else:
                out["codes"][status] += 1
                out["errors"].append(f"{status}: {body[:120].decode('utf-8', 'replace')}")
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            out["codes"]["exception"] += 1
            out["errors"].append(f"{type(exc).__name__}: {exc}")
            self.close()

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        """Status and body. Like a browser, a reused connection the server closed while idle (uvicorn's
        keep-alive timeout is 5 s) is replaced and the request sent once more."""
        for attempt in (0, 1):
            reused = self._conn is not None
            if self._conn is None:
                self._conn = await asyncio.open_connection(self.host, self.port)
            reader, writer = self._conn
            try:
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                self.close()
                partial = getattr(exc, "partial", b"")
                if reused and not partial and attempt == 0:
                    continue
                raise
            length, close = 0, False
            for line in head.lower().split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line[15:])
                close = close or line.replace(b" ", b"") == b"connection:close"
            body = await reader.readexactly(length)
            if close:  # the server recycles connections (web/keepalive.py): the next one is new
                self.close()
            return int(head[9:12]), body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn[1].close()
        self._conn = None


def encode_requests(url: str, questions: list[str]) -> list[bytes]:
    host = urlsplit(url).netloc
    out = []
    for q in questions:
        body = json.dumps({"question": q}, ensure_ascii=False).encode()
        head = f"POST /api/ask HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        out.append(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return out


async def user(client: User, k: int, until: float, think: float, out: dict) -> None:
    """Closed loop when think == 0; else a random start within one think time, then ask + think."""
    i = k * 7
    if think:
        await asyncio.sleep(random.uniform(0, think))
    while time.monotonic() < until:
        await client.ask(i, out)
        i += 1
        if think:
            await asyncio.sleep(think)


async def run(url: str, users: int, seconds: float, think: float, questions: list[str]) -> dict:
    out: dict = {"codes": Counter(), "ms": [], "errors": []}
    parts = urlsplit(url)
    requests = encode_requests(url, questions)
    clients = [User(parts.hostname or "127.0.0.1", parts.port or 80, requests) for _ in range(users)]
    cpu0, until = time.process_time(), time.monotonic() + seconds
    try:
        await asyncio.gather(*(user(c, k, until, think, out) for k, c in enumerate(clients)))
    finally:
        for c in clients:
            c.close()
    out["client_cpu_s"] = time.process_time() - cpu0
    return out


class Sampler:
    """Samples the server tree's memory once a second in a thread; keeps the peak (by PSS)."""

    def __init__(self, pid: int | None) -> None:
        self.pid, self.peak, self._stop = pid, None, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while self.pid is not None and not self._stop.wait(1.0):
            self.peak = measure(self.pid).peak(self.peak)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def memory_row(mem: TreeMemory | None) -> tuple[str, str]:
    if mem is None:
        return ("server memory", "n/a (not started by this script)")
    detail = f"RSS {mem.rss_mb:.0f} MB, USS {mem.uss_mb:.0f} MB; {mem.processes} processes"
    return ("server memory, peak (sum over parent + workers)", f"PSS {mem.pss_mb:.0f} MB ({detail})")


def section(name: str, args: argparse.Namespace, users: int, think: float, result: dict) -> str:
    out, elapsed, mem, health, load = (result[k] for k in ("out", "elapsed", "mem", "health", "load"))
    ms, total = out["ms"], sum(out["codes"].values())
    errors = total - out["codes"][200]
    latency = " / ".join(f"{pct(ms, q):.0f}" for q in (0.5, 0.95, 0.99)) + " ms" if ms else "n/a"
    rows = [
        ("server", f"`policyqa serve`, {result['workers']} worker processes, extractive backend"),
        ("users / think time / duration", f"{users} / {think:g} s / {elapsed:.0f} s"),
        ("requests (200 OK)", f"{total} ({out['codes'][200]})"),
        ("errors (non-200 or connection)", str(errors)),
        ("worker restarts by the supervisor (since start)", str(result["restarts"])),
        ("throughput", f"{total / elapsed:.1f} requests/s"),
        ("latency p50 / p95 / p99", latency),
        ("load generator CPU (same machine)", f"{out['client_cpu_s'] / elapsed:.0%} of one core"),
        memory_row(mem),
        ("load average (1 min) before / after", f"{load[0]:.2f} / {load[1]:.2f}"),
        ("index", f"{health.get('index_version')} ({health.get('embedder')}, {health.get('chunks')} chunks)"),
    ]
    title = {
        "closed": f"## Load test: {users} concurrent users, closed loop, {args.seconds:g} s",
        "think": f"## Load test: {users} users with {think:g} s think time, {args.seconds:g} s",
    }[name]
    loop = (
        "each user posts the gold questions to /api/ask back to back"
        if name == "closed"
        else f"each user asks, waits {think:g} s, asks again (start times spread over the first {think:g} s)"
    )
    return "\n".join(
        [
            title,
            "",
            f"Command: `{result['command']}`  ",
            f"Machine: {machine()} (shared with other engineers' jobs)  ",
            f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC. The script starts `policyqa serve` "
            "(real USE index of the bundled corpus) on loopback with the rate limit off, since every "
            f"simulated user shares 127.0.0.1; {loop}, each over its own keep-alive connection "
            "(asyncio streams, requests pre-encoded); latency is per request, end to end.",
            "",
            "| measure | value |",
            "|---|---|",
            *[f"| {k} | {v} |" for k, v in rows],
        ]
    )


def command(args: argparse.Namespace) -> str:
    parts = [".venv/bin/python benchmarks/load_test.py"]
    if args.scenario != "both":
        parts.append(f"--scenario {args.scenario}")
    if args.workers:
        parts.append(f"--workers {args.workers}")
    return " ".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", choices=["both", "closed", "think"], default="both")
    ap.add_argument("--workers", type=int, help="server workers (default: the server's, one per core)")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--users", type=int, default=32, help="closed-loop users")
    ap.add_argument("--think-users", type=int, default=200)
    ap.add_argument("--think", type=float, default=5.0, help="think time in seconds")
    ap.add_argument("--url", help="test a running server instead of starting one (nothing is written)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if not 1 <= max(args.users, args.think_users) <= 1000 or not 1 <= args.seconds <= 600:
        raise SystemExit("keep it bounded: 1-1000 users, 1-600 s")
    gold = next(p for p in GOLD_CANDIDATES if p.is_file())
    questions = [json.loads(x)["question"] for x in gold.read_text(encoding="utf-8").splitlines() if x]
    scenarios = {"closed": (args.users, 0.0), "think": (args.think_users, args.think)}
    names = list(scenarios) if args.scenario == "both" else [args.scenario]
    server, url = None, args.url
    server_log = Path(tempfile.gettempdir()) / f"policyqa-load-server-{os.getpid()}.log"
    if url is None:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(port, args.workers, server_log)
    failed = False
    try:
        health = asyncio.run(wait_ready(url))
        pid = server.pid if server is not None else None
        for name in names:
            users, think = scenarios[name]
            load0 = os.getloadavg()[0]
            with Sampler(pid) as sampler:
                t0 = time.monotonic()
                out = asyncio.run(run(url, users, args.seconds, think, questions))
                elapsed = time.monotonic() - t0
            result = {
                "out": out, "elapsed": elapsed, "mem": sampler.peak, "health": health,
                "restarts": worker_restarts(server_log) if server is not None else "?",
                "load": (load0, os.getloadavg()[0]), "command": command(args),
                "workers": measure(pid).workers if pid else "?",
            }  # fmt: skip
            text = section(name, args, users, think, result)
            print(text + "\n")
            if out["errors"]:
                print("first errors:", *out["errors"][:5], sep="\n  ")
                failed = True
            if not args.no_write and args.url is None:
                replace_section(BENCHMARKS_MD, "load" if name == "closed" else "load-think", text)
    finally:
        if server is not None:
            server.terminate()  # SIGTERM: the parent stops its workers gracefully
            server.wait(timeout=60)
            print(f"server log: {server_log}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
