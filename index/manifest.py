"""The index folder describes itself: which embedder, chunker and corpus built it, and file checksums."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1


class SourceEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_file: str
    sha256: str
    encoding: str
    paragraphs: int
    title: str = ""  # the document's title (derived at ingest or set by the admin)
    articles: list[str] = Field(default_factory=list)  # display title per article_index ("" = none)
    quarantined: int = 0  # instruction-like paragraphs: kept for display, never evidence


class SkippedEntry(BaseModel):
    """A file the last ingest could not use; remembered so an unchanged bad file is not retried."""

    model_config = ConfigDict(extra="forbid")
    source_file: str
    sha256: str
    reason: str


class IndexManifest(BaseModel):
    """Written last into a version folder; a folder without a valid manifest is not an index."""

    model_config = ConfigDict(extra="forbid")
    format_version: int = FORMAT_VERSION
    embedder_id: str
    dim: int
    normalized: bool = True
    chunk_max_tokens: int
    tokenizer: str = "tiktoken:cl100k_base"
    embed_text: str = "context+text"
    index_type: str = "flat"
    ingest_fingerprint: str = ""  # ingestion code + chunk size that produced the records
    corpus_hash: str
    sources: list[SourceEntry]
    skipped: list[SkippedEntry] = Field(default_factory=list)
    # paragraphs carry ingestion.injection's quarantine flag; False (older indexes): flagged at load
    quarantine_checked: bool = False
    paragraphs: int
    chunks: int
    checksums: dict[str, str] = Field(default_factory=dict)  # relative file path -> sha256
    package_version: str = "0.1.0"
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    """Content hash of one chunk's embedding text: the key under which its vector is reused."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def corpus_hash(file_hashes: list[tuple[str, str]]) -> str:
    """Order-independent hash of (file name, content hash) pairs."""
    h = hashlib.sha256()
    for name, digest in sorted(file_hashes):
        h.update(f"{name}\0{digest}\n".encode())
    return h.hexdigest()
