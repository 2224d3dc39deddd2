"""Issue 7 done-criterion: the dev eval with POLICYQA_VECTOR_STORE=milvus (milvus-lite) matches FAISS."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")

from assistant.core import Assistant
from assistant.factory import build_assistant, make_embedder, run_ingest
from assistant.settings import Settings
from evals.dataset import load_gold
from evals.runner import run_eval
from index.milvus_index import MilvusIndex
from index.store import CACHE_DIR, load_index

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_dev_eval_on_milvus_matches_faiss(
    use_index_dir: Path, gold_path: Path, corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "idx"
    shutil.copytree(use_index_dir / CACHE_DIR, index_dir / CACHE_DIR)  # cached vectors: no model calls
    monkeypatch.setenv("POLICYQA_VECTOR_STORE", "milvus")
    monkeypatch.setenv("POLICYQA_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("POLICYQA_CORPUS_DIR", str(corpus_dir))
    settings = Settings()
    embedder = make_embedder(settings)
    run_ingest(settings, embedder, progress=False)
    milvus = build_assistant(settings, embedder)
    assert isinstance(milvus.index.vectors, MilvusIndex)
    faiss = Assistant(load_index(use_index_dir, embedder_id=embedder.model_id), embedder)

    gold = load_gold(gold_path)
    on_faiss = run_eval(faiss.ask, gold, corpus_dir, progress=False)
    on_milvus = run_eval(milvus.ask, gold, corpus_dir, progress=False)
    for key in ("retrieval_hit_at_5", "mrr"):
        assert abs(on_milvus[key] - on_faiss[key]) <= 0.01, (key, on_milvus[key], on_faiss[key])
