"""The same behaviours hold for every VectorIndex implementation (FAISS, the numpy reference, Milvus)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.faiss_index import FaissIndex, NumpyIndex
from index.milvus_index import MilvusIndex, collection_name


def _vectors(n: int = 50, dim: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


class VectorIndexContract:
    cls: type

    @pytest.fixture
    def index(self):
        return self.cls(16)

    def test_empty_search_returns_nothing(self, index) -> None:
        assert index.search(_vectors(1)[0], 5) == []
        assert len(index) == 0

    def test_a_vector_finds_itself_first(self, index) -> None:
        v = _vectors()
        index.add(v)
        assert len(index) == 50
        for row in (0, 17, 49):
            assert index.search(v[row], 3)[0][0] == row

    def test_scores_descend_and_k_is_capped(self, index) -> None:
        index.add(_vectors(5))
        hits = index.search(_vectors(1, seed=3)[0], 10)
        assert len(hits) == 5
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)

    def test_wrong_dimension_is_rejected(self, index) -> None:
        with pytest.raises(ValueError):
            index.add(np.ones((2, 8), dtype=np.float32))

    def test_save_load_round_trip(self, index, tmp_path: Path) -> None:
        v = _vectors()
        index.add(v)
        path = tmp_path / "vectors.bin"
        index.save(path)
        saved = path if path.exists() else tmp_path / "vectors.bin.npy"
        loaded = self.cls.load(saved)
        q = _vectors(1, seed=9)[0]
        assert [i for i, _ in loaded.search(q, 5)] == [i for i, _ in index.search(q, 5)]


class TestFaissIndex(VectorIndexContract):
    cls = FaissIndex


class TestNumpyIndex(VectorIndexContract):
    cls = NumpyIndex


class TestMilvusIndex(VectorIndexContract):
    """milvus-lite via pymilvus (issue 7): one file and client for the class, a collection per test."""

    cls = MilvusIndex

    @pytest.fixture(scope="class")
    def milvus_uri(self, tmp_path_factory: pytest.TempPathFactory) -> str:
        pytest.importorskip("pymilvus")
        return str(tmp_path_factory.mktemp("milvus") / "contract.db")

    @pytest.fixture
    def index(self, milvus_uri: str, request: pytest.FixtureRequest):
        idx = MilvusIndex(16, milvus_uri, collection_name(request.node.name))
        yield idx
        idx.drop()


def test_faiss_and_numpy_agree() -> None:
    v = _vectors(200)
    f, n = FaissIndex(16), NumpyIndex(16)
    f.add(v)
    n.add(v)
    q = _vectors(1, seed=42)[0]
    assert [i for i, _ in f.search(q, 10)] == [i for i, _ in n.search(q, 10)]
