"""Sentence vectors computed at ingest, so a question costs one query embedding, not one per sentence.

Stored in each index version as sentences.jsonl (paragraph id, sentence) and sentence_vectors.npy
(float32 rows, memory-mapped at load so several server processes share the pages). Both are covered by
the version's checksums; unchanged sentences come from the content-hash embedding cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.cache import EmbeddingCache
from index.embeddings import NamedEmbeddings
from index.npy import load_npy
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.sentences import paragraph_sentences

KEYS_FILE = "sentences.jsonl"
VECTORS_FILE = "sentence_vectors.npy"


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
    return len(keys)


class SentenceVectors:
    """Unit vectors of the corpus sentences, looked up by (paragraph id, sentence)."""

    def __init__(self, keys: list[tuple[str, str]], matrix: np.ndarray) -> None:
        if len(keys) != len(matrix):
            raise ValueError(f"{len(keys)} sentence keys but {len(matrix)} vectors")
        self.rows = {k: i for i, k in enumerate(keys)}
        self.matrix = matrix

    @classmethod
    def load(cls, folder: Path) -> SentenceVectors | None:
        """None for a version built before sentence vectors existed (the caller embeds on the fly)."""
        if not (folder / VECTORS_FILE).is_file():
            return None
        keys = [
            tuple(json.loads(line)) for line in (folder / KEYS_FILE).read_text(encoding="utf-8").splitlines()
        ]
        matrix = load_npy(folder / VECTORS_FILE, mmap=True)
        return cls(keys, matrix)

    def row(self, paragraph_id: str, sentence: str) -> int | None:
        return self.rows.get((paragraph_id, sentence))
