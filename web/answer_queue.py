"""Offline answers are CPU-bound: one at a time per worker process, first come first served.

A sync handler runs in a thread pool of 40, so 32 concurrent questions would run 32 threads contending
for the GIL, which serves them in no particular order: under a closed-loop load the p95 was ~3x the mean.
Queueing them in arrival order behind one slot per process costs nothing in throughput (one core per
worker does the work either way) and brings the tail near the mean. Answers that wait on a model (the
openai and llama backends) keep the thread pool: they mostly sleep, and a queue would serialise them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")
_limiter: anyio.CapacityLimiter | None = None


def _cpu_slot() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:  # created inside the worker's event loop, on first use
        _limiter = anyio.CapacityLimiter(1)
    return _limiter


def cpu_bound(assistant: Any) -> bool:
    """The extractive backend computes the whole answer itself; an LLM backend waits on a model."""
    return getattr(assistant, "llm", None) is None


async def run_answer(assistant: Any, fn: Callable[[], T]) -> T:
    """Run `fn` (which asks `assistant`) in a worker thread: queued in arrival order when CPU-bound."""
    limiter = _cpu_slot() if cpu_bound(assistant) else None
    return await anyio.to_thread.run_sync(fn, limiter=limiter)
