"""Re-index state shared by every worker serving one index folder.

A re-index runs in whichever worker received `POST /api/reindex`, but the library page polls
`GET /api/reindex`, which any worker may answer; and a second admin's POST may reach another worker.
So "is one running" is an exclusive flock on `<index_dir>/.reindex.lock` (the kernel drops it when
the holder dies, so a killed worker never leaves a re-index "running" forever), and "how did the
last one end" is `<index_dir>/.reindex.json`, replaced atomically. Index housekeeping only removes
`versions/.tmp-*` and `.CURRENT.*` leftovers, so both files are left alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from pathlib import Path
from typing import Any

LOCK_FILE = ".reindex.lock"
STATUS_FILE = ".reindex.json"
INTERRUPTED_MESSAGE = "重新索引被中断（服务进程已退出），现有索引保持不变；请重新开始。"


class SharedReindex:
    """One per app; `try_start` in the worker that runs the re-index, `status` in any worker."""

    def __init__(self, index_dir: Path) -> None:
        self.dir = Path(index_dir)
        self._fd: int | None = None

    def try_start(self, status: dict[str, Any]) -> bool:
        """Take the lock and record `status`; False when a re-index runs in any process."""
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.dir / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        self._write(status)
        return True

    def finish(self, status: dict[str, Any]) -> None:
        """Record how the re-index ended, then release the lock."""
        try:
            self._write(status)
        finally:
            if self._fd is not None:
                os.close(self._fd)  # closing drops the flock
                self._fd = None

    def running_anywhere(self) -> bool:
        try:
            fd = os.open(self.dir / LOCK_FILE, os.O_RDWR)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)  # also releases the probe's own lock
        return False

    def status(self) -> dict[str, Any] | None:
        """The last recorded state, or None when no re-index was ever recorded for this index."""
        try:
            recorded = json.loads((self.dir / STATUS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(recorded, dict):
            return None
        if recorded.get("state") == "running" and not self.running_anywhere():
            started = recorded.get("started_at")
            return {"state": "failed", "started_at": started, "detail": INTERRUPTED_MESSAGE}
        return recorded

    def _write(self, status: dict[str, Any]) -> None:
        tmp = self.dir / f".reindex.{uuid.uuid4().hex}.tmp"
        try:
            tmp.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.dir / STATUS_FILE)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
