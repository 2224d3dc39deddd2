"""Contracts of the index layer: a vector index protocol and the hit it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ingestion.models import Chunk


@dataclass(frozen=True)
class SearchHit:
    """A retrieved chunk with its fused score (higher is better) and per-retriever ranks."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    sparse_rank: int | None = None


class VectorIndex(Protocol):
    """Dense nearest-neighbour search over L2-normalised vectors, keyed by row number."""

    dim: int

    def add(self, vectors: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def save(self, path: Path) -> None: ...

    def __len__(self) -> int: ...


def as_matrix(vectors: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Float32, C-contiguous, L2-normalised rows: what every index implementation expects."""
    m = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if m.ndim == 1:
        m = m.reshape(1, -1)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms
