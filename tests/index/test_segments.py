"""Corpus sentences are segmented at ingest, so a question never pays jieba's tagger for them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.hashing import HashingEmbedder
from index.segments import SCHEMA, SEGMENTS_FILE, SegmentStore, attach_segments
from index.store import build_index, load_index
from ingestion import normalize_text
from ingestion.normalize import search_form
from ingestion.scope import extract_places
from ingestion.segment import pos_words, search_words
from tests.index.one_document import one_document

TEXTS = [
    "湖口县贫困人口住院合规费用自付比不超10%。",
    "城市低保保障标准调整到每人每月450元。县财政对每次血液透析补助100元。",
]


def _build(tmp_path: Path) -> Path:
    return build_index(tmp_path, *one_document(TEXTS), HashingEmbedder(), 200)


@pytest.fixture(autouse=True)
def _detached() -> Iterator[None]:
    yield
    for memo in (pos_words, search_words):  # leave no test store or made-up block behind
        memo.attach(None)
        memo.clear()


def _rows(version: Path) -> list[tuple[str, str, list]]:
    con = sqlite3.connect(version / SEGMENTS_FILE)
    try:
        return [(k, b, json.loads(w)) for k, b, w in con.execute("SELECT kind, block, words FROM seg")]
    finally:
        con.close()


def test_every_sentence_block_is_stored_in_both_forms_and_checksummed(tmp_path: Path) -> None:
    version = _build(tmp_path)
    rows = _rows(version)
    pos = {text: words for kind, text, words in rows if kind == "pos"}
    search = {text: words for kind, text, words in rows if kind == "search"}
    # Blocks are the runs between punctuation: the memo stores them, not whole sentences.
    assert "湖口县贫困人口住院合规费用自付比不超10" in pos and "。" not in "".join(pos)
    for s in ["湖口县贫困人口住院合规费用自付比不超10%。", "城市低保保障标准调整到每人每月450元。"]:
        norm = normalize_text(s)
        stored = [tuple(w) for b in pos_words.blocks(norm) for w in pos[b]]
        assert stored == [w for w in pos_words(norm) if w[1] != "x" or w[0] not in "%。"]
        sf = search_form(norm)
        assert [w for b in search_words.blocks(sf) for w in search[b]] == [
            w for w in search_words(sf) if w not in "%。"
        ]
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert SEGMENTS_FILE in manifest["checksums"]


def test_a_text_segments_as_the_concatenation_of_its_blocks() -> None:
    """What makes block seeding exact: jieba never looks across punctuation."""
    import jieba
    import jieba.posseg

    text = "《关于做好2020年城乡居民医保工作的通知》（湖口县）：住院费用报销比例提高到90%，门诊不变。"
    assert pos_words(text) == tuple((p.word, p.flag) for p in jieba.posseg.cut(text))
    assert search_words(text) == tuple(jieba.lcut_for_search(text))


def test_loading_a_version_attaches_its_store_and_answers_do_not_change(tmp_path: Path) -> None:
    version = _build(tmp_path)
    norm = normalize_text(TEXTS[0])
    before = extract_places(norm)
    assert "湖口县" in before
    load_index(tmp_path)
    store = SegmentStore(version / SEGMENTS_FILE)
    assert store.lookup("pos", pos_words.blocks(norm)[0]) is not None
    assert store.lookup("pos", "从未出现的块") is None
    assert extract_places(norm) == before
    # A version without the file (built before it existed) still loads and segments on the fly.
    (version / SEGMENTS_FILE).rename(tmp_path / "away.sqlite")
    assert attach_segments(version) is False
    assert extract_places(norm) == before


def test_a_stored_block_is_what_the_memo_returns(tmp_path: Path) -> None:
    """The store is consulted before jieba (a made-up entry proves it), and an unusable store only
    costs time: the block is segmented on the fly."""
    con = sqlite3.connect(tmp_path / SEGMENTS_FILE)
    con.execute(SCHEMA)
    con.execute("INSERT INTO seg VALUES ('pos', '某句某句', '[[\"某句某句\", \"zz\"]]')")
    con.commit()
    con.close()
    assert attach_segments(tmp_path)
    assert pos_words("某句某句，另一句") == (("某句某句", "zz"), ("，", "x"), ("另", "r"), ("一句", "m"))
    (tmp_path / SEGMENTS_FILE).write_bytes(b"not a database")
    assert attach_segments(tmp_path)
    assert pos_words("又一句话") == tuple((p.word, p.flag) for p in _posseg_cut("又一句话"))


def _posseg_cut(text: str) -> list:
    import jieba.posseg

    return list(jieba.posseg.cut(text))
