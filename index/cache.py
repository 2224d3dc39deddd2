"""Embedding cache keyed by sha256(embedder id, text): re-ingesting unchanged text embeds nothing.

Layout: <dir>/<embedder id>/<shard>.keys.npy (hex digests) + <shard>.vecs.npy (float32 rows).
Plain .npy files read with allow_pickle=False; a shard counts only once both files exist.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import uuid
from pathlib import Path

import numpy as np

from index.embeddings import NamedEmbeddings
from index.npy import load_npy


def text_key(embedder_id: str, text: str) -> str:
    """Content hash of one text under one embedder (different models never share vectors)."""
    return hashlib.sha256(f"{embedder_id}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Append-only store of vectors; each `embed` call that misses writes one new shard."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._loaded: dict[str, dict[str, np.ndarray]] = {}
        self._lock = threading.Lock()
        self.misses = 0  # texts embedded by the model through this cache (for tests and logs)
        self.hits = 0

    def _dir(self, embedder_id: str) -> Path:
        return self.root / re.sub(r"[^A-Za-z0-9_.-]+", "_", embedder_id)

    def _table(self, embedder_id: str) -> dict[str, np.ndarray]:
        if embedder_id not in self._loaded:
            table: dict[str, np.ndarray] = {}
            d = self._dir(embedder_id)
            for keys_file in sorted(d.glob("*.keys.npy")) if d.is_dir() else []:
                vecs_file = keys_file.with_name(keys_file.name.replace(".keys.npy", ".vecs.npy"))
                try:
                    keys = load_npy(keys_file)
                    vecs = load_npy(vecs_file)
                except (OSError, ValueError):
                    continue  # a torn or foreign shard is ignored, its texts get re-embedded
                if len(keys) != len(vecs):
                    continue
                for k, v in zip(keys.tolist(), vecs, strict=True):
                    table[k] = v
            self._loaded[embedder_id] = table
        return self._loaded[embedder_id]

    def _write_shard(self, embedder_id: str, keys: list[str], vecs: np.ndarray) -> None:
        d = self._dir(embedder_id)
        d.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        for suffix, arr in ((".vecs.npy", vecs), (".keys.npy", np.asarray(keys, dtype="U64"))):
            tmp = d / f".{name}{suffix}.tmp"
            with tmp.open("wb") as f:
                np.save(f, arr, allow_pickle=False)
            os.replace(tmp, d / f"{name}{suffix}")  # keys last: a shard is complete when they exist

    def embed(self, embedder: NamedEmbeddings, texts: list[str]) -> np.ndarray:
        """Vectors for `texts`, embedding only those never seen by this embedder."""
        if not texts:
            return embedder.embed_matrix([])
        with self._lock:
            table = self._table(embedder.model_id)
            keys = [text_key(embedder.model_id, t) for t in texts]
            todo = list(dict.fromkeys(k for k in keys if k not in table))
            if todo:
                first = {k: i for i, k in reversed(list(enumerate(keys)))}
                fresh = np.asarray(embedder.embed_matrix([texts[first[k]] for k in todo]), dtype=np.float32)
                self._write_shard(embedder.model_id, todo, fresh)
                table.update(zip(todo, fresh, strict=True))
            self.misses += len(todo)
            self.hits += len(texts) - len(todo)
            return np.vstack([table[k] for k in keys]).astype(np.float32)
