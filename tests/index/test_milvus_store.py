"""Issue 7: the real corpus on milvus-lite ranks like FAISS; rebuilds, deletes and migration work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("pymilvus")

from assistant.cli import main as cli_main
from assistant.core import Assistant
from assistant.factory import build_assistant, plan_ingest, run_ingest
from assistant.settings import Settings
from index.hashing import HashingEmbedder
from index.migrate_milvus import main as migrate_main
from index.milvus_index import MilvusIndex, client
from index.store import build_index, load_index

QUESTIONS = [
    "贫困人口住院合规费用自付比例不能超过多少？",
    "建档立卡贫困户住院需要先交押金吗？",
    "大病保险起付线是多少？",
    "门诊慢性病怎么报销？",
    "医疗救助的对象有哪些？",
]


@pytest.fixture(scope="module")
def uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One milvus-lite file (and so one client) for the whole module."""
    return str(tmp_path_factory.mktemp("milvus") / "store.db")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, ingested, uri: str) -> tuple[Path, Path]:
    emb = HashingEmbedder()
    faiss_dir, milvus_dir = tmp_path_factory.mktemp("faiss"), tmp_path_factory.mktemp("milvus-idx")
    args = (ingested.documents, ingested.paragraphs, ingested.chunks, emb, 200)
    build_index(faiss_dir, *args)
    build_index(milvus_dir, *args, vector_store="milvus", milvus_uri=uri)
    return faiss_dir, milvus_dir


def test_corpus_top10_matches_faiss(built: tuple[Path, Path]) -> None:
    faiss_dir, milvus_dir = built
    emb = HashingEmbedder()
    f, m = load_index(faiss_dir), load_index(milvus_dir)
    assert isinstance(m.vectors, MilvusIndex) and len(m.vectors) == len(f.vectors) == len(f.chunks)
    assert (milvus_dir / "versions").is_dir() and not list(milvus_dir.glob("versions/*/vectors.faiss"))
    fa, ma = Assistant(f, emb), Assistant(m, emb)
    for q in QUESTIONS:
        qv = emb.embed_query_vector(q)
        assert [i for i, _ in m.vectors.search(qv, 10)] == [i for i, _ in f.vectors.search(qv, 10)]
        assert [h.chunk.id for h in ma.search(q, 10)] == [h.chunk.id for h in fa.search(q, 10)]


def test_chunk_metadata_is_stored(built: tuple[Path, Path], uri: str) -> None:
    m = load_index(built[1])
    rows = client(uri).query(
        m.vectors.collection, filter="row < 3", output_fields=["row", "chunk_id", "source_file"]
    )
    for r in rows:
        chunk = m.chunks[int(r["row"])]
        assert (r["chunk_id"], r["source_file"]) == (chunk.id, chunk.source_file)


def test_incremental_rebuild_and_delete_on_milvus(tmp_path: Path, ingested, uri: str) -> None:
    """Removing a file drops its chunks; unchanged chunks are reused from Milvus; pruned versions drop."""
    emb, stats_dir = HashingEmbedder(), tmp_path / "idx"
    first = build_index(stats_dir, ingested.documents, ingested.paragraphs, ingested.chunks, emb, 200,
                        vector_store="milvus", milvus_uri=uri)  # fmt: skip
    gone = ingested.documents[0].source_file
    docs = [d for d in ingested.documents if d.source_file != gone]
    paras = [p for p in ingested.paragraphs if p.source_file != gone]
    chunks = [c for c in ingested.chunks if c.source_file != gone]
    from index.store import BuildStats

    stats = BuildStats()
    build_index(stats_dir, docs, paras, chunks, emb, 200, vector_store="milvus", milvus_uri=uri, stats=stats)
    assert stats.embedded == 0 and stats.reused == len(chunks)
    loaded = load_index(stats_dir)
    assert len(loaded.vectors) == len(chunks) < len(ingested.chunks)
    assert all(c.source_file != gone for c in loaded.chunks)
    first_collection = MilvusIndex.load(first / "vectors.milvus.json").collection
    build_index(stats_dir, docs, paras, chunks, emb, 200, vector_store="milvus", milvus_uri=uri)
    assert not first.exists() and not client(uri).has_collection(first_collection)


def test_settings_select_milvus_end_to_end(tmp_path: Path, corpus_dir: Path) -> None:
    """POLICYQA_VECTOR_STORE=milvus with the default URI: a milvus-lite file under the index dir."""
    settings = Settings(
        corpus_dir=corpus_dir, index_dir=tmp_path / "idx", embedder="hashing", vector_store="milvus"
    )
    run_ingest(settings, progress=False)
    assert (tmp_path / "idx" / "milvus.db").exists()
    assert plan_ingest(settings).up_to_date
    answer = build_assistant(settings).ask(QUESTIONS[0])
    assert answer.hits and isinstance(load_index(settings.index_dir).vectors, MilvusIndex)
    as_faiss = settings.model_copy(update={"vector_store": "faiss"})
    assert "vector store changed (milvus -> faiss)" in plan_ingest(as_faiss).reason


def test_migrate_command(tmp_path: Path, ingested, uri: str) -> None:
    """`policyqa migrate-milvus` (and `python -m index.migrate_milvus`) move a FAISS index, same rankings."""
    emb, idx = HashingEmbedder(), tmp_path / "idx"
    build_index(idx, ingested.documents, ingested.paragraphs, ingested.chunks, emb, 200)
    before = load_index(idx)
    result = CliRunner().invoke(cli_main, ["migrate-milvus", "--uri", uri, "--index-dir", str(idx)])
    assert result.exit_code == 0, result.output
    assert "Migrated to Milvus" in result.output
    after = load_index(idx, embedder_id=emb.model_id)
    assert isinstance(after.vectors, MilvusIndex) and after.path != before.path
    assert after.manifest.corpus_hash == before.manifest.corpus_hash and len(after.chunks) == len(
        before.chunks
    )
    for q in QUESTIONS:
        qv = emb.embed_query_vector(q)
        assert [i for i, _ in after.vectors.search(qv, 10)] == [i for i, _ in before.vectors.search(qv, 10)]
    migrate_main(["--index-dir", str(idx), "--uri", uri])  # the module form; milvus -> milvus also works
    again = load_index(idx)
    assert again.path != after.path and len(again.vectors) == len(before.chunks)


def test_migrate_without_index_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_main, ["migrate-milvus", "--index-dir", str(tmp_path / "none")])
    assert result.exit_code == 1 and "policyqa ingest" in result.output
