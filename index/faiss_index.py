"""FAISS inner-product index over normalised vectors (cosine); written with faiss' own format, no pickle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from index.base import as_matrix


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - depends on install
        raise ImportError("The vector index needs `pip install faiss-cpu`") from exc
    return faiss


class FaissIndex:
    """Exact (flat) search: the bundled corpus is a few thousand chunks, where flat is fastest and exact."""

    def __init__(self, dim: int, raw: Any = None) -> None:
        self.dim = dim
        self._index = raw if raw is not None else _faiss().IndexFlatIP(dim)

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

    @classmethod
    def load(cls, path: Path) -> FaissIndex:
        raw = _faiss().read_index(str(path))
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
        m = np.load(path, allow_pickle=False)
        idx = cls(m.shape[1])
        idx._m = m.astype(np.float32)
        return idx

    def __len__(self) -> int:
        return int(self._m.shape[0])
