"""Offline answers queue one at a time per worker, in arrival order; model-backed answers do not queue."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient


class _Tracking:
    """Wraps the fake's `ask` to record how many answers run at once and in which order they start."""

    def __init__(self, fake: Any) -> None:
        self.running = self.peak = 0
        self.started: list[str] = []
        self._lock = threading.Lock()
        self._ask = fake.ask
        fake.ask = self.ask

    def ask(self, question: str, **kwargs: Any) -> Any:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.started.append(question)
        time.sleep(0.05)  # CPU work stands in here: long enough for requests to overlap
        with self._lock:
            self.running -= 1
        return self._ask(question, **kwargs)


def _ask_all(client: TestClient, n: int) -> list[int]:
    def one(i: int) -> int:
        time.sleep(0.01 * i)  # arrive in order
        return client.post("/api/ask", json={"question": f"第{i}个问题：住院报销比例是多少？"}).status_code

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_offline_answers_run_one_at_a_time_in_arrival_order(fake: Any, client: TestClient) -> None:
    fake.llm = None
    tracking = _Tracking(fake)
    assert _ask_all(client, 6) == [200] * 6
    assert tracking.peak == 1
    assert tracking.started == [f"第{i}个问题：住院报销比例是多少？" for i in range(6)]


def test_answers_that_wait_on_a_model_run_side_by_side(fake: Any, client: TestClient) -> None:
    fake.llm = object()  # an LLM backend: the answer mostly waits on the model
    tracking = _Tracking(fake)
    assert _ask_all(client, 6) == [200] * 6
    assert tracking.peak > 1
