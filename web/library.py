"""The document library: list documents by title with quality figures, upload, retitle, delete, re-index.

Upload, delete and re-index need the admin token; listing does not. Re-indexing runs
`assistant.factory.run_ingest` in a background thread and then swaps `app.state.assistant`
for a freshly built one; requests during the rebuild keep using the old assistant.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import unicodedata
from datetime import UTC, datetime
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from assistant.settings import Settings
from web.deps import AdminDep, AssistantLike, SettingsDep
from web.titles import titles_for

logger = logging.getLogger(__name__)

router = APIRouter()

FileName = Annotated[str, Path(min_length=1, max_length=200)]
PREVIEW_CHARS = 160
TitleText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]


def _suffixes() -> frozenset[str]:
    from ingestion.loaders import SUPPORTED_SUFFIXES  # lazy: keep `import web.app` cheap

    return SUPPORTED_SUFFIXES


def safe_name(name: str) -> str:
    """A plain file name inside the corpus dir with a supported suffix, or a 422."""
    name = unicodedata.normalize("NFC", name.strip())
    bad = (
        not name
        or name.startswith(".")
        or FsPath(name).name != name
        or "\\" in name
        or any(unicodedata.category(ch).startswith("C") for ch in name)
    )
    if bad:
        raise HTTPException(status_code=422, detail="文件名无效：只能是不含路径的普通文件名。")
    if FsPath(name).suffix.lower() not in _suffixes():
        raise HTTPException(status_code=422, detail="不支持的文件类型（支持 txt、md、html、docx、pdf）。")
    return name


def _quality(assistant: AssistantLike | None) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """Paragraphs, noisy paragraphs and a preview (its first body paragraph) per file, from the loaded
    index (empty for fakes)."""
    index = getattr(assistant, "index", None)
    if index is None:
        return {}, {}, {}
    paragraphs = {s.source_file: s.paragraphs for s in index.manifest.sources}
    noisy: dict[str, int] = {}
    preview: dict[str, str] = {}
    for p in index.paragraphs:
        if p.noisy:
            noisy[p.source_file] = noisy.get(p.source_file, 0) + 1
        elif p.source_file not in preview and not p.is_heading and len(p.text) >= 20:
            preview[p.source_file] = p.text[:PREVIEW_CHARS] + ("…" if len(p.text) > PREVIEW_CHARS else "")
    return paragraphs, noisy, preview


def _skipped(assistant: AssistantLike | None) -> dict[str, str]:
    """Why the last ingest could not use a file, per file."""
    manifest = getattr(getattr(assistant, "index", None), "manifest", None)
    return {s.source_file: s.reason for s in getattr(manifest, "skipped", None) or ()}


def _added(path: FsPath) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()


@router.get("/api/documents")
def list_documents(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Files in the corpus and in the current index: title, date added, paragraph counts, the noisy
    share, why a file was skipped, and a preview."""
    assistant = getattr(request.app.state, "assistant", None)
    paragraphs, noisy, preview = _quality(assistant)
    skipped = _skipped(assistant)
    corpus = settings.corpus_dir
    titles = titles_for(assistant, corpus)
    on_disk: dict[str, tuple[int, str]] = {}
    if corpus.is_dir():
        for p in sorted(corpus.iterdir()):
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in _suffixes():
                on_disk[p.name] = (p.stat().st_size, _added(p))
    docs = []
    for name in sorted(set(on_disk) | set(paragraphs)):
        n = paragraphs.get(name)
        size, added = on_disk.get(name, (None, None))
        docs.append(
            {
                "source_file": name,
                "title": titles.listed(name),
                "added_at": added,
                "preview": preview.get(name, ""),
                "skipped_reason": skipped.get(name),
                "size_bytes": size,
                "in_corpus": name in on_disk,
                "indexed": n is not None,
                "paragraphs": n,
                "noisy_paragraphs": noisy.get(name, 0) if n is not None else None,
                "noisy_ratio": round(noisy.get(name, 0) / n, 4) if n else None,
            }
        )
    return {"documents": docs, "reindex": reindex_status(request.app)}


@router.put("/api/documents/{name}", status_code=201, dependencies=[AdminDep])
async def upload_document(
    name: FileName,
    request: Request,
    settings: SettingsDep,
    title: Annotated[TitleText | None, Query(description="The document's title; derived when empty.")] = None,
) -> dict[str, Any]:
    """Store the raw request body as a new corpus file (admin). Existing files are not replaced."""
    name = safe_name(name)
    limit = settings.max_upload_mb * 1024 * 1024
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status_code=413, detail=f"文件过大（上限 {settings.max_upload_mb} MB）。")
    data = bytearray()
    async for part in request.stream():
        data += part
        if len(data) > limit:
            raise HTTPException(status_code=413, detail=f"文件过大（上限 {settings.max_upload_mb} MB）。")
    if not data:
        raise HTTPException(status_code=422, detail="文件为空。")
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / name
    if target.exists():
        raise HTTPException(status_code=409, detail=f"已存在同名文件：{name}，请先删除或改名。")
    tmp = corpus / f".upload-{os.getpid()}-{threading.get_ident()}-{name}"
    tmp.write_bytes(bytes(data))
    os.replace(tmp, target)  # never a half-written file under the real name
    if title:
        _save_title(corpus, name, title)
    logger.info("uploaded %s (%d bytes)", name, len(data))
    return {"source_file": name, "size_bytes": len(data), "indexed": False, "title": title or ""}


def _save_title(corpus: FsPath, name: str, title: str | None) -> None:
    from ingestion.titles import save_override  # lazy: keep `import web.app` cheap

    save_override(corpus, name, title)


class TitleIn(BaseModel):
    """Body of `PATCH /api/documents/{name}`: the new title ("" goes back to the derived one)."""

    model_config = ConfigDict(extra="forbid")

    title: TitleText


@router.patch("/api/documents/{name}", dependencies=[AdminDep])
def retitle_document(
    name: FileName, body: TitleIn, request: Request, settings: SettingsDep
) -> dict[str, Any]:
    """Set a document's title (admin); it shows at once and is kept for the next re-index."""
    name = safe_name(name)
    if not (settings.corpus_dir / name).is_file():
        raise HTTPException(status_code=404, detail=f"未找到文件：{name}")
    _save_title(settings.corpus_dir, name, body.title)
    titles = titles_for(getattr(request.app.state, "assistant", None), settings.corpus_dir)
    return {"source_file": name, "title": titles.listed(name)}


@router.delete("/api/documents/{name}", dependencies=[AdminDep])
def delete_document(name: FileName, settings: SettingsDep) -> dict[str, Any]:
    """Remove a corpus file (admin); it leaves the index at the next re-index."""
    name = safe_name(name)
    target = settings.corpus_dir / name
    if not target.is_file():
        raise HTTPException(status_code=404, detail=f"未找到文件：{name}")
    target.unlink()
    _save_title(settings.corpus_dir, name, None)
    logger.info("deleted %s", name)
    return {"source_file": name, "deleted": True}


# ---- re-index ------------------------------------------------------------------------------

_LOCK = threading.Lock()


def default_rebuild(settings: Settings, current: AssistantLike | None) -> AssistantLike:
    """Build a new index version, then an assistant over it (reusing the loaded embedder)."""
    from assistant.factory import build_assistant, run_ingest

    embedder = getattr(current, "embedder", None)
    run_ingest(settings, embedder=embedder, progress=False)
    return build_assistant(settings, embedder=embedder)


def reindex_status(app: FastAPI) -> dict[str, Any]:
    return dict(getattr(app.state, "reindex", None) or {"state": "idle"})


def _run(app: FastAPI, settings: Settings) -> None:
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
    except Exception as exc:
        logger.exception("re-index failed")
        message = str(exc).strip() if type(exc).__module__.startswith("assistant") else ""
        app.state.reindex = {
            "state": "failed",
            "started_at": started,
            "detail": message or "重新索引失败，请查看服务器日志。现有索引保持不变。",
        }


@router.post("/api/reindex", status_code=202, dependencies=[AdminDep])
def start_reindex(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Start a background re-index (admin); 409 while one is running."""
    app = request.app
    with _LOCK:
        if reindex_status(app)["state"] == "running":
            raise HTTPException(status_code=409, detail="重新索引正在进行中，请稍候。")
        app.state.reindex = {"state": "running", "started_at": time.time()}
    threading.Thread(target=_run, args=(app, settings), name="policyqa-reindex", daemon=True).start()
    return reindex_status(app)


@router.get("/api/reindex")
def get_reindex(request: Request) -> dict[str, Any]:
    """State of the last re-index: idle, running, done or failed."""
    return reindex_status(request.app)
