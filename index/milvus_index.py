"""Milvus implementation of the VectorIndex protocol (issue 7), via pymilvus; milvus-lite for a local file.

Vectors and chunk metadata live in one collection per index version; the version folder keeps only a
small JSON pointer (uri + collection), so versions stay immutable and swapping CURRENT stays atomic.
pymilvus is imported only here, lazily, so the FAISS path never needs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.base import as_matrix

POINTER = "vectors.milvus.json"
MAX_LIMIT = 16384  # Milvus' largest top-k and query page
INSERT_BATCH = 2000
_clients: dict[str, Any] = {}  # one client per URI per process: milvus-lite starts a server per client


def _pymilvus() -> Any:
    try:
        import pymilvus
    except ImportError as exc:  # pragma: no cover - depends on install
        raise ImportError('POLICYQA_VECTOR_STORE=milvus needs `pip install -e ".[milvus]"`') from exc
    return pymilvus


def normalise_uri(uri: str | Path) -> str:
    """A local milvus-lite file becomes an absolute path, so the pointer works from any working dir."""
    text = str(uri)
    if "://" in text:
        return text
    return str(Path(text).expanduser().resolve())


def client(uri: str, token: str = "") -> Any:
    """Shared MilvusClient for `uri` (milvus-lite takes seconds to start and locks its file)."""
    uri = normalise_uri(uri)
    if uri not in _clients:
        if "://" not in uri:
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        _clients[uri] = _pymilvus().MilvusClient(uri=uri, token=token)
    return _clients[uri]


def collection_name(version: str) -> str:
    """Milvus names allow letters, digits and underscores only."""
    return "policyqa_" + re.sub(r"\W", "_", version)


class MilvusIndex:
    """Exact (FLAT) inner product by default, like FaissIndex; HNSW for large clusters (docs/deploy.md)."""

    def __init__(
        self,
        dim: int,
        uri: str | Path = "milvus.db",
        collection: str = "policyqa_vectors",
        index_type: str = "flat",
        *,
        create: bool = True,
    ) -> None:
        self.dim = dim
        self.uri = normalise_uri(uri)
        self.collection = collection
        self._client = client(self.uri)
        self._n = 0
        if create:
            self._create(index_type)
        else:
            rows = self._client.query(collection, filter="", output_fields=["count(*)"])
            self._n = int(rows[0]["count(*)"])

    def _create(self, index_type: str) -> None:
        dt = _pymilvus().DataType
        c = self._client
        if c.has_collection(self.collection):
            c.drop_collection(self.collection)
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("row", dt.INT64, is_primary=True)
        schema.add_field("vector", dt.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("chunk_id", dt.VARCHAR, max_length=512)
        schema.add_field("source_file", dt.VARCHAR, max_length=1024)
        params = c.prepare_index_params()
        if index_type == "hnsw":
            hnsw = {"M": 32, "efConstruction": 64}
            params.add_index("vector", index_type="HNSW", metric_type="IP", params=hnsw)
        else:
            params.add_index("vector", index_type="FLAT", metric_type="IP")
        c.create_collection(self.collection, schema=schema, index_params=params)

    def add(
        self,
        vectors: np.ndarray,
        chunk_ids: Sequence[str] | None = None,
        source_files: Sequence[str] | None = None,
    ) -> None:
        """Rows continue from len(self); chunk ids and source files are optional metadata."""
        m = as_matrix(vectors)
        if m.shape[1] != self.dim:
            raise ValueError(f"vector dim {m.shape[1]} != index dim {self.dim}")
        for start in range(0, len(m), INSERT_BATCH):
            batch = [
                {
                    "row": self._n + i,
                    "vector": m[i].tolist(),
                    "chunk_id": chunk_ids[i] if chunk_ids else "",
                    "source_file": source_files[i] if source_files else "",
                }
                for i in range(start, min(start + INSERT_BATCH, len(m)))
            ]
            self._client.insert(self.collection, batch)
        self._n += len(m)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        if len(self) == 0 or k <= 0:
            return []
        res = self._client.search(
            self.collection,
            data=[as_matrix(query)[0].tolist()],
            limit=min(k, len(self), MAX_LIMIT),
            anns_field="vector",
            search_params={"metric_type": "IP", "params": {"ef": max(64, k)}},
            output_fields=["row"],
        )
        hits = [(int(h["row"]), float(h["distance"])) for h in res[0]]
        hits.sort(key=lambda rs: (-rs[1], rs[0]))  # same tie order as FAISS' flat scan
        return hits

    def vectors(self) -> np.ndarray:
        """All rows in row order, so unchanged chunks can be reused by the next build (as FaissIndex)."""
        out = np.zeros((len(self), self.dim), dtype=np.float32)
        for start in range(0, len(self), MAX_LIMIT):
            rows = self._client.query(
                self.collection,
                filter=f"row >= {start} and row < {start + MAX_LIMIT}",
                output_fields=["row", "vector"],
            )
            for r in rows:
                out[int(r["row"])] = r["vector"]
        return out

    def save(self, path: Path) -> None:
        """Write the pointer file; the vectors are already in Milvus."""
        self._client.flush(self.collection)
        pointer = {"uri": self.uri, "collection": self.collection, "dim": self.dim}
        Path(path).write_text(json.dumps(pointer, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> MilvusIndex:
        pointer = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(int(pointer["dim"]), pointer["uri"], pointer["collection"], create=False)

    def drop(self) -> None:
        """Remove the collection (when its version folder is pruned)."""
        if self._client.has_collection(self.collection):
            self._client.drop_collection(self.collection)

    def __len__(self) -> int:
        return self._n
