"""Incremental ingestion helpers: reuse records of byte-identical files, drop repeated chunks.

The index layer hands in what the previous version holds per file (`PreviousFile`); a file whose
sha256 is unchanged is not loaded, parsed or chunked again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .models import Chunk, Paragraph, SourceDocument


@dataclass(frozen=True)
class PreviousFile:
    """One file as the previous index version recorded it (document None: it was skipped)."""

    sha256: str
    document: SourceDocument | None
    paragraphs: tuple[Paragraph, ...] = ()
    chunks: tuple[Chunk, ...] = ()
    skip_reason: str = ""


def file_sha256(path: Path) -> str | None:
    """Hash of the raw bytes (what SourceDocument.sha256 records); None when unreadable."""
    h = hashlib.sha256()
    try:
        with Path(path).open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def dedupe_chunks(chunks: Iterable[Chunk]) -> tuple[list[Chunk], int]:
    """Keep the first of chunks with the same context and text: a file repeating one paragraph
    10,000 times costs one vector, not 10,000 identical ones crowding every result list."""
    seen: set[tuple[str, str]] = set()
    kept: list[Chunk] = []
    dropped = 0
    for c in chunks:
        key = (c.context, c.search_text)
        if key in seen:
            dropped += 1
            continue
        seen.add(key)
        kept.append(c)
    return kept, dropped
