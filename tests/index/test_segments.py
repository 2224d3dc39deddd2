"""Corpus sentences are segmented at ingest, so a question never pays jieba's tagger for them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.hashing import HashingEmbedder
from index.segments import SEGMENTS_FILE, load_segments
from index.store import build_index, load_index
from ingestion import normalize_text
from ingestion.models import Chunk, Paragraph, SourceDocument
from ingestion.normalize import search_form
from ingestion.scope import extract_places
from ingestion.segment import pos_words, search_words

TEXTS = [
    "湖口县贫困人口住院合规费用自付比不超10%。",
    "城市低保保障标准调整到每人每月450元。县财政对每次血液透析补助100元。",
]


def _build(tmp_path: Path) -> Path:
    doc_text = "\n".join(TEXTS)
    doc = SourceDocument("a.txt", doc_text, "utf-8", "f" * 64)
    paras, chunks, pos = [], [], 0
    for i, t in enumerate(TEXTS):
        start = doc_text.index(t, pos)
        pos = start + len(t)
        p = Paragraph(f"a-p{i:04d}", "a.txt", 0, "标题", (), start, pos, t, t, t, i)
        paras.append(p)
        chunks.append(Chunk(f"{p.id}-c0", "a.txt", "标题", (), (p.id,), start, pos, t, t, 20))
    return build_index(tmp_path, [doc], paras, chunks, HashingEmbedder(), 200)


@pytest.fixture(autouse=True)
def _unseeded() -> Iterator[None]:
    pos_words.seed({})
    search_words.seed({})
    yield
    pos_words.seed({})  # the memo is only a cache: leave no made-up entry for later tests


def test_every_sentence_block_is_stored_in_both_forms_and_checksummed(tmp_path: Path) -> None:
    version = _build(tmp_path)
    rows = [json.loads(line) for line in (version / SEGMENTS_FILE).read_text(encoding="utf-8").splitlines()]
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


def test_loading_a_version_seeds_the_memo_and_answers_do_not_change(tmp_path: Path) -> None:
    version = _build(tmp_path)
    norm = normalize_text(TEXTS[0])
    before = extract_places(norm)
    assert "湖口县" in before
    pos_words.seed({})
    load_index(tmp_path)
    assert pos_words._seeded, "loading the version seeds the memo"
    assert extract_places(norm) == before
    # A version without the file (built before it existed) still loads and segments on the fly.
    (version / SEGMENTS_FILE).rename(tmp_path / "away.jsonl")
    assert load_segments(version) == 0


def test_a_seeded_block_is_what_the_memo_returns() -> None:
    pos_words.seed({"某句": (("某", "x"), ("句", "n"))})
    assert pos_words("某句，另一句") == (("某", "x"), ("句", "n"), ("，", "x"), ("另", "r"), ("一句", "m"))
