"""Sentence vectors are found by (paragraph id, sentence) through a memory-mapped key table, so a
million-chunk index does not hold ~2M key tuples in a dict; versions without the table still load."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from index.hashing import HashingEmbedder
from index.sentences import TABLE_FILE, SentenceVectors
from index.store import build_index, load_index
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.sentences import paragraph_sentences
from tests.index.one_document import one_document

TEXTS = [
    "湖口县贫困人口住院合规费用自付比不超10%。大病保险起付线降低50%。",
    "城市低保保障标准调整到每人每月450元。县财政对每次血液透析补助100元。城市低保保障标准调整到每人每月450元。",
    "特困人员救助供养标准不低于当地低保标准的1.3倍。",
]


def _build(tmp_path: Path) -> tuple[Path, list[Paragraph]]:
    docs, paras, chunks = one_document(TEXTS)
    return build_index(tmp_path, docs, paras, chunks, HashingEmbedder(), 200), paras


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)


def test_every_sentence_finds_its_own_vector_and_others_find_none(tmp_path: Path) -> None:
    version, paras = _build(tmp_path)
    store = load_index(tmp_path).sentences
    assert store is not None
    keys = list(paragraph_sentences(paras))
    assert len(store) == len(keys) >= 5
    rows = store.rows_of(keys)
    assert (rows >= 0).all()
    embedder = HashingEmbedder()
    for (pid, sentence), row in zip(keys, rows, strict=True):
        want = _unit(np.asarray(embedder.embed_matrix([normalize_text(sentence)])[0], np.float32))
        assert np.allclose(store.matrix[row], want, atol=1e-6), (pid, sentence)
        assert store.row(pid, sentence) == row
    assert store.row("a-p0000", "不在语料里的一句话。") is None
    assert store.row("a-p0002", keys[0][1]) is None  # the right sentence under another paragraph
    assert store.rows_of([]).shape == (0,)
    assert isinstance(np.load(version / TABLE_FILE, mmap_mode="r"), np.memmap)


def test_a_version_without_the_key_table_finds_the_same_rows(tmp_path: Path) -> None:
    version, paras = _build(tmp_path / "index")
    old = tmp_path / "old"
    shutil.copytree(version, old)
    (old / TABLE_FILE).unlink()  # as written before the table existed
    keys = list(paragraph_sentences(paras))
    new_rows, old_store = SentenceVectors.load(version), SentenceVectors.load(old)
    assert new_rows is not None and old_store is not None
    assert new_rows.rows_of(keys).tolist() == old_store.rows_of(keys).tolist()
