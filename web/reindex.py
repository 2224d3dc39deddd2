"""Re-index from the web (admin): `POST /api/reindex` starts it, `GET /api/reindex` reports it.

The re-index runs `assistant.factory.run_ingest` in a background thread of the worker that got the
POST, then swaps `app.state.assistant` for a fresh one; requests meanwhile keep the old assistant.
Other workers pick the new version up from the index pointer (web/reload.py). Whether one is running
and how the last one ended are shared by all workers through the index folder (web/reindex_state.py),
so the library page's polling and a second admin's POST get the same answer from any worker.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request

from assistant.settings import Settings
from web.audit import audit_line, audited, who
from web.deps import AdminDep, AssistantLike, SettingsDep
from web.errors import strip_paths
from web.reindex_state import SharedReindex

logger = logging.getLogger(__name__)

router = APIRouter()

_LOCK = threading.Lock()
RUNNING_MESSAGE = "重新索引正在进行中，请稍候。"
FAILED_MESSAGE = "重新索引失败，请查看服务器日志。现有索引保持不变。"


def default_rebuild(settings: Settings, current: AssistantLike | None) -> AssistantLike:
    """Build a new index version, then an assistant over it (reusing the loaded embedder)."""
    from assistant.factory import build_assistant, run_ingest

    embedder = getattr(current, "embedder", None)
    run_ingest(settings, embedder=embedder, progress=False)
    return build_assistant(settings, embedder=embedder)


def shared_state(app: FastAPI, settings: Settings) -> SharedReindex:
    shared: SharedReindex | None = getattr(app.state, "reindex_shared", None)
    if shared is None or shared.dir != settings.index_dir:
        shared = SharedReindex(settings.index_dir)
        app.state.reindex_shared = shared
    return shared


def reindex_status(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The state recorded for this index by any worker, else this app's own (idle when none)."""
    recorded = shared_state(app, settings).status()
    return dict(recorded or getattr(app.state, "reindex", None) or {"state": "idle"})


def _run(app: FastAPI, settings: Settings, client: str, shared: SharedReindex) -> None:
    started = time.time()
    try:
        rebuild = getattr(app.state, "rebuild", None) or default_rebuild
        fresh = rebuild(settings, getattr(app.state, "assistant", None))
        app.state.assistant = fresh  # one attribute store: requests see the old or the new one
        app.state.assistant_error = None
        stats = fresh.stats()
        app.state.reindex = {
            "state": "done",
            "started_at": started,
            "seconds": round(time.time() - started, 2),
            "index_version": stats.get("index_version"),
            "documents": stats.get("documents"),
            "paragraphs": stats.get("paragraphs"),
        }
        logger.info("re-index done in %.1f s", time.time() - started)
        audit_line("reindex", client, f"done version={stats.get('index_version')}")
    except Exception as exc:
        logger.exception("re-index failed")
        audit_line("reindex", client, f"failed {type(exc).__name__}")
        message = str(exc).strip() if type(exc).__module__.startswith("assistant") else ""
        app.state.reindex = {
            "state": "failed",
            "started_at": started,
            "detail": strip_paths(message) or FAILED_MESSAGE,
        }
    finally:
        ended = getattr(app.state, "reindex", None) or {"state": "failed", "detail": FAILED_MESSAGE}
        shared.finish(dict(ended))


@router.post("/api/reindex", status_code=202, dependencies=[AdminDep])
def start_reindex(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Start a background re-index (admin); 409 while one is running in any worker."""
    app = request.app
    shared = shared_state(app, settings)
    with audited(request, "reindex") as outcome, _LOCK:
        running = {"state": "running", "started_at": time.time()}
        if not shared.try_start(running):
            raise HTTPException(status_code=409, detail=RUNNING_MESSAGE)
        app.state.reindex = running
        outcome["result"] = "started"
    args = (app, settings, who(request), shared)
    threading.Thread(target=_run, args=args, name="policyqa-reindex", daemon=True).start()
    return reindex_status(app, settings)


@router.get("/api/reindex")
def get_reindex(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """State of the last re-index of this index, whichever worker ran it: idle, running, done or failed."""
    return reindex_status(request.app, settings)
