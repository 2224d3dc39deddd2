"""Which vector index a version folder holds (FAISS file or Milvus pointer), kept out of store.py.

The version folder decides at load time (vectors.faiss or vectors.milvus.json), so readers need no
setting; only builds take `vector_store` (issue 7). Milvus is imported lazily, only when used.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.faiss_index import FaissIndex
from ingestion.models import Chunk

FAISS_FILE = "vectors.faiss"
MILVUS_FILE = "vectors.milvus.json"  # = index.milvus_index.POINTER
VECTOR_STORES = ("faiss", "milvus")


def vectors_file(path: Path) -> str:
    """Name of the vector file of a version folder (FAISS when neither exists, as before issue 7)."""
    return MILVUS_FILE if (path / MILVUS_FILE).is_file() else FAISS_FILE


def load_vectors(path: Path) -> Any:
    """FaissIndex or MilvusIndex of a version folder; both have search/vectors/__len__/dim."""
    if vectors_file(path) == MILVUS_FILE:
        from index.milvus_index import MilvusIndex

        return MilvusIndex.load(path / MILVUS_FILE)
    return FaissIndex.load(path / FAISS_FILE)


def write_vectors(
    folder: Path,
    matrix: np.ndarray,
    dim: int,
    chunks: Sequence[Chunk],
    index_type: str = "flat",
    vector_store: str = "faiss",
    milvus_uri: str | None = None,
) -> None:
    """Write the version's vectors: a FAISS file, or a Milvus collection named after the folder."""
    if vector_store == "faiss":
        vectors = FaissIndex(dim, index_type=index_type)
        if len(matrix):
            vectors.add(matrix)
        vectors.save(folder / FAISS_FILE)
        return
    if vector_store != "milvus":
        raise ValueError(f"unknown vector store {vector_store!r}; choose one of {VECTOR_STORES}")
    from index.milvus_index import MilvusIndex, collection_name

    uri = milvus_uri or str(folder.parent.parent / "milvus.db")
    name = collection_name(folder.name.removeprefix(".tmp-"))
    index = MilvusIndex(dim, uri, name, index_type)
    if len(matrix):
        index.add(matrix, [c.id for c in chunks], [c.source_file for c in chunks])
    index.save(folder / MILVUS_FILE)


def drop_vectors(path: Path) -> None:
    """Drop the Milvus collection of a version about to be deleted; FAISS needs nothing (best effort)."""
    if not (path / MILVUS_FILE).is_file():
        return
    try:
        load_vectors(path).drop()
    except Exception:  # an unreachable cluster must not block pruning the folder
        return
