"""Answers computed one at a time per worker, in arrival order, when the backend is CPU-bound.

Why: under the GIL, N answers computed in N threads share one core, so each takes N times as long and a
costly question's latency grows with its cost times the crowd (32 closed-loop users: p95 2.2x the
median). In arrival order a request waits for those ahead of it and then runs alone: the same
throughput, a tail near the median (p95 1.4x). A remote LLM backend (openai) waits on the network,
not the CPU, so it keeps FastAPI's thread pool. Streaming answers keep it too: a stream must not hold
the only slot while its reader is slow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
from fastapi import Request

from assistant.settings import Settings

T = TypeVar("T")
CPU_BOUND_BACKENDS = ("extractive", "llama")


def answer_slots(settings: Settings) -> int | None:
    """Answers computed at once per worker; None = FastAPI's thread pool decides."""
    if settings.answer_slots > 0:
        return settings.answer_slots
    return 1 if settings.backend in CPU_BOUND_BACKENDS else None


async def in_answer_slot(request: Request, fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` in a worker thread, after the requests that arrived before it (when slots are set)."""
    state = request.app.state
    slots: int | None = getattr(state, "answer_slots", None)
    if slots is None:
        return await anyio.to_thread.run_sync(fn, *args)
    if getattr(state, "answer_limiter", None) is None:  # made in the event loop that will use it
        state.answer_limiter = anyio.CapacityLimiter(slots)
    return await anyio.to_thread.run_sync(fn, *args, limiter=state.answer_limiter)
