"""Embedding cache: a second build of unchanged text embeds nothing; shards are plain .npy."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from index.cache import EmbeddingCache
from index.hashing import HashingEmbedder
from index.store import CACHE_DIR, build_index, load_index


class CountingEmbedder(HashingEmbedder):
    """Hashing embedder that counts the texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def embed_matrix(self, texts: list[str]) -> np.ndarray:
        self.embedded += len(texts)
        return super().embed_matrix(texts)


def test_cache_returns_same_vectors_and_skips_known_texts(tmp_path: Path) -> None:
    emb = CountingEmbedder()
    cache = EmbeddingCache(tmp_path)
    first = cache.embed(emb, ["甲", "乙", "甲"])
    assert emb.embedded == 2  # duplicates embedded once
    again = EmbeddingCache(tmp_path).embed(emb, ["乙", "甲"])
    assert emb.embedded == 2
    assert np.allclose(again, first[[1, 0]])
    for f in tmp_path.rglob("*.npy"):
        np.load(f, allow_pickle=False)  # no pickle anywhere


def test_second_build_embeds_nothing(tmp_path: Path, ingested) -> None:
    emb = CountingEmbedder()
    args = (ingested.documents, ingested.paragraphs, ingested.chunks, emb, 200)
    build_index(tmp_path, *args)
    assert emb.embedded > 0
    emb.embedded = 0
    build_index(tmp_path, *args)  # re-ingest of unchanged text
    assert emb.embedded == 0
    assert (tmp_path / CACHE_DIR).is_dir()
    shutil.rmtree(tmp_path / "versions")  # even without a previous version the cache answers
    (tmp_path / "CURRENT").unlink()
    build_index(tmp_path, *args)
    assert emb.embedded == 0
    assert len(load_index(tmp_path, embedder_id=emb.model_id).chunks) == len(ingested.chunks)
