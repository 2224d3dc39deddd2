"""`policyqa serve --workers 2`, the real command on a small index: both workers answer, a re-index done
through one worker is served by every worker, one rate limit holds across workers, SIGTERM stops all.

The index uses the hashing embedder (no model), so a server starts in a few seconds; it is built before
the server starts, so the parent forks its workers (the default path) rather than spawning them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-admin-token"
QUESTION = "大病保险起付线降低多少？"
DOC_A = """关于做好农村贫困人口医疗保障工作的通知

一、基本医疗保险
农村贫困人口参加城乡居民基本医疗保险，个人缴费部分由财政给予补贴，住院合规费用报销比例提高10个百分点。

二、大病保险
大病保险起付线降低50%，农村贫困人口大病保险报销比例不低于80%。
"""
DOC_B = """关于门诊慢性病保障的补充通知

门诊慢性病患者在定点医疗机构发生的门诊合规费用，报销比例为70%，年度限额为5000元。
"""

pytestmark = pytest.mark.slow


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    index_dir: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(x) for x in (task / "children").read_text().split()}
        except OSError:
            continue
    return out


def _healthz(url: str) -> dict:
    """A fresh connection each time, so the kernel may hand it to either worker."""
    with httpx.Client(timeout=10) as client:
        return client.get(f"{url}/healthz").json()


def _workers_seen(url: str, want: int, until: float) -> dict[str, dict]:
    """worker id -> its latest /healthz body, polling until `want` distinct workers answered."""
    seen: dict[str, dict] = {}
    while len(seen) < want and time.monotonic() < until:
        with ThreadPoolExecutor(8) as pool:
            for body in pool.map(lambda _: _healthz(url), range(16)):
                seen[body["worker"]] = body
    return seen


def _start(tmp: Path, **env: str) -> Iterator[Server]:
    from assistant.factory import run_ingest
    from assistant.settings import Settings

    corpus, index_dir = tmp / "corpus", tmp / "index"
    corpus.mkdir()
    (corpus / "a.txt").write_text(DOC_A, encoding="utf-8")
    run_ingest(Settings(corpus_dir=corpus, index_dir=index_dir, embedder="hashing"), progress=False)
    port = _free_port()
    full_env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "POLICYQA_EMBEDDER": "hashing",
        "POLICYQA_CORPUS_DIR": str(corpus),
        "POLICYQA_INDEX_DIR": str(index_dir),
        "POLICYQA_FEEDBACK_DB": str(tmp / "feedback.sqlite3"),
        "POLICYQA_ADMIN_TOKEN": TOKEN,
        **env,
    }
    cmd = [sys.executable, "-m", "assistant", "serve", "--workers", "2", "--port", str(port)]
    proc = subprocess.Popen(
        cmd, cwd=tmp, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield Server(url, proc, index_dir)
    finally:
        if proc.poll() is None:
            proc.terminate()  # graceful: the parent stops its workers
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    yield from _start(tmp_path, POLICYQA_RATE_LIMIT_PER_MINUTE="0")


def test_two_workers_answer_follow_a_reindex_and_stop_on_sigterm(server: Server) -> None:
    workers = _children(server.proc.pid)
    assert len(workers) == 2, workers  # forked workers: no resource tracker beside them
    seen = _workers_seen(server.url, 2, time.monotonic() + 60)
    assert len(seen) == 2, seen
    first = {body["index_version"] for body in seen.values()}
    assert first == {(server.index_dir / "CURRENT").read_text().strip()}

    def ask(_: int) -> int:
        with httpx.Client(timeout=30) as client:
            r = client.post(f"{server.url}/api/ask", json={"question": QUESTION})
            return r.status_code if "50%" in r.json().get("answer", "") else -r.status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(ask, range(32))) == {200}

    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = httpx.put(f"{server.url}/api/documents/b.txt", content=DOC_B.encode(), headers=auth, timeout=10)
    assert r.status_code == 201, r.text
    r = httpx.post(f"{server.url}/api/reindex", headers=auth, timeout=10)
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 60
    new: set[str] = set()
    while time.monotonic() < deadline:  # the worker that re-indexed swaps at once, the other within ~1 s
        pointer = (server.index_dir / "CURRENT").read_text().strip()
        seen = _workers_seen(server.url, 2, time.monotonic() + 10)
        new = {body["index_version"] for body in seen.values()}
        if pointer not in first and new == {pointer} and len(seen) == 2:
            break
        time.sleep(0.3)
    assert len(new) == 1 and new.isdisjoint(first), (first, new)
    assert {body["documents"] for body in seen.values()} == {2}
    for _ in range(8):  # whichever worker answers lists the new document and the re-index's end
        with httpx.Client(timeout=10) as client:
            listed = client.get(f"{server.url}/api/documents").json()["documents"]
        docs = {d["source_file"]: d for d in listed}
        assert docs["b.txt"]["indexed"], docs["b.txt"]
        status = httpx.get(f"{server.url}/api/reindex", timeout=10).json()
        assert status["state"] == "done" and {status["index_version"]} == new, status

    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(30) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_workers_stop_when_their_parent_is_killed(server: Server) -> None:
    """SIGKILL (or the OOM killer) on the parent leaves no orphaned worker serving the port."""
    workers = _children(server.proc.pid)
    assert len(workers) == 2
    server.proc.kill()
    server.proc.wait(10)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_one_rate_limit_across_two_workers(tmp_path: Path) -> None:
    """Five answers per client whichever worker serves the connection: the buckets are shared."""
    burst = 5
    gen = _start(
        tmp_path, POLICYQA_RATE_LIMIT_PER_MINUTE="0.5", POLICYQA_RATE_LIMIT_BURST=str(burst)
    )  # 0.5/min: no token comes back during the test
    srv = next(gen)
    try:
        assert len(_workers_seen(srv.url, 2, time.monotonic() + 60)) == 2  # health is never limited

        def ask(_: int) -> int:
            with httpx.Client(timeout=30) as client:  # a new connection per request: both workers serve
                return client.post(f"{srv.url}/api/ask", json={"question": QUESTION}).status_code

        with ThreadPoolExecutor(6) as pool:
            codes = list(pool.map(ask, range(24)))
        assert codes.count(200) == burst, codes
        assert codes.count(429) == len(codes) - burst
    finally:
        gen.close()


class _KeepAlive:
    """One browser-like keep-alive connection, reopened when the server closes it."""

    def __init__(self, url: str) -> None:
        self.host, self.port = url.removeprefix("http://").split(":")
        self.sock: socket.socket | None = None

    def request(self, raw: bytes) -> tuple[bytes, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection((self.host, int(self.port)), timeout=30)
        self.sock.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            assert chunk, "server closed the connection without answering"
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = int(
            next(x for x in head.lower().split(b"\r\n") if x.startswith(b"content-length")).split(b":")[1]
        )
        while len(body) < length:
            body += self.sock.recv(65536)
        if b"connection: close" in head.lower():
            self.sock.close()
            self.sock = None
        return head, body


def test_connections_spread_over_the_workers_under_load(server: Server) -> None:
    """16 users opening their connections at once and asking back to back: the kernel may hand most
    connections to one worker; the overloaded worker hands them back until both carry a fair share."""
    users = [_KeepAlive(server.url) for _ in range(16)]
    for u in users:  # a burst of connects, as when a page full of users starts asking
        u.sock = socket.create_connection((u.host, int(u.port)), timeout=30)
    body = json.dumps({"question": QUESTION}, ensure_ascii=False).encode()
    ask = (
        b"POST /api/ask HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % len(body)
    )
    until = time.monotonic() + 8

    def closed_loop(u: _KeepAlive) -> int:
        n = 0
        while time.monotonic() < until:
            head, _ = u.request(ask + body)
            assert head.startswith(b"HTTP/1.1 200"), head
            n += 1
        return n

    with ThreadPoolExecutor(len(users)) as pool:
        assert min(pool.map(closed_loop, users)) > 0
    where = Counter(
        json.loads(u.request(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")[1])["worker"] for u in users
    )
    assert len(where) == 2 and min(where.values()) >= 4, where
