"""What an ingest would change against the current index version, and the records it can reuse.

Files are compared by the sha256 of their bytes; parsed records are reused only when the ingestion
code and chunk size are the same as when they were written (the ingestion fingerprint).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import ingestion
from index.errors import IndexStoreError
from index.manifest import IndexManifest
from index.store import MANIFEST, current_version, load_index, verify_version
from index.vector_store import MILVUS_FILE, vectors_file
from ingestion.incremental import PreviousFile, file_sha256
from ingestion.loaders import iter_corpus_files
from ingestion.models import Chunk, Paragraph, SourceDocument


def ingestion_fingerprint(chunk_max_tokens: int) -> str:
    """Hash of the ingestion code and chunk size: parsed records are only valid for the same pair."""
    h = hashlib.sha256(f"chunk_max_tokens={chunk_max_tokens}\n".encode())
    root = Path(ingestion.__file__).resolve().parent
    kinds = {".py", ".txt", ".json", ".tsv", ".gz"}  # code and the data files it reads
    for f in sorted(root.rglob("*")):
        if f.is_file() and f.suffix in kinds and "__pycache__" not in f.parts:
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


@dataclass
class ChangePlan:
    """Added/changed/removed/unchanged files relative to the current version, and whether to rebuild."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    version: str | None = None  # current version name, if any
    reason: str = ""  # why a rebuild is needed even with no file changes ("" = none)
    manifest: IndexManifest | None = None  # of the current version
    previous: dict[str, PreviousFile] = field(default_factory=dict)

    @property
    def up_to_date(self) -> bool:
        return self.version is not None and not (self.added or self.changed or self.removed or self.reason)

    def summary(self) -> str:
        def part(label: str, names: list[str]) -> str:
            shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            return f"{label} {len(names)}" + (f" ({shown})" if names else "")

        files = "; ".join(
            [part("added", self.added), part("changed", self.changed), part("removed", self.removed)]
        )
        return f"{files}; unchanged {len(self.unchanged)}" + (f"; {self.reason}" if self.reason else "")


def _settings_reason(m: IndexManifest, embedder_id: str, chunk_max_tokens: int, index_type: str) -> str:
    if m.embedder_id != embedder_id:
        return f"embedder changed ({m.embedder_id} -> {embedder_id})"
    if m.chunk_max_tokens != chunk_max_tokens:
        return f"chunk size changed ({m.chunk_max_tokens} -> {chunk_max_tokens})"
    if m.index_type != index_type:
        return f"index type changed ({m.index_type} -> {index_type})"
    return ""


def plan_changes(
    index_dir: Path,
    corpus_dir: Path,
    embedder_id: str,
    chunk_max_tokens: int,
    index_type: str = "flat",
    with_records: bool = True,
    vector_store: str = "faiss",
) -> ChangePlan:
    """Compare the corpus with the current version; with_records also loads reusable parsed records."""
    hashes = {p.relative_to(corpus_dir).as_posix(): file_sha256(p) for p in iter_corpus_files(corpus_dir)}
    plan = ChangePlan()
    try:
        path = current_version(index_dir)
        manifest = IndexManifest.model_validate_json((path / MANIFEST).read_text(encoding="utf-8"))
    except (IndexStoreError, OSError, ValueError):
        plan.added = sorted(hashes)
        plan.reason = "no usable index yet"
        return plan
    plan.version, plan.manifest = path.name, manifest
    known = {s.source_file: s.sha256 for s in manifest.sources}
    known |= {s.source_file: s.sha256 for s in manifest.skipped}
    for name, digest in sorted(hashes.items()):
        if name not in known:
            plan.added.append(name)
        elif digest != known[name]:
            plan.changed.append(name)
        else:
            plan.unchanged.append(name)
    plan.removed = sorted(set(known) - set(hashes))
    plan.reason = _settings_reason(manifest, embedder_id, chunk_max_tokens, index_type)
    stored = "milvus" if vectors_file(path) == MILVUS_FILE else "faiss"
    if not plan.reason and stored != vector_store:
        plan.reason = f"vector store changed ({stored} -> {vector_store})"
    try:
        verify_version(path, manifest)
    except IndexStoreError:
        plan.reason, plan.manifest = "current index is corrupt", None
        return plan
    fingerprint_ok = manifest.ingest_fingerprint == ingestion_fingerprint(chunk_max_tokens)
    if not plan.reason and not fingerprint_ok:
        plan.reason = "ingestion code changed"
    if with_records and fingerprint_ok and not plan.up_to_date:
        plan.previous = _previous_files(path, manifest, set(plan.unchanged))
    return plan


def _previous_files(path: Path, manifest: IndexManifest, wanted: set[str]) -> dict[str, PreviousFile]:
    """Records of the unchanged files, read from the (checksum-verified) current version."""
    try:
        loaded = load_index(path.parent.parent, version_path=path)
    except IndexStoreError:
        return {}
    paragraphs: dict[str, list[Paragraph]] = {}
    chunks: dict[str, list[Chunk]] = {}
    for p in loaded.paragraphs:
        paragraphs.setdefault(p.source_file, []).append(p)
    for c in loaded.chunks:
        chunks.setdefault(c.source_file, []).append(c)
    out: dict[str, PreviousFile] = {}
    for s in manifest.sources:
        if s.source_file in wanted:
            doc = SourceDocument(
                s.source_file, "", s.encoding, s.sha256, s.title
            )  # text is not kept in the index
            out[s.source_file] = PreviousFile(
                s.sha256, doc, tuple(paragraphs.get(s.source_file, ())), tuple(chunks.get(s.source_file, ()))
            )
    for k in manifest.skipped:
        if k.source_file in wanted:
            out[k.source_file] = PreviousFile(k.sha256, None, skip_reason=k.reason)
    return out
