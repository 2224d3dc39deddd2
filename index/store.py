"""Versioned index folders: build beside the current one, then swap a pointer file atomically.

Layout: <index_dir>/CURRENT names a folder under <index_dir>/versions/; each version holds
manifest.json, paragraphs.jsonl, chunks.jsonl, vectors.faiss and bm25/. A crash at any point
leaves CURRENT pointing at the previous complete version.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from index.bm25 import BM25Index
from index.embeddings import NamedEmbeddings
from index.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError
from index.faiss_index import FaissIndex
from index.manifest import IndexManifest, SourceEntry, corpus_hash, sha256_file
from index.records import read_jsonl, write_jsonl
from ingestion.models import Chunk, Paragraph, SourceDocument

CURRENT = "CURRENT"
MANIFEST = "manifest.json"


def embedding_text(chunk: Chunk) -> str:
    """What the embedder sees: article/heading context first, then the normalised chunk text."""
    return f"{chunk.context}\n{chunk.search_text}" if chunk.context else chunk.search_text


def bm25_text(chunk: Chunk) -> str:
    return f"{chunk.context} {chunk.search_text}"


@dataclass
class LoadedIndex:
    """Everything retrieval needs, read from one consistent version folder."""

    path: Path
    manifest: IndexManifest
    paragraphs: list[Paragraph]
    chunks: list[Chunk]
    vectors: FaissIndex
    bm25: BM25Index


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_pointer(index_dir: Path, version: str) -> None:
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex}"
    with tmp.open("w", encoding="utf-8") as f:
        f.write(version + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def build_index(
    index_dir: Path,
    documents: list[SourceDocument],
    paragraphs: list[Paragraph],
    chunks: list[Chunk],
    embedder: NamedEmbeddings,
    chunk_max_tokens: int,
    on_progress: Callable[[int, int], None] | None = None,
    batch_size: int = 64,
) -> Path:
    """Embed, write a complete new version, verify it loads, then make it current. Returns its path."""
    versions = index_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:8]
    tmp = versions / f".tmp-{version}"
    tmp.mkdir()
    try:
        texts = [embedding_text(c) for c in chunks]
        parts: list[np.ndarray] = []
        for i in range(0, len(texts), batch_size):
            parts.append(embedder.embed_matrix(texts[i : i + batch_size]))
            if on_progress:
                on_progress(min(i + batch_size, len(texts)), len(texts))
        dim = embedder.dim
        vectors = FaissIndex(dim)
        if parts:
            vectors.add(np.vstack(parts))
        vectors.save(tmp / "vectors.faiss")
        BM25Index.build([bm25_text(c) for c in chunks]).save(tmp / "bm25")
        write_jsonl(tmp / "paragraphs.jsonl", paragraphs)
        write_jsonl(tmp / "chunks.jsonl", chunks)
        counts: dict[str, int] = {}
        for p in paragraphs:
            counts[p.source_file] = counts.get(p.source_file, 0) + 1
        checksums = {str(f.relative_to(tmp)): sha256_file(f) for f in sorted(tmp.rglob("*")) if f.is_file()}
        manifest = IndexManifest(
            embedder_id=embedder.model_id,
            dim=dim,
            chunk_max_tokens=chunk_max_tokens,
            corpus_hash=corpus_hash([(d.source_file, d.sha256) for d in documents]),
            sources=[
                SourceEntry(
                    source_file=d.source_file,
                    sha256=d.sha256,
                    encoding=d.encoding,
                    paragraphs=counts.get(d.source_file, 0),
                )
                for d in documents
            ],
            paragraphs=len(paragraphs),
            chunks=len(chunks),
            checksums=checksums,
        )
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        for f in tmp.rglob("*"):
            if f.is_file():
                with f.open("rb") as fh:
                    os.fsync(fh.fileno())
        final = versions / version
        os.replace(tmp, final)
        _fsync_dir(versions)
        load_index(index_dir, embedder_id=embedder.model_id, version_path=final)  # verify before swap
        _write_pointer(index_dir, version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    prune_versions(index_dir, keep=2)
    return final


def current_version(index_dir: Path) -> Path:
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexNotBuiltError(f"索引尚未建立（{index_dir}）。请先运行 `policyqa ingest` 建立索引。")
    name = pointer.read_text(encoding="utf-8").strip()
    path = index_dir / "versions" / name
    if not name or not path.is_dir():
        raise IndexCorruptError(
            f"索引指针 {pointer} 指向不存在的版本 {name!r}；请重新运行 `policyqa ingest`。"
        )
    return path


def load_index(
    index_dir: Path, embedder_id: str | None = None, version_path: Path | None = None
) -> LoadedIndex:
    """Load and verify the current version (checksums, manifest, embedder) or raise a clear error."""
    path = version_path or current_version(index_dir)
    try:
        manifest = IndexManifest.model_validate_json((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise IndexCorruptError(
            f"索引清单 {path / MANIFEST} 无法读取：{exc}；请重新运行 `policyqa ingest`。"
        ) from exc
    if embedder_id is not None and manifest.embedder_id != embedder_id:
        raise IndexMismatchError(
            f"索引由嵌入模型 {manifest.embedder_id} 建立，当前配置为 {embedder_id}；"
            "请用当前配置重新运行 `policyqa ingest`，或改回原来的 POLICYQA_EMBEDDER。"
        )
    for rel, digest in manifest.checksums.items():
        f = path / rel
        if not f.is_file() or sha256_file(f) != digest:
            raise IndexCorruptError(f"索引文件 {f} 缺失或已损坏；请重新运行 `policyqa ingest`。")
    try:
        paragraphs = read_jsonl(path / "paragraphs.jsonl", Paragraph)
        chunks = read_jsonl(path / "chunks.jsonl", Chunk)
        vectors = FaissIndex.load(path / "vectors.faiss")
        bm25 = BM25Index.load(path / "bm25")
    except Exception as exc:  # any parse failure of a checksummed file is corruption
        raise IndexCorruptError(f"索引 {path} 无法加载：{exc}；请重新运行 `policyqa ingest`。") from exc
    if len(vectors) != len(chunks) or vectors.dim != manifest.dim or len(chunks) != manifest.chunks:
        raise IndexCorruptError(f"索引 {path} 内部不一致；请重新运行 `policyqa ingest`。")
    return LoadedIndex(path, manifest, paragraphs, chunks, vectors, bm25)


def prune_versions(index_dir: Path, keep: int = 2) -> None:
    """Remove old versions (never the current one) and leftovers of interrupted builds."""
    versions = index_dir / "versions"
    try:
        current = current_version(index_dir).name
    except (IndexNotBuiltError, IndexCorruptError):
        return
    done = sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-keep]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in versions.glob(".tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)
