"""Run the web app under uvicorn with one or several worker processes (`policyqa serve --workers N`).

One worker serves the app object built here (tests, `python -m web`). Several workers run under
uvicorn's own supervisor: it binds the socket once, starts N processes that each build the app from
`create_worker_app` (settings from the same environment and `.env`), restarts a worker that dies, and
on SIGINT/SIGTERM stops accepting, lets every worker finish its requests and waits for them.

Memory: most of a worker is what every worker loads identically, the USE weights (~140 MB) and
jieba's dictionary (~115 MB of Python objects), which no file mapping can share. So the parent loads
them once, freezes them out of the garbage collector's reach (`gc.freeze`, so no collection in a
child writes to their pages) and the workers are forked from it: they share those pages copy-on-write.
That is only safe from a parent that has not started an OpenMP runtime (faiss, torch), so a parent
that just built the index, or an embedder other than USE, falls back to uvicorn's spawned workers.
Each worker loads the index itself; its vectors, BM25 matrix and sentence vectors are memory-mapped
read-only, so those pages are shared through the page cache. What must agree across workers does
not live in a worker: the index pointer (web/reload.py), the rate-limit buckets (a SQLite file,
web/shared_limit.py) and the feedback store (SQLite in WAL mode, web/feedback.py).
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from assistant.settings import Settings
from web.app import create_app

WORKER_APP = "web.serve:create_worker_app"
RATE_LIMIT_FILE = "ratelimit.sqlite3"
WORKER_LOAD_FILE = "workers.load"
GRACEFUL_SECONDS = 10  # a streaming answer or an SSE client must not hold a shutdown forever
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PR_SET_PDEATHSIG = 1  # linux/prctl.h
MILVUS_SERVER_SCHEMES = ("http://", "https://", "tcp://", "grpc://")
OPENMP_MODULES = frozenset({"faiss", "torch", "onnxruntime", "llama_cpp"})  # no fork once these ran

logger = logging.getLogger(__name__)
_preloaded: Any = None  # the embedder loaded by the parent, inherited by forked workers


def configure_logging() -> None:
    """Application INFO lines (admin actions, re-index, reloads) go to stderr next to uvicorn's."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)


def die_with_parent() -> None:
    """Linux: SIGTERM this worker when the supervising parent dies, even by SIGKILL or OOM, so no
    orphaned worker keeps serving (and holding the port) after its supervisor is gone."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def create_worker_app() -> FastAPI:
    """App factory for each worker process (`uvicorn web.serve:create_worker_app --factory`); a forked
    worker builds its assistant around the embedder the parent preloaded."""
    configure_logging()
    die_with_parent()
    embedder = _preloaded
    if embedder is None:
        return create_app(Settings())

    def build(settings: Settings) -> Any:
        from assistant.factory import build_assistant

        return build_assistant(settings, embedder=embedder)

    return create_app(Settings(), assistant_factory=build)


def preload(settings: Settings) -> Any:
    """Load, in the parent, what every worker would load the same way: the code, jieba's dictionary and
    (USE only) the embedder's weights. Returns the embedder, or None when it is not shareable."""
    from assistant.factory import make_embedder
    from ingestion.segment import jieba_module

    jieba_module()
    if settings.embedder not in ("use", "hashing"):  # torch / onnxruntime: thread pools, not fork-safe
        return None
    embedder = make_embedder(settings)
    getattr(embedder, "preload", lambda: None)()
    return embedder


def fork_possible() -> bool:
    """Forking a loaded parent is safe only before any OpenMP runtime (faiss, torch) exists in it, and
    possible only with uvicorn's `_subprocess.spawn` context to replace (uvicorn has no option for it)."""
    import uvicorn._subprocess as subprocess_module

    loaded = sorted(OPENMP_MODULES & set(sys.modules))
    if loaded or not hasattr(os, "fork") or not hasattr(subprocess_module, "spawn"):
        logger.info("workers are spawned, not forked (loaded: %s); each loads its own model", loaded)
        return False
    return True


def use_fork() -> None:
    """Make uvicorn fork its workers instead of spawning them."""
    import uvicorn._subprocess as subprocess_module

    subprocess_module.spawn = multiprocessing.get_context("fork")  # type: ignore[attr-defined]


def shared_limit_env(settings: Settings, folder: Path) -> dict[str, str]:
    """Environment the workers need beyond the parent's: one rate-limit file they all use, unless the
    operator named one or turned limiting off."""
    if settings.rate_limit_db is not None or settings.rate_limit_per_minute <= 0:
        return {}
    return {"POLICYQA_RATE_LIMIT_DB": str(folder / RATE_LIMIT_FILE)}


def milvus_lite_in_use(settings: Settings) -> bool:
    """milvus-lite locks its database file, so only one process may open it (docs/deploy.md): true when
    builds write to it (VECTOR_STORE=milvus without a server URI) or the current version reads from it."""
    uris = [settings.milvus_uri or ""] if settings.vector_store == "milvus" else []
    try:
        name = (settings.index_dir / "CURRENT").read_text(encoding="utf-8").strip()
        pointer = settings.index_dir / "versions" / name / "vectors.milvus.json"
        if name and pointer.is_file():
            uris.append(str(json.loads(pointer.read_text(encoding="utf-8"))["uri"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return any(not uri.startswith(MILVUS_SERVER_SCHEMES) for uri in uris)


def run(settings: Settings, workers: int | None = None) -> None:
    """Serve until interrupted; `workers` defaults to the setting (the number of cores)."""
    import uvicorn  # lazy: importing web.serve (the worker factory) must stay cheap

    configure_logging()
    n = workers or settings.workers
    if n > 1 and milvus_lite_in_use(settings):
        logger.warning("milvus-lite allows one process at a time: serving with 1 worker instead of %d", n)
        n = 1
    # proxy_headers=False: uvicorn would believe X-Forwarded-For from 127.0.0.1; the app decides
    # from POLICYQA_TRUSTED_PROXIES instead (web.clientip).
    common = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "proxy_headers": False,
        "server_header": False,
        "timeout_graceful_shutdown": GRACEFUL_SECONDS,
    }
    if n == 1:
        uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]
        return
    global _preloaded
    if fork_possible():
        _preloaded = preload(settings)
        if fork_possible():  # preloading must not have brought in an OpenMP runtime either
            use_fork()
            gc.collect()
            gc.freeze()  # never scanned again, so a worker's collections leave these pages shared
        else:
            _preloaded = None
    folder = Path(tempfile.mkdtemp(prefix="policyqa-serve-"))
    extra = shared_limit_env(settings, folder)
    if settings.worker_load_file is None:
        extra["POLICYQA_WORKER_LOAD_FILE"] = str(folder / WORKER_LOAD_FILE)
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)  # spawned workers inherit the parent's environment
    try:
        uvicorn.run(WORKER_APP, factory=True, workers=n, **common)  # type: ignore[arg-type]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(folder, ignore_errors=True)
