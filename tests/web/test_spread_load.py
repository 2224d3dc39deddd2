"""Several workers on 2 cores: answers run one at a time per worker in arrival order (CPU-bound
backends), connections are recycled after a number of requests, and a worker carrying more than its
share of requests in flight hands connections back (issue 12, closed-loop load)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.settings import Settings
from web.app import create_app
from web.worker_load import SLOTS, WorkerLoad


class _Slow:
    """Wraps a fake assistant: each answer takes 50 ms and the most at once is recorded."""

    def __init__(self, inner: object) -> None:
        self.inner, self.now, self.most, self._lock = inner, 0, 0, threading.Lock()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def ask(self, *args: object, **kwargs: object) -> object:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)
        with self._lock:
            self.now -= 1
        return self.inner.ask(*args, **kwargs)  # type: ignore[attr-defined]


def _most_at_once(settings: Settings, fake: object, path: str) -> int:
    slow = _Slow(fake)
    with TestClient(create_app(settings, assistant=slow)) as client, ThreadPoolExecutor(6) as pool:
        codes = list(
            pool.map(lambda _: client.post(path, json={"question": "报销比例？"}).status_code, range(6))
        )
    assert codes == [200] * 6
    return slow.most


def test_offline_answers_run_one_at_a_time_and_remote_ones_do_not(fake: object) -> None:
    offline = Settings(rate_limit_per_minute=0)
    assert _most_at_once(offline, fake, "/api/ask") == 1
    assert _most_at_once(offline, fake, "/api/reply") == 1
    remote = Settings(
        **{**offline.model_dump(), "backend": "openai", "openai_base_url": "http://127.0.0.1:9/v1"}
    )
    assert _most_at_once(remote, fake, "/api/ask") > 1  # waits on the network: the thread pool
    assert _most_at_once(Settings(**{**offline.model_dump(), "answer_slots": 3}), fake, "/api/ask") == 3


def test_a_connection_is_closed_after_its_request_budget(fake: object) -> None:
    conf = Settings(rate_limit_per_minute=0, keepalive_requests=3)
    with TestClient(create_app(conf, assistant=fake)) as client:  # one client address and port
        said = [client.get("/healthz").headers.get("connection") for _ in range(7)]
    assert said == [None, None, "close", None, None, "close", None]


def test_the_worker_over_its_share_is_told_so_and_a_dead_workers_slot_is_reused(tmp_path: Path) -> None:
    board = tmp_path / "workers.load"
    one, two = WorkerLoad(board), WorkerLoad(board)  # two slots (one process stands in for two workers)
    assert one.slot != two.slot
    for _ in range(3):
        one.started()
    assert one.overloaded() and not two.overloaded()  # 3 against a mean of 1.5
    one.finished()
    assert not one.overloaded()  # 2 against a mean of 1
    one.release()
    assert not two.overloaded()  # alone on the board
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    three = WorkerLoad(board)
    three._board[three.slot] = (dead.pid, 7)  # a worker killed with 7 requests in flight
    four = WorkerLoad(board)
    assert four.slot == three.slot and len({two.slot, four.slot}) == 2
    assert board.stat().st_size == SLOTS * 8
