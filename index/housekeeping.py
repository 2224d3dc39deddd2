"""Builder locks and cleanup of dead builders' leftovers: never delete a live builder's temp folder.

Each builder holds an exclusive flock on `versions/.tmp-<v>.lock` while `versions/.tmp-<v>/` exists;
the kernel releases it when the process dies, which is how a pruner tells dead leftovers from live work.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

STALE_SECONDS = 3600.0  # an unlocked leftover without a lock file older than this is from a dead builder


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable (the directory entry itself must reach the disk)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def builder_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive flock while building; the kernel drops it if the process dies."""
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock_path.unlink()
        os.close(fd)


def _builder_alive(lock_path: Path) -> bool:
    """True while some process holds the builder lock (flock is released when a builder dies)."""
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing also releases a lock we just took
    return False


def _stale(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > STALE_SECONDS
    except OSError:
        return False


def prune_leftovers(index_dir: Path) -> None:
    """Remove temp folders of dead builders and stray pointer temp files; live builders keep theirs."""
    versions = index_dir / "versions"
    for tmp in versions.glob(".tmp-*"):
        if tmp.name.endswith(".lock"):
            continue
        lock = tmp.with_name(tmp.name + ".lock")
        if lock.exists() and not _builder_alive(lock):
            shutil.rmtree(tmp, ignore_errors=True)
            with contextlib.suppress(OSError):
                lock.unlink()
        elif not lock.exists() and _stale(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    for lock in versions.glob(".tmp-*.lock"):  # a builder killed after its rename, before unlocking
        if not _builder_alive(lock):
            with contextlib.suppress(OSError):
                lock.unlink()
    for pointer_tmp in index_dir.glob(".CURRENT.*"):  # a pointer write killed before its rename
        if _stale(pointer_tmp):
            with contextlib.suppress(OSError):
                pointer_tmp.unlink()
