"""The document library: list documents by title with quality figures, upload, retitle, delete.

Upload and delete need the admin token; listing does not. Re-indexing lives in web/reindex.py.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from assistant.settings import Settings
from web.audit import audited
from web.deps import AdminDep, AssistantLike, SettingsDep
from web.errors import strip_paths
from web.limits import MULTIPART_ALLOWANCE
from web.reindex import reindex_status
from web.titles import titles_for
from web.uploads import look_alike, normalize_name, read_upload

logger = logging.getLogger(__name__)

router = APIRouter()

FileName = Annotated[str, Path(min_length=1, max_length=200)]
PREVIEW_CHARS = 160
TitleText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]


def _suffixes() -> frozenset[str]:
    from ingestion.loaders import SUPPORTED_SUFFIXES  # lazy: keep `import web.app` cheap

    return SUPPORTED_SUFFIXES


def safe_name(name: str) -> str:
    """A plain, NFKC-normalised file name inside the corpus dir with a supported suffix, or a 422."""
    return normalize_name(name, _suffixes())


_SKIP_WORDS = (  # ingestion's DocumentError reasons (English) -> what the library shows
    ("zip bomb", "疑似压缩炸弹"),
    ("inflates to", "解压后过大，疑似压缩炸弹"),
    ("archive members", "压缩包成员过多"),
    ("encrypted", "PDF 有密码保护"),
    ("no text could be extracted", "没有可提取的文字（可能是扫描件或空文档）"),
    ("no content paragraphs", "清理后没有正文段落"),
    ("file is empty", "文件为空"),
    ("binary content", "不是文本文件"),
    ("undecodable", "无法识别文字编码"),
    ("not valid", "无法识别文字编码"),
    ("unsupported file type", "不支持的文件类型"),
    ("cannot read", "无法读取文件"),
    ("corrupt", "文件已损坏或无法解析"),
)


def skip_reason_zh(reason: str) -> str:
    """The ingest skip reason in words an admin reads (the English original stays in the API)."""
    low = reason.lower()
    return next((zh for key, zh in _SKIP_WORDS if key in low), "无法解析该文件")


def _quality(assistant: AssistantLike | None) -> dict[str, dict[str, Any]]:
    """Per file of the loaded index: paragraphs, noisy and quarantined paragraphs and a preview (its first
    body paragraph), or a skip reason."""
    index = getattr(assistant, "index", None)
    if index is None:
        return {}
    out: dict[str, dict[str, Any]] = {
        s.source_file: {"paragraphs": s.paragraphs, "noisy": 0, "quarantined": [], "preview": ""}
        for s in index.manifest.sources
    }
    for p in index.paragraphs:
        entry = out.get(p.source_file)
        if entry is not None and p.noisy:
            entry["noisy"] += 1
        elif entry is not None and not entry["preview"] and not p.is_heading and len(p.text) >= 20:
            entry["preview"] = p.text[:PREVIEW_CHARS] + ("…" if len(p.text) > PREVIEW_CHARS else "")
        if entry is not None and p.quarantine:
            entry["quarantined"].append({"paragraph_id": p.id, "reason": p.quarantine})
    for k in index.manifest.skipped:
        out[k.source_file] = {"paragraphs": None, "skipped": k.reason}
    return out


def _status(row: dict[str, Any]) -> str:
    """One Chinese status line for the library table."""
    if row["skipped_reason"]:
        base = f"已跳过：{skip_reason_zh(row['skipped_reason'])}"
        return base if row["in_corpus"] else f"{base}（文件已删除）"
    if not row["indexed"]:
        return "待索引"
    base = "已索引" if row["in_corpus"] else "已删除，待重新索引"
    held = row["quarantined_paragraphs"]
    return f"{base}；{held} 段疑似指令已隔离（不作为答案依据）" if held else base


def _added(path: FsPath) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()


@router.get("/api/documents")
def list_documents(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Files in the corpus and in the current index: title, date added, paragraph counts, noisy share,
    quarantined (instruction-like) paragraphs, why a file was skipped, and a preview."""
    assistant = getattr(request.app.state, "assistant", None)
    quality = _quality(assistant)
    corpus = settings.corpus_dir
    titles = titles_for(assistant, corpus)
    on_disk: dict[str, tuple[int, str]] = {}
    if corpus.is_dir():
        for p in sorted(corpus.iterdir()):
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in _suffixes():
                on_disk[p.name] = (p.stat().st_size, _added(p))
    docs = []
    for name in sorted(set(on_disk) | set(quality)):
        q = quality.get(name, {})
        n = q.get("paragraphs")
        held = q.get("quarantined", [])
        size, added = on_disk.get(name, (None, None))
        row = {
            "source_file": name,
            "title": titles.listed(name),
            "added_at": added,
            "preview": q.get("preview", ""),
            "size_bytes": size,
            "in_corpus": name in on_disk,
            "indexed": n is not None,
            "paragraphs": n,
            "noisy_paragraphs": q.get("noisy", 0) if n is not None else None,
            "noisy_ratio": round(q.get("noisy", 0) / n, 4) if n else None,
            "quarantined_paragraphs": len(held) if n is not None else None,
            "quarantined": held[:50],
            "skipped_reason": strip_paths(q["skipped"]) if q.get("skipped") else None,
        }
        row["status"] = _status(row)
        docs.append(row)
    return {"documents": docs, "reindex": reindex_status(request.app, settings)}


def _store(settings: Settings, name: str, data: bytes) -> None:
    """Write `data` as corpus file `name`: never over an existing or look-alike name, never half-written."""
    if not data:
        raise HTTPException(status_code=422, detail="文件为空。")
    corpus = settings.corpus_dir
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / name
    if target.exists():
        raise HTTPException(status_code=409, detail=f"已存在同名文件：{name}，请先删除或改名。")
    twin = look_alike(name, (p.name for p in corpus.iterdir()))
    if twin is not None:
        raise HTTPException(
            status_code=409, detail=f"文件名与已有文件“{twin}”看起来相同，请改用易于区分的名称。"
        )
    tmp = corpus / f".upload-{uuid.uuid4().hex}{FsPath(name).suffix.lower()}"  # short: never ENAMETOOLONG
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)  # never a half-written file under the real name
    finally:
        tmp.unlink(missing_ok=True)


async def _upload(
    request: Request, settings: Settings, name: str | None, title: str | None = None
) -> dict[str, Any]:
    limit = settings.max_upload_mb * 1024 * 1024
    too_large = f"文件过大（上限 {settings.max_upload_mb} MB）。"
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + MULTIPART_ALLOWANCE:
        raise HTTPException(status_code=413, detail=too_large)
    data, part_name = await read_upload(request, limit, too_large)
    final = safe_name(name or part_name or "")
    _store(settings, final, data)
    if title:
        _save_title(settings.corpus_dir, final, title)
    return {"source_file": final, "size_bytes": len(data), "indexed": False, "title": title or ""}


@router.put("/api/documents/{name}", status_code=201, dependencies=[AdminDep])
async def upload_document(
    name: FileName,
    request: Request,
    settings: SettingsDep,
    title: Annotated[TitleText | None, Query(description="The document's title; derived when empty.")] = None,
) -> dict[str, Any]:
    """Store an uploaded file as a new corpus document (admin): the raw body, or the file part of a
    multipart body (`curl -F file=@a.txt`). Existing and look-alike names are not replaced."""
    with audited(request, "upload", name) as outcome:
        safe_name(name)  # refuse a bad name before reading the body
        stored = await _upload(request, settings, name, title)
        outcome["result"] = f"ok {stored['size_bytes']} bytes"
    return stored


@router.post("/api/documents", status_code=201, dependencies=[AdminDep])
async def upload_form(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Multipart upload (admin), e.g. `curl -F file=@通知.docx`: the name is the part's file name."""
    with audited(request, "upload", "(multipart)") as outcome:
        stored = await _upload(request, settings, None)
        outcome["result"] = f"ok {stored['source_file']!r} {stored['size_bytes']} bytes"
    return stored


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
def delete_document(name: FileName, request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Remove a corpus file (admin); it leaves the index at the next re-index."""
    with audited(request, "delete", name):
        name = safe_name(name)
        target = settings.corpus_dir / name
        if not target.is_file():
            raise HTTPException(status_code=404, detail=f"未找到文件：{name}")
        target.unlink()
        _save_title(settings.corpus_dir, name, None)
    return {"source_file": name, "deleted": True}
