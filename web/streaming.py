"""Run a blocking stream of SSE frames for a client, and stop it when the client goes away.

The frames come from a generator that reads the model token by token (it yields "" between tokens);
each step runs in a worker thread, and between steps the client's connection is checked. When it is
gone, the generator is closed, which closes the model's stream, so nobody keeps a model busy for an
answer no one will read.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import anyio
from starlette.requests import Request

logger = logging.getLogger(__name__)


class _Exhausted(Exception):
    """StopIteration cannot cross a thread boundary through anyio; this stands in for it."""


def _step(frames: Iterator[str]) -> str:
    try:
        return next(frames)
    except StopIteration:
        raise _Exhausted from None


def _close(frames: Iterator[str]) -> None:
    close = getattr(frames, "close", None)
    if close is not None:
        close()


async def until_disconnect(request: Request, frames: Iterator[str]) -> AsyncIterator[str]:
    """The non-empty frames of `frames`, pulled one by one off the event loop; on a disconnect (seen
    between two steps, or as the cancellation Starlette sends) `frames` is closed and nothing more is read."""
    steps = 0
    try:
        while True:
            if await request.is_disconnected():
                logger.info("client went away after %d stream steps: generation stopped", steps)
                return
            try:
                frame = await anyio.to_thread.run_sync(_step, frames)
            except _Exhausted:
                return
            steps += 1
            if frame:
                yield frame
    finally:
        with anyio.CancelScope(shield=True):  # runs even when the response task was cancelled
            await anyio.to_thread.run_sync(_close, frames)
