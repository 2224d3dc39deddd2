"""FAISS inner-product index over normalised vectors (cosine); written with faiss' own format, no pickle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from index.base import as_matrix
from index.npy import load_npy


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - depends on install
        raise ImportError("The vector index needs `pip install faiss-cpu`") from exc
    return faiss


INDEX_TYPES = ("flat", "hnsw")
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 2048  # recall@10 0.96 at 1M chunks, p95 < 6 ms: see docs/benchmarks.md (Scale)


def new_faiss_index(dim: int, index_type: str = "flat") -> Any:
    """Flat is exact and fastest for the bundled corpus; HNSW keeps p95 low at ~1M chunks."""
    faiss = _faiss()
    if index_type == "flat":
        return faiss.IndexFlatIP(dim)
    if index_type == "hnsw":
        raw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        raw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        raw.hnsw.efSearch = HNSW_EF_SEARCH
        return raw
    raise ValueError(f"unknown index type {index_type!r}; choose one of {INDEX_TYPES}")


class FaissIndex:
    """Flat (exact) by default: the bundled corpus is a few thousand chunks; HNSW for large corpora."""

    def __init__(self, dim: int, raw: Any = None, index_type: str = "flat") -> None:
        self.dim = dim
        self._index = raw if raw is not None else new_faiss_index(dim, index_type)

    def add(self, vectors: np.ndarray) -> None:
        m = as_matrix(vectors)
        if m.shape[1] != self.dim:
            raise ValueError(f"vector dim {m.shape[1]} != index dim {self.dim}")
        self._index.add(m)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0:
            return []
        scores, ids = self._index.search(as_matrix(query), min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, path: Path) -> None:
        _faiss().write_index(self._index, str(path))

    def vectors(self) -> np.ndarray:
        """All stored rows (flat and HNSW-flat keep them verbatim), so unchanged chunks can be reused."""
        if len(self) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_n(0, len(self)), dtype=np.float32)

    @classmethod
    def load(cls, path: Path) -> FaissIndex:
        """Memory-mapped and read-only where faiss can (flat codes, HNSW storage: IO_FLAG_MMAP_IFC):
        several server processes then share one copy of the vectors in the page cache instead of one
        copy each. Versions are immutable files, so a read-only map never sees a change."""
        faiss = _faiss()
        flag = getattr(faiss, "IO_FLAG_MMAP_IFC", None)  # faiss >= 1.11; the older IO_FLAG_MMAP maps nothing
        if flag is not None:
            try:
                raw = faiss.read_index(str(path), flag)
                return cls(raw.d, raw)
            except RuntimeError:  # a type or filesystem faiss cannot map: read it into memory
                pass
        raw = faiss.read_index(str(path))
        return cls(raw.d, raw)

    def __len__(self) -> int:
        return int(self._index.ntotal)


class NumpyIndex:
    """Brute-force cosine reference implementation; same contract as FaissIndex, stored as .npy."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._m = np.zeros((0, dim), dtype=np.float32)

    def add(self, vectors: np.ndarray) -> None:
        m = as_matrix(vectors)
        if m.shape[1] != self.dim:
            raise ValueError(f"vector dim {m.shape[1]} != index dim {self.dim}")
        self._m = np.vstack([self._m, m])

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0:
            return []
        scores = self._m @ as_matrix(query)[0]
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in top]

    def save(self, path: Path) -> None:
        np.save(path, self._m, allow_pickle=False)

    @classmethod
    def load(cls, path: Path) -> NumpyIndex:
        m = load_npy(path)
        idx = cls(m.shape[1])
        idx._m = m.astype(np.float32)
        return idx

    def __len__(self) -> int:
        return int(self._m.shape[0])
