"""Versioned index folders: build beside the current one, then swap a pointer file atomically.

Layout: <index_dir>/CURRENT names a folder under <index_dir>/versions/; each version holds
manifest.json, paragraphs.jsonl, chunks.jsonl, vectors.faiss (or vectors.milvus.json), bm25/ and the
sentence vectors (index/sentences.py).
A crash at any point leaves CURRENT pointing at the previous complete version. Builders lock their
temp folder so a concurrent builder's pruning never deletes it.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from index.bm25 import BM25Index
from index.cache import EmbeddingCache
from index.embeddings import NamedEmbeddings
from index.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError, IndexStoreError
from index.housekeeping import builder_lock, fsync_dir, prune_leftovers
from index.manifest import IndexManifest, SkippedEntry, SourceEntry, corpus_hash, sha256_file, sha256_text
from index.records import read_jsonl, write_jsonl
from index.segments import attach_segments, write_segments
from index.sentences import SentenceVectors, write_sentence_vectors
from index.vector_store import drop_vectors, load_vectors, vectors_file, write_vectors
from ingestion.injection import flag_paragraphs
from ingestion.models import Chunk, Paragraph, SourceDocument
from ingestion.normalize import search_form
from ingestion.titles import article_labels

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CACHE_DIR = "embedding-cache"


def embedding_text(chunk: Chunk) -> str:
    """What the embedder sees: article/heading context first, then the normalised chunk text."""
    return f"{chunk.context}\n{chunk.search_text}" if chunk.context else chunk.search_text


def bm25_text(chunk: Chunk, synonyms: bool = True) -> str:
    """What BM25 sees: context + text with numbers and policy synonyms folded (see ingestion/data)."""
    return search_form(f"{chunk.context} {chunk.search_text}", synonyms=synonyms)


@dataclass
class LoadedIndex:
    """Everything retrieval needs, read from one consistent version folder."""

    path: Path
    manifest: IndexManifest
    paragraphs: list[Paragraph]
    chunks: list[Chunk]
    vectors: Any  # FaissIndex or MilvusIndex (index.vector_store)
    bm25: BM25Index
    sentences: SentenceVectors | None = None  # None for versions built before sentence vectors


@dataclass
class BuildStats:
    """How much of a build was new work: chunks embedded vs vectors reused from the previous version."""

    embedded: int = 0
    reused: int = 0


def _write_pointer(index_dir: Path, version: str) -> None:
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex}"
    with tmp.open("w", encoding="utf-8") as f:
        f.write(version + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / CURRENT)
    fsync_dir(index_dir)


def _previous_vectors(index_dir: Path, embedder: NamedEmbeddings) -> dict[str, np.ndarray]:
    """Vectors of the current version keyed by chunk content hash; empty when unusable (no reuse)."""
    try:
        path = current_version(index_dir)
        manifest = _read_manifest(path)
        if manifest.embedder_id != embedder.model_id or manifest.embed_text != "context+text":
            return {}
        verify_version(path, manifest, ("chunks.jsonl", vectors_file(path)))
        chunks = read_jsonl(path / "chunks.jsonl", Chunk)
        matrix = load_vectors(path).vectors()
    except (IndexStoreError, OSError, ValueError, RuntimeError, ImportError, KeyError):
        return {}
    if len(matrix) != len(chunks):
        return {}
    return {sha256_text(embedding_text(c)): v for c, v in zip(chunks, matrix, strict=True)}


def embed_chunks(
    index_dir: Path,
    chunks: Sequence[Chunk],
    embedder: NamedEmbeddings,
    on_progress: Callable[[int, int], None] | None = None,
    batch_size: int = 64,
    cache: EmbeddingCache | None = None,
) -> tuple[np.ndarray, BuildStats]:
    """Vectors for `chunks`: reuse the previous version's vector of any unchanged chunk, embed the rest."""
    texts = [embedding_text(c) for c in chunks]
    keys = [sha256_text(t) for t in texts]
    known = _previous_vectors(index_dir, embedder)
    todo = [i for i, k in enumerate(keys) if k not in known]
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32) if known else None
    fresh: list[np.ndarray] = []
    for i in range(0, len(todo), batch_size):
        batch = [texts[j] for j in todo[i : i + batch_size]]
        fresh.append(cache.embed(embedder, batch) if cache is not None else embedder.embed_matrix(batch))
        if on_progress:
            on_progress(min(i + batch_size, len(todo)), len(todo))
    new = np.vstack(fresh).astype(np.float32) if fresh else np.zeros((0, embedder.dim), np.float32)
    if out is None:
        return new, BuildStats(embedded=len(todo))
    if len(todo):
        out[todo] = new
    for i, k in enumerate(keys):
        if k in known:
            out[i] = known[k]
    if on_progress and not todo:
        on_progress(len(texts), len(texts))
    return out, BuildStats(embedded=len(todo), reused=len(texts) - len(todo))


def build_index(
    index_dir: Path,
    documents: list[SourceDocument],
    paragraphs: list[Paragraph],
    chunks: list[Chunk],
    embedder: NamedEmbeddings,
    chunk_max_tokens: int,
    on_progress: Callable[[int, int], None] | None = None,
    batch_size: int = 64,
    *,
    index_type: str = "flat",
    fingerprint: str = "",
    skipped: Sequence[tuple[str, str, str]] = (),
    cache: EmbeddingCache | None = None,
    stats: BuildStats | None = None,
    vector_store: str = "faiss",
    milvus_uri: str | None = None,
) -> Path:
    """Embed (reusing unchanged chunks), write a complete new version, verify it, then make it current."""
    versions = index_dir / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:8]
    tmp = versions / f".tmp-{version}"
    with builder_lock(versions / f".tmp-{version}.lock"):
        tmp.mkdir()
        try:
            if cache is None:  # content-hash cache: text embedded by any earlier build is never re-embedded
                cache = EmbeddingCache(index_dir / CACHE_DIR)
            matrix, done = embed_chunks(index_dir, chunks, embedder, on_progress, batch_size, cache)
            if stats is not None:
                stats.embedded, stats.reused = done.embedded, done.reused
            write_vectors(tmp, matrix, embedder.dim, chunks, index_type, vector_store, milvus_uri)
            BM25Index.build([bm25_text(c) for c in chunks]).save(tmp / "bm25")
            write_sentence_vectors(tmp, paragraphs, embedder, cache)
            write_segments(tmp, paragraphs)
            write_jsonl(tmp / "paragraphs.jsonl", paragraphs)
            write_jsonl(tmp / "chunks.jsonl", chunks)
            manifest = _manifest(tmp, documents, paragraphs, chunks, embedder, chunk_max_tokens)
            manifest.index_type, manifest.ingest_fingerprint = index_type, fingerprint
            manifest.quarantine_checked = True
            manifest.skipped = [SkippedEntry(source_file=f, sha256=h, reason=r) for f, h, r in skipped]
            (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
            for f in tmp.rglob("*"):
                if f.is_file():
                    with f.open("rb") as fh:
                        os.fsync(fh.fileno())
            final = versions / version
            os.replace(tmp, final)
            fsync_dir(versions)
        except BaseException:
            drop_vectors(tmp)
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    try:
        load_index(index_dir, embedder_id=embedder.model_id, version_path=final)  # verify before swap
    except BaseException:
        drop_vectors(final)
        shutil.rmtree(final, ignore_errors=True)
        raise
    _write_pointer(index_dir, version)
    prune_versions(index_dir, keep=2)
    return final


def _manifest(
    tmp: Path,
    documents: list[SourceDocument],
    paragraphs: list[Paragraph],
    chunks: list[Chunk],
    embedder: NamedEmbeddings,
    chunk_max_tokens: int,
) -> IndexManifest:
    counts: dict[str, int] = {}
    by_file: dict[str, list[Paragraph]] = {}
    quarantined: dict[str, int] = {}
    for p in paragraphs:
        counts[p.source_file] = counts.get(p.source_file, 0) + 1
        by_file.setdefault(p.source_file, []).append(p)
        if p.quarantine:
            quarantined[p.source_file] = quarantined.get(p.source_file, 0) + 1
    return IndexManifest(
        embedder_id=embedder.model_id,
        dim=embedder.dim,
        chunk_max_tokens=chunk_max_tokens,
        corpus_hash=corpus_hash([(d.source_file, d.sha256) for d in documents]),
        sources=[
            SourceEntry(
                source_file=d.source_file,
                sha256=d.sha256,
                encoding=d.encoding,
                paragraphs=counts.get(d.source_file, 0),
                title=d.title,
                articles=article_labels(by_file.get(d.source_file, ()), d.title),
                quarantined=quarantined.get(d.source_file, 0),
            )
            for d in documents
        ],
        paragraphs=len(paragraphs),
        chunks=len(chunks),
        checksums={str(f.relative_to(tmp)): sha256_file(f) for f in sorted(tmp.rglob("*")) if f.is_file()},
    )


def current_version(index_dir: Path) -> Path:
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexNotBuiltError(f"索引尚未建立（{index_dir}）。请先运行 `policyqa ingest` 建立索引。")
    name = pointer.read_text(encoding="utf-8").strip()
    path = index_dir / "versions" / name
    if not name or "/" in name or name.startswith(".") or not path.is_dir():
        raise IndexCorruptError(
            f"索引指针 {pointer} 指向不存在的版本 {name!r}；请重新运行 `policyqa ingest`。"
        )
    return path


def _read_manifest(path: Path) -> IndexManifest:
    try:
        return IndexManifest.model_validate_json((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise IndexCorruptError(
            f"索引清单 {path / MANIFEST} 无法读取：{exc}；请重新运行 `policyqa ingest`。"
        ) from exc


def verify_version(path: Path, manifest: IndexManifest, only: Sequence[str] | None = None) -> None:
    for rel, digest in manifest.checksums.items():
        if only is not None and rel not in only:
            continue
        f = path / rel
        if not f.is_file() or sha256_file(f) != digest:
            raise IndexCorruptError(f"索引文件 {f} 缺失或已损坏；请重新运行 `policyqa ingest`。")


def load_index(
    index_dir: Path, embedder_id: str | None = None, version_path: Path | None = None
) -> LoadedIndex:
    """Load and verify the current version (checksums, manifest, embedder) or raise a clear error."""
    try:
        return _load(version_path or current_version(index_dir), embedder_id)
    except IndexCorruptError:
        if version_path is not None:
            raise
    # A concurrent build may have swapped and pruned the version under us: retry the new one once.
    time.sleep(0.05)
    path = current_version(index_dir)  # a broken pointer is reported, not guessed around
    try:
        return _load(path, embedder_id)
    except IndexCorruptError as exc:
        fallback = _newest_intact(index_dir, path, embedder_id, exc)
        if fallback is None:
            raise
        return fallback


def _newest_intact(
    index_dir: Path, bad: Path, embedder_id: str | None, error: Exception
) -> LoadedIndex | None:
    """The newest other version that passes its checksums, when the current one does not; the
    pointer is left alone (readers never write) and the next ingest builds a fresh version."""
    versions = index_dir / "versions"
    names = sorted(
        (p.name for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True
    )
    for name in names:
        if name == bad.name:
            continue
        try:
            loaded = _load(versions / name, embedder_id)
        except IndexStoreError:
            continue
        log.warning("index version %s is unusable (%s); serving the intact version %s", bad.name, error, name)
        return loaded
    log.error("index version %s is unusable (%s) and no intact earlier version exists", bad.name, error)
    return None


def _load(path: Path, embedder_id: str | None) -> LoadedIndex:
    manifest = _read_manifest(path)
    if embedder_id is not None and manifest.embedder_id != embedder_id:
        raise IndexMismatchError(
            f"索引由嵌入模型 {manifest.embedder_id} 建立，当前配置为 {embedder_id}；"
            "请用当前配置重新运行 `policyqa ingest`，或改回原来的 POLICYQA_EMBEDDER。"
        )
    verify_version(path, manifest)
    try:
        paragraphs = read_jsonl(path / "paragraphs.jsonl", Paragraph)
        chunks = read_jsonl(path / "chunks.jsonl", Chunk)
        vectors = load_vectors(path)
        bm25 = BM25Index.load(path / "bm25")
        sentences = SentenceVectors.load(path)
        attach_segments(path)
    except (MemoryError, SystemError):  # the interpreter failing is no verdict on the files
        raise
    except Exception as exc:  # any parse failure of a checksummed file is corruption
        raise IndexCorruptError(f"索引 {path} 无法加载：{exc}；请重新运行 `policyqa ingest`。") from exc
    if len(vectors) != len(chunks) or vectors.dim != manifest.dim or len(chunks) != manifest.chunks:
        raise IndexCorruptError(f"索引 {path} 内部不一致；请重新运行 `policyqa ingest`。")
    if not manifest.quarantine_checked:  # built before ingest-time quarantine: never serve it unflagged
        paragraphs = flag_paragraphs(paragraphs)
    return LoadedIndex(path, manifest, paragraphs, chunks, vectors, bm25, sentences)


def prune_versions(index_dir: Path, keep: int = 2) -> None:
    """Remove old versions (never the current one) and leftovers of dead builders (never a live one's)."""
    versions = index_dir / "versions"
    try:
        current = current_version(index_dir).name
    except (IndexNotBuiltError, IndexCorruptError):
        return
    done = sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in done[:-keep]:
        if old.name != current:
            drop_vectors(old)
            shutil.rmtree(old, ignore_errors=True)
    prune_leftovers(index_dir)
