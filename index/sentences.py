"""Sentence vectors computed at ingest, so a question costs one query embedding, not one per sentence.

Stored in each index version as sentences.jsonl (paragraph id, sentence), sentence_keys.npy (a
64-bit hash of each key beside its row, sorted by hash) and sentence_vectors.npy (float32 rows). Both
arrays are memory-mapped at load, so several server processes share the pages and a million-chunk
index does not hold ~2M (paragraph id, sentence) tuples in a dict (~0.9 GB). All three are covered by
the version's checksums; unchanged sentences come from the content-hash embedding cache.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from index.cache import EmbeddingCache
from index.embeddings import NamedEmbeddings
from index.npy import load_npy
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.sentences import paragraph_sentences

KEYS_FILE = "sentences.jsonl"
TABLE_FILE = "sentence_keys.npy"
VECTORS_FILE = "sentence_vectors.npy"


def key_hash(paragraph_id: str, sentence: str) -> int:
    """Stable across processes and runs (unlike hash()); two of ~2M keys sharing one is ~1e-7 likely."""
    digest = hashlib.blake2b(f"{paragraph_id}\x1f{sentence}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def key_table(keys: Iterable[tuple[str, str]]) -> np.ndarray:
    """(n, 2) uint64: key hash, row; sorted by hash for binary search."""
    hashes = np.fromiter((key_hash(p, s) for p, s in keys), dtype=np.uint64)
    order = np.argsort(hashes, kind="stable")
    return np.stack([hashes[order], order.astype(np.uint64)], axis=1)


def _keys_in(folder: Path) -> Iterable[tuple[str, str]]:
    with (folder / KEYS_FILE).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                pid, sentence = json.loads(line)
                yield pid, sentence


def write_key_table(folder: Path) -> None:
    """sentence_keys.npy from the version's sentences.jsonl (the product's build and the scale benchmark)."""
    np.save(folder / TABLE_FILE, key_table(_keys_in(folder)), allow_pickle=False)


def write_sentence_vectors(
    folder: Path,
    paragraphs: Sequence[Paragraph],
    embedder: NamedEmbeddings,
    cache: EmbeddingCache,
    on_progress: Callable[[int, int], None] | None = None,
    batch_size: int = 128,
) -> int:
    """Embed every sentence (cache first) and write both files; returns the number of sentences."""
    keys = list(paragraph_sentences(paragraphs))
    texts = [normalize_text(s) for _, s in keys]
    parts: list[np.ndarray] = []
    for i in range(0, len(texts), batch_size):
        parts.append(np.asarray(cache.embed(embedder, texts[i : i + batch_size]), dtype=np.float32))
        if on_progress:
            on_progress(min(i + batch_size, len(texts)), len(texts))
    matrix = np.vstack(parts) if parts else np.zeros((0, embedder.dim), np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    np.save(folder / VECTORS_FILE, (matrix / norms).astype(np.float32))
    with (folder / KEYS_FILE).open("w", encoding="utf-8") as fh:
        for pid, s in keys:
            fh.write(json.dumps([pid, s], ensure_ascii=False) + "\n")
    write_key_table(folder)
    return len(keys)


class SentenceVectors:
    """Unit vectors of the corpus sentences, looked up by (paragraph id, sentence)."""

    def __init__(self, table: np.ndarray, matrix: np.ndarray) -> None:
        if len(table) != len(matrix):
            raise ValueError(f"{len(table)} sentence keys but {len(matrix)} vectors")
        self._hashes, self._rows = table[:, 0], table[:, 1]
        self.matrix = matrix

    @classmethod
    def load(cls, folder: Path) -> SentenceVectors | None:
        """None for a version built before sentence vectors existed (the caller embeds on the fly).
        A version from before the key table gets one built in memory."""
        if not (folder / VECTORS_FILE).is_file():
            return None
        table_file = folder / TABLE_FILE
        table = load_npy(table_file, mmap=True) if table_file.is_file() else key_table(_keys_in(folder))
        if table.ndim != 2 or table.shape[1:] != (2,) or table.dtype != np.uint64:
            raise ValueError(f"{table_file} is not a (n, 2) uint64 key table")
        return cls(table, load_npy(folder / VECTORS_FILE, mmap=True))

    def __len__(self) -> int:
        return len(self._hashes)

    def row(self, paragraph_id: str, sentence: str) -> int | None:
        found = self.rows_of([(paragraph_id, sentence)])[0]
        return None if found < 0 else int(found)

    def rows_of(self, keys: Sequence[tuple[str, str]]) -> np.ndarray:
        """Row of each key, -1 where the index holds no vector for it (one binary search for all)."""
        if not keys or not len(self._hashes):
            return np.full(len(keys), -1, dtype=np.int64)
        wanted = np.fromiter((key_hash(p, s) for p, s in keys), dtype=np.uint64, count=len(keys))
        at = np.minimum(np.searchsorted(self._hashes, wanted), len(self._hashes) - 1)
        return np.where(self._hashes[at] == wanted, self._rows[at].astype(np.int64), -1)
