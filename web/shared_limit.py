"""Token buckets kept in one SQLite file, so N worker processes enforce one limit per client, not N.

Why shared rather than per worker: the kernel hands each new connection to whichever worker accepts
it first, and a keep-alive connection stays with its worker. Per-worker buckets would give a client up
to N times the limit (each new connection may land on a fresh bucket), and dividing the limit by N
would cut a client on one keep-alive connection to 1/N of it. A shared table is exact either way.

Cost: one short write transaction per rate-limited request (answers and writes only, never page or
health requests), about a tenth of a millisecond in WAL mode with `synchronous=OFF`; the buckets are
throw-away state (a crash forgets them, which only refills everyone's bucket). Processes meet on the
monotonic clock, which is system-wide on Linux. If the file cannot be written the request is let
through and the failure logged: a broken limiter must not take the service down.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS buckets (client TEXT PRIMARY KEY, tokens REAL NOT NULL, at REAL NOT NULL)"
)
PRUNE_EVERY = 1000  # takes between deletions of full (forgettable) buckets
BUSY_TIMEOUT_S = 2.0  # how long a take or the setup waits for another process's write


def when_unlocked(db: sqlite3.Connection, sql: str, timeout: float) -> None:
    """Run a setup statement, retrying "database is locked" until `timeout` has passed.

    Why: switching a new file to WAL (and the first schema write) can fail with SQLITE_BUSY at once,
    without SQLite's busy handler waiting, when several worker processes open the same new file
    together; a short retry turns that race into a wait.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            db.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def connect(path: Path, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """A connection that waits (busy_timeout) instead of failing while another process writes."""
    db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    when_unlocked(db, "PRAGMA journal_mode=WAL", timeout)
    db.execute("PRAGMA synchronous=OFF")
    return db


class SqliteTokenBucket:
    """Same contract as web.security.TokenBucket (`take(client)` -> seconds to wait, 0.0 = allowed)."""

    def __init__(self, path: Path, rate: float, burst: int, clock: Callable[[], float] | None = None) -> None:
        self.path = Path(path)
        self.rate = rate
        self.burst = burst
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()  # one connection per process, used by one thread at a time
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = connect(self.path)
        when_unlocked(self._db, _SCHEMA, BUSY_TIMEOUT_S)
        self._takes = 0

    def take(self, client: str) -> float:
        now = self._clock()
        try:
            with self._lock:
                return self._take(client, now)
        except sqlite3.Error:
            logger.exception("shared rate limit store %s failed; letting the request through", self.path)
            return 0.0

    def _take(self, client: str, now: float) -> float:
        db = self._db
        db.execute("BEGIN IMMEDIATE")  # one writer at a time across processes: no lost update
        try:
            row = db.execute("SELECT tokens, at FROM buckets WHERE client = ?", (client,)).fetchone()
            tokens, at = row if row is not None else (float(self.burst), now)
            tokens = min(float(self.burst), tokens + max(0.0, now - at) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            db.execute(
                "INSERT INTO buckets (client, tokens, at) VALUES (?, ?, ?) "
                "ON CONFLICT(client) DO UPDATE SET tokens = excluded.tokens, at = excluded.at",
                (client, tokens, now),
            )
            self._takes += 1
            if self._takes % PRUNE_EVERY == 0:  # a bucket idle long enough to be full is no bucket
                db.execute("DELETE FROM buckets WHERE at < ?", (now - self.burst / self.rate,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return wait
