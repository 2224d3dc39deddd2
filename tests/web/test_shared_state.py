"""State several worker processes share: the index pointer each follows, the rate-limit buckets and the
feedback store. The cross-process cases run real OS processes writing one SQLite file at once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI

from assistant.settings import Settings
from web.feedback import FeedbackStore
from web.reload import IndexWatcher, pointer_stamp
from web.shared_limit import SqliteTokenBucket

ROOT = Path(__file__).resolve().parents[2]


def _swap(index_dir: Path, version: str) -> None:
    """What index.store does: a new pointer file renamed over the old one."""
    (index_dir / "versions" / version).mkdir(parents=True, exist_ok=True)
    tmp = index_dir / ".CURRENT.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / "CURRENT")


def _fake(version: str) -> Any:
    return SimpleNamespace(index=SimpleNamespace(path=Path("versions") / version), name=version)


def test_a_worker_reloads_after_another_swaps_the_pointer_and_only_then(tmp_path: Path) -> None:
    _swap(tmp_path, "v1")
    app = FastAPI()
    app.state.assistant, app.state.assistant_error = _fake("v1"), None
    loads: list[str] = []

    def reload(settings: Settings, current: Any) -> Any:
        name = (settings.index_dir / "CURRENT").read_text().strip()
        loads.append(name)
        return _fake(name)

    watcher = IndexWatcher(app, Settings(index_dir=tmp_path), 1.0, reload)
    assert not watcher.check() and loads == []  # nothing changed
    _swap(tmp_path, "v2")  # another worker (or `policyqa ingest`) swapped the index
    assert watcher.check() and app.state.assistant.name == "v2" and loads == ["v2"]
    assert not watcher.check() and loads == ["v2"]  # one reload per swap, not one per look
    app.state.assistant = _fake("v3")  # this worker re-indexed itself and already serves v3 ...
    _swap(tmp_path, "v3")
    assert not watcher.check() and loads == ["v2"]  # ... so the pointer change costs no second load
    assert watcher.stamp == pointer_stamp(tmp_path)


def test_a_failed_reload_keeps_the_loaded_index(tmp_path: Path) -> None:
    from index.errors import IndexCorruptError

    _swap(tmp_path, "v1")
    app = FastAPI()
    app.state.assistant = _fake("v1")

    def broken(settings: Settings, current: Any) -> Any:
        raise IndexCorruptError("索引损坏")

    watcher = IndexWatcher(app, Settings(index_dir=tmp_path), 1.0, broken)
    _swap(tmp_path, "v2")
    assert not watcher.check()
    assert app.state.assistant.name == "v1"


def test_sqlite_buckets_behave_like_the_in_process_ones(tmp_path: Path) -> None:
    now = [100.0]
    bucket = SqliteTokenBucket(tmp_path / "rl.sqlite3", rate=1.0, burst=3, clock=lambda: now[0])
    assert [bucket.take("answer:1.2.3.4") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("answer:1.2.3.4") == pytest.approx(1.0)  # empty: one token a second
    assert bucket.take("write:1.2.3.4") == 0.0  # another group, another bucket
    now[0] += 2.0
    assert bucket.take("answer:1.2.3.4") == 0.0
    db = sqlite3.connect(tmp_path / "rl.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


_TAKER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from web.shared_limit import SqliteTokenBucket
    path, start = Path(sys.argv[1]), float(sys.argv[2])
    bucket = SqliteTokenBucket(path, rate=0.001, burst=50)
    while time.time() < start:
        time.sleep(0.001)
    print(json.dumps([bucket.take("answer:127.0.0.1") == 0.0 for _ in range(60)]))
    """
)


def _run_together(code: str, *args: str, n: int = 2) -> list[str]:
    """Start `n` Python processes that begin work at the same instant; return their stdout."""
    import time

    start = str(time.time() + 1.5)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, *args, start],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(n)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode()
    return [out.decode() for out, _ in outs]


def test_two_processes_share_one_bucket(tmp_path: Path) -> None:
    """120 takes from two processes at once against a burst of 50: exactly 50 allowed, none lost."""
    outs = _run_together(_TAKER, str(tmp_path / "rl.sqlite3"))
    granted = [sum(json.loads(o)) for o in outs]
    assert sum(granted) == 50, granted


_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from web.feedback import FeedbackStore
    path, start = Path(sys.argv[1]), float(sys.argv[2])
    store = FeedbackStore(path)
    while time.time() < start:
        time.sleep(0.001)
    for i in range(100):
        row = store.add({"rating": "up", "comment": "", "mode": "chat", "question": f"问{i}", "answer": "答",
                         "refused": False, "citations": [], "source_quote": None, "edit_key": "k"})
        if i % 10 == 0:
            store.comment(row, "k", "好")
            store.list(limit=5)
    print("ok")
    """
)


def test_two_processes_write_feedback_at_once(tmp_path: Path) -> None:
    """Two workers rating at the same moment: every row lands, no "database is locked"."""
    db = tmp_path / "feedback.sqlite3"
    assert _run_together(_WRITER, str(db)) == ["ok\n", "ok\n"]
    store = FeedbackStore(db)
    rows = list(store.iter_oldest_first())
    assert len(rows) == 200
    assert sum(r["comment"] == "好" for r in rows) == 20
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    "open_store",
    [
        lambda path: SqliteTokenBucket(path, rate=1.0, burst=5),
        FeedbackStore,
    ],
    ids=["rate-limit", "feedback"],
)
def test_workers_opening_one_new_file_together_all_start(tmp_path: Path, open_store: Any) -> None:
    """Workers start together and open the same not-yet-existing file. Switching it to WAL can fail at
    once with "database is locked" (SQLite skips its busy wait there); that must never stop a worker."""
    import threading

    errors: list[BaseException] = []
    for round_ in range(150):
        path = tmp_path / f"{round_}.sqlite3"
        barrier = threading.Barrier(8)

        def open_it(path: Path = path, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                open_store(path)
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_workers_are_forked_only_from_a_parent_without_an_openmp_runtime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from web.serve import OPENMP_MODULES, fork_possible

    for name in OPENMP_MODULES:  # earlier tests in the same process may have loaded any of them
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert fork_possible()
    monkeypatch.setitem(sys.modules, "faiss", SimpleNamespace())  # e.g. the parent just built the index
    assert not fork_possible()


def test_workers_get_one_rate_limit_file_unless_limits_are_off_or_the_file_is_named(tmp_path: Path) -> None:
    from web.serve import shared_limit_env

    env = shared_limit_env(Settings(), tmp_path)
    assert env == {"POLICYQA_RATE_LIMIT_DB": str(tmp_path / "ratelimit.sqlite3")}
    assert shared_limit_env(Settings(rate_limit_per_minute=0), tmp_path) == {}
    assert shared_limit_env(Settings(rate_limit_db=tmp_path / "mine.sqlite3"), tmp_path) == {}


def test_one_reindex_at_a_time_across_workers_and_its_end_seen_by_all(tmp_path: Path) -> None:
    from web.reindex_state import SharedReindex

    first, second = SharedReindex(tmp_path), SharedReindex(tmp_path)  # two workers, one index folder
    assert second.status() is None
    assert first.try_start({"state": "running", "started_at": 1.0})
    assert not second.try_start({"state": "running", "started_at": 2.0})  # 409 in the other worker
    assert second.status() == {"state": "running", "started_at": 1.0}
    first.finish({"state": "done", "index_version": "v2"})
    assert second.status() == {"state": "done", "index_version": "v2"}
    assert second.try_start({"state": "running", "started_at": 3.0})  # free again
    second._fd and os.close(second._fd)  # the worker dies mid-build: the kernel drops its lock
    second._fd = None
    interrupted = first.status()
    assert interrupted is not None and interrupted["state"] == "failed" and "中断" in interrupted["detail"]


def test_milvus_lite_is_served_by_one_process(tmp_path: Path) -> None:
    from web.serve import milvus_lite_in_use

    assert not milvus_lite_in_use(Settings(index_dir=tmp_path))
    assert milvus_lite_in_use(Settings(index_dir=tmp_path, vector_store="milvus"))  # <index>/milvus.db
    assert not milvus_lite_in_use(
        Settings(index_dir=tmp_path, vector_store="milvus", milvus_uri="http://milvus:19530")
    )
    _swap(tmp_path, "v1")  # a version migrated to milvus-lite is read through its file, whatever the setting
    pointer = {"uri": str(tmp_path / "milvus.db"), "collection": "policyqa_v1", "dim": 8}
    (tmp_path / "versions" / "v1" / "vectors.milvus.json").write_text(json.dumps(pointer))
    assert milvus_lite_in_use(Settings(index_dir=tmp_path))
