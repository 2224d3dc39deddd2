"""How many requests each worker has in flight, on a small shared board, so a worker carrying more than
its share hands connections back (web/keepalive.py) and they re-spread over the workers.

Why: the kernel gives each new connection to whichever worker accepts it first, and a keep-alive
connection stays with its worker. When every worker is busy that race is a coin toss, so a burst of
connections can stay split 28/4 for as long as its users keep asking (closed-loop p95 three times the
balanced one). The board is a file of fixed slots (pid, requests in flight) mapped by every worker;
each worker writes only its own slot, so no lock is needed after it claims one.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import mmap
import os
import threading
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

SLOTS = 64
_SLOT_BYTES = 8  # int32 pid, int32 requests in flight


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WorkerLoad:
    """This worker's slot on the board; `overloaded()` compares it with the other live workers'."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        with open(self.path, "a+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)  # claiming a slot is the only shared write
            if os.fstat(f.fileno()).st_size < SLOTS * _SLOT_BYTES:
                f.truncate(SLOTS * _SLOT_BYTES)
            self._map = mmap.mmap(f.fileno(), SLOTS * _SLOT_BYTES)
            self._board = np.frombuffer(self._map, dtype=np.int32).reshape(SLOTS, 2)
            free = [i for i, pid in enumerate(self._board[:, 0].tolist()) if pid == 0 or not _alive(pid)]
            if not free:
                raise OSError(f"no free slot among {SLOTS} on {self.path}")
            self.slot = free[0]
            self._board[self.slot] = (os.getpid(), 0)
            fcntl.flock(f, fcntl.LOCK_UN)

    def started(self) -> None:
        with self._lock:
            self._board[self.slot, 1] += 1

    def finished(self) -> None:
        with self._lock:
            self._board[self.slot, 1] -= 1

    def overloaded(self) -> bool:
        """More than one request above the mean of the workers on the board (never with one worker).
        A worker killed without `release` keeps its slot until its replacement claims it."""
        board = self._board.copy()
        live = board[board[:, 0] != 0]
        if len(live) < 2:
            return False
        mine = int(board[self.slot, 1])
        return mine > float(live[:, 1].sum()) / len(live) + 1

    def release(self) -> None:
        """Free the slot (graceful shutdown)."""
        with self._lock:
            self._board[self.slot] = (0, 0)


def open_board(path: Path | None) -> WorkerLoad | None:
    """The board named by the settings, or None (one worker, or an unusable file: then no shedding)."""
    if path is None:
        return None
    try:
        board = WorkerLoad(path)
    except (OSError, ValueError) as exc:
        logger.warning("worker load board %s unusable, connections are not re-spread: %s", path, exc)
        return None
    atexit.register(board.release)
    return board
