"""Each server process follows the index's CURRENT pointer, so a re-index done by one worker (or by
`policyqa ingest` in a shell) is served by every worker within about a second.

Builds swap CURRENT with `os.replace` (index/store.py), so every swap gives the pointer a new inode
and mtime: one `stat` a second per worker is enough to notice it, and no request pays for the check.
The new version is loaded in this background thread while requests keep using the old assistant,
then swapped in with one attribute store, as the in-process re-index does (web/library.py).
A reload is started only when the pointer changes, never merely because the loaded version differs
from it: the self-healing loader may serve an older intact version on purpose (index/store.py).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from assistant.settings import Settings
from web.errors import USER_ERRORS
from web.web_routers import warm_up

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"  # = index.store.CURRENT, not imported: `import web.app` must stay cheap
Stamp = tuple[int, int, int] | None  # (device, inode, mtime_ns) of the pointer file; None = no pointer
Rebuild = Callable[[Settings, Any], Any]


_WORKER: tuple[int, str] | None = None


def worker_id() -> str:
    """A random id of this server process, shown by /healthz and logged once with the pid, so an operator
    (and the multi-worker test) can tell workers apart without the API revealing process ids."""
    global _WORKER
    if _WORKER is None or _WORKER[0] != os.getpid():
        _WORKER = (os.getpid(), secrets.token_hex(4))
    return _WORKER[1]


def pointer_stamp(index_dir: Path) -> Stamp:
    """Identity of the pointer file as it is now; changes with every swap (a new file is renamed in)."""
    try:
        st = os.stat(index_dir / CURRENT)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


def pointer_name(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def loaded_version(assistant: Any) -> str | None:
    """Name of the version folder the assistant serves (None for fakes without an index)."""
    path = getattr(getattr(assistant, "index", None), "path", None)
    return getattr(path, "name", None)


def default_reload(settings: Settings, current: Any) -> Any:
    """An assistant over the current version, reusing the loaded embedder (no second model load)."""
    from assistant.factory import build_assistant  # lazy: keep `import web.app` cheap

    return build_assistant(settings, embedder=getattr(current, "embedder", None))


class IndexWatcher:
    """Polls the pointer every `interval` seconds and swaps `app.state.assistant` after a change."""

    def __init__(self, app: FastAPI, settings: Settings, interval: float, reload: Rebuild | None = None):
        self.app = app
        self.settings = settings
        self.interval = interval
        self.reload = reload or default_reload
        self.stamp: Stamp = pointer_stamp(settings.index_dir)
        self.reloads = 0  # completed swaps (tests, logs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="policyqa-index-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # the watcher must outlive any one failed reload
                logger.exception("index watch failed; keeping the loaded index")

    def check(self) -> bool:
        """Reload if the pointer changed since the last look; True when a new assistant was swapped in."""
        stamp = pointer_stamp(self.settings.index_dir)
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        name = pointer_name(self.settings.index_dir)
        state = self.app.state
        current = getattr(state, "assistant", None)
        if name is None or (current is not None and loaded_version(current) == name):
            return False  # pointer gone, or this process swapped it in itself (admin re-index)
        logger.info("index pointer now names %s (serving %s); reloading", name, loaded_version(current))
        try:
            fresh = self.reload(self.settings, current)
        except USER_ERRORS as exc:
            logger.error("reload of index version %s failed, keeping the loaded one: %s", name, exc)
            return False
        warm_up(fresh)
        state.assistant = fresh  # one attribute store: a request sees the old or the new assistant
        state.assistant_error = None
        self.reloads += 1
        logger.info("now serving index version %s", loaded_version(fresh))
        return True
