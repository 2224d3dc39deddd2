"""The pipeline-scale benchmark at a tiny size, so its generator and loader path cannot rot unnoticed.

One real corpus file is ingested with the hashing embedder, grown to 2,000 synthetic chunks in the
product's index format, loaded by the product's composition root and asked a gold question.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_pipeline_scale  # noqa: E402
from synthetic_index import Source, write_synthetic_index  # noqa: E402

from assistant.factory import build_assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from index.hashing import HashingEmbedder  # noqa: E402
from index.store import build_index, load_index  # noqa: E402
from ingestion import ingest_directory  # noqa: E402

SOURCE_FILE = "000_cea3e9765f7be3bd.txt"  # holds 贫困人口住院合规费用自付比不超10%
QUESTION = "贫困人口住院合规费用自付比例不能超过多少？"
pytestmark = pytest.mark.slow  # ingest of one corpus file + a 2k-chunk build: ~10 s on a quiet machine
PARAGRAPH_ID = re.compile(r"^(syn\d{5}_)?\d{3}_[0-9a-f]{16}-p\d{4}$")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(source index dir, synthetic index dir of 2,000 chunks built from it)."""
    tmp = tmp_path_factory.mktemp("pipeline-scale")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "data" / "corpus" / SOURCE_FILE, corpus / SOURCE_FILE)
    result = ingest_directory(corpus, max_tokens=200, progress=False)
    source_dir, syn_dir = tmp / "source", tmp / "synthetic"
    embedder = HashingEmbedder()
    build_index(source_dir, result.documents, result.paragraphs, result.chunks, embedder, 200)
    source = Source.from_index(load_index(source_dir))
    assert len(source.index.chunks) < 2000  # so the synthetic index really holds copies
    write_synthetic_index(syn_dir, source, 2000, index_type="hnsw")
    return source_dir, syn_dir


def test_synthetic_index_loads_and_varies_the_copies(synthetic: tuple[Path, Path]) -> None:
    source_dir, syn_dir = synthetic
    real, syn = load_index(source_dir), load_index(syn_dir)  # checksums, counts and dims verified
    assert len(syn.chunks) == 2000 and syn.manifest.index_type == "hnsw"
    assert syn.sentences is not None and len(syn.sentences.matrix) >= len(syn.paragraphs)
    assert all(PARAGRAPH_ID.match(p.id) for p in syn.paragraphs)
    by_id = {p.id: p for p in syn.paragraphs}
    assert all(pid in by_id for c in syn.chunks for pid in c.paragraph_ids)
    assert [p.id for p in syn.paragraphs[: len(real.paragraphs)]] == [p.id for p in real.paragraphs]
    copy1 = [p for p in syn.paragraphs if p.id.startswith("syn00001_")]
    assert len(copy1) == len(real.paragraphs)
    changed = [(a, b) for a, b in zip(real.paragraphs, copy1, strict=True) if a.text != b.text]
    assert changed, "a copy must vary place names, years or figures"
    assert any(a.places and set(a.places) != set(b.places) for a, b in changed)
    assert all(b.end - b.start == len(b.original) for _, b in changed)
    vectors = syn.vectors.vectors()
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3)
    n = len(real.chunks)
    assert np.allclose(vectors[:n], real.vectors.vectors(), atol=1e-5)  # copy 0 keeps the real vectors
    assert 0.8 < float(vectors[n] @ vectors[0]) < 1.0  # a copy is near its source, not identical


def test_assistant_answers_with_citations_over_the_synthetic_index(synthetic: tuple[Path, Path]) -> None:
    _, syn_dir = synthetic
    assistant = build_assistant(Settings(index_dir=syn_dir, embedder="hashing"))
    answer = assistant.ask(QUESTION)
    assert not answer.refused, answer.notes
    assert answer.citations
    paragraphs = {p.id: p for p in assistant.index.paragraphs}
    for c in answer.citations:
        assert PARAGRAPH_ID.match(c.paragraph_id)
        p = paragraphs[c.paragraph_id]
        assert (c.text, c.source_file, c.start, c.end) == (p.text, p.source_file, p.start, p.end)
        assert c.end - c.start == len(p.original) and c.text
        assert assistant.paragraph(c.paragraph_id) is not None  # what GET /api/paragraphs/{id} serves


def test_ask_phase_reports_latency_and_memory(synthetic: tuple[Path, Path]) -> None:
    import assistant.factory as factory
    import index.store as store

    before = (store.read_jsonl, store.BM25Index.load, factory.load_index)
    _, syn_dir = synthetic
    row = bench_pipeline_scale.ask_phase(syn_dir, "hashing", repeat=1, limit=3)
    assert row["questions"] == 3 and row["ask_p95"] >= row["ask_p50"] > 0
    assert row["rss_load_mb"] > 0 and row["peak_mb"] >= row["rss_load_mb"] * 0.5
    steps = {s["step"] for s in row["steps"]}
    assert {"read paragraphs.jsonl", "read chunks.jsonl", "FAISS index", "Assistant init"} <= steps
    assert (store.read_jsonl, store.BM25Index.load, factory.load_index) == before  # instrumentation undone
