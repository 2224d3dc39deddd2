"""The index folder: round trip, self-description, mismatch and corruption detection, crash safety."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from index.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError
from index.hashing import HashingEmbedder
from index.hybrid import HybridSearcher
from index.store import CURRENT, build_index, current_version, load_index
from ingestion.models import Chunk, Paragraph, SourceDocument
from tests.index.one_document import one_document

TEXTS = [
    "贫困人口住院合规费用自付比不超10%。",
    "城市低保保障标准调整到每人每月450元。",
    "县财政对每次血液透析补助100元。",
    "雨露计划每人每学期救助资金1500元。",
]


def _records() -> tuple[list[SourceDocument], list[Paragraph], list[Chunk]]:
    return one_document(TEXTS, ("一、",))


def _build(tmp_path: Path) -> Path:
    docs, paras, chunks = _records()
    return build_index(tmp_path, docs, paras, chunks, HashingEmbedder(), 200)


def test_round_trip_and_manifest(tmp_path: Path) -> None:
    version = _build(tmp_path)
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder_id"] == "hashing-256" and manifest["dim"] == 256
    assert manifest["chunk_max_tokens"] == 200 and manifest["chunks"] == 4
    assert manifest["corpus_hash"] and manifest["sources"][0]["source_file"] == "a.txt"
    loaded = load_index(tmp_path, embedder_id="hashing-256")
    assert [c.text for c in loaded.chunks] == TEXTS
    hits = HybridSearcher(loaded, HashingEmbedder()).search("低保标准是多少", 2)
    assert hits[0].chunk.text == TEXTS[1]


def test_no_pickle_files(tmp_path: Path) -> None:
    version = _build(tmp_path)
    for f in version.rglob("*"):
        if f.is_file():
            assert f.suffix in {".json", ".jsonl", ".faiss", ".npy", ".sqlite"}, f


def test_missing_index_says_ingest(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuiltError, match="policyqa ingest"):
        load_index(tmp_path)


def test_other_embedder_is_refused(tmp_path: Path) -> None:
    _build(tmp_path)
    with pytest.raises(IndexMismatchError, match="hashing-256"):
        load_index(tmp_path, embedder_id="use-multilingual-v3")


@pytest.mark.parametrize("victim", ["chunks.jsonl", "vectors.faiss", "manifest.json"])
def test_truncated_file_is_detected(tmp_path: Path, victim: str) -> None:
    version = _build(tmp_path)
    f = version / victim
    f.write_bytes(f.read_bytes()[: len(f.read_bytes()) // 2])
    with pytest.raises(IndexCorruptError, match="policyqa ingest"):
        load_index(tmp_path)


def test_failed_build_keeps_previous_version(tmp_path: Path) -> None:
    first = _build(tmp_path)
    docs, paras, chunks = _records()

    class Exploding(HashingEmbedder):
        def embed_matrix(self, texts: list[str]):
            raise RuntimeError("power cut")

    changed = [replace(c, search_text=c.search_text + "（修订）") for c in chunks]  # nothing reusable
    with pytest.raises(RuntimeError):
        build_index(tmp_path, docs, paras, changed, Exploding(), 200)
    assert current_version(tmp_path) == first
    assert len(load_index(tmp_path).chunks) == 4
    assert not list((tmp_path / "versions").glob(".tmp-*"))


def test_rebuild_swaps_pointer_and_prunes(tmp_path: Path) -> None:
    versions = [_build(tmp_path) for _ in range(3)]
    assert (tmp_path / CURRENT).read_text().strip() == versions[-1].name
    assert not versions[0].exists() and versions[-1].exists()
