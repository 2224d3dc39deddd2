"""chunk_paragraphs: section grouping, token budget, sentence integrity, offsets."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from ingestion import Chunk, Paragraph, chunk_paragraphs, count_tokens, load_document, parse_document
from ingestion.chunking import split_sentences

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"
FILES = sorted(p.name for p in CORPUS.glob("*.txt"))
MAX = 120


@cache
def _parsed(name: str) -> tuple[str, tuple[Paragraph, ...], tuple[Chunk, ...]]:
    doc = load_document(CORPUS / name, CORPUS)
    paras = parse_document(doc)
    return doc.text, tuple(paras), tuple(chunk_paragraphs(paras, max_tokens=MAX))


@pytest.mark.parametrize("name", FILES)
def test_budget_respected_unless_single_sentence(name: str) -> None:
    _, _, chunks = _parsed(name)
    for c in chunks:
        assert c.n_tokens == count_tokens(c.text)
        if c.n_tokens > MAX:
            assert len(split_sentences(c.text)) == 1, c.text[:80]


@pytest.mark.parametrize("name", FILES)
def test_no_sentence_is_cut(name: str) -> None:
    _, paras, chunks = _parsed(name)
    by_id = {p.id: p for p in paras}
    for c in chunks:
        pieces = c.text.split("\n")
        assert len(pieces) == len(c.paragraph_ids)
        for piece, pid in zip(pieces, c.paragraph_ids, strict=True):
            text = by_id[pid].text
            if piece == text:
                continue
            # part of a split paragraph: it must start and end on sentence boundaries
            spans = split_sentences(text)
            pos = text.find(piece)
            assert pos >= 0, piece[:60]
            starts = {a + len(text[a:b]) - len(text[a:b].lstrip()) for a, b in spans}
            assert pos in starts, piece[:60]
            assert pos + len(piece) in {b for _, b in spans} | {len(text.rstrip())}, piece[-60:]


@pytest.mark.parametrize("name", FILES)
def test_chunks_follow_sections_and_offsets(name: str) -> None:
    source, paras, chunks = _parsed(name)
    by_id = {p.id: p for p in paras}
    assert len({c.id for c in chunks}) == len(chunks)
    for c in chunks:
        members = [by_id[i] for i in c.paragraph_ids]
        assert c.id.startswith(members[0].id + "-c")
        assert len({p.article_index for p in members}) == 1
        body_paths = {p.heading_path for p in members if not p.is_heading}
        assert len(body_paths) <= 1
        assert members[0].start <= c.start < c.end <= members[-1].end
        assert c.context.startswith(c.article_title[:2]) or c.context
        if len(members) == 1 and c.text != members[0].text:
            # a split paragraph: the original span must contain the sentence's characters
            span = source[c.start : c.end]
            assert c.text[0] in span and c.text[-1] in span


def test_long_paragraph_split_maps_back_to_source() -> None:
    sentence = "第一句话说明住院报销比例为百分之九十。"
    original = "".join(f"統(tǒng){sentence}" for _ in range(12))
    p = Paragraph(
        id="x-p0000",
        source_file="x.txt",
        article_index=0,
        article_title="标题",
        heading_path=("一、总则",),
        start=10,
        end=10 + len(original),
        original=original,
        text="".join(f"統{sentence}" for _ in range(12)),
        search_text="",
    )
    chunks = chunk_paragraphs([p], max_tokens=60)
    assert len(chunks) > 1
    assert [c.id for c in chunks] == [f"x-p0000-c{i}" for i in range(len(chunks))]
    source = " " * 10 + original
    for c in chunks:
        assert c.n_tokens <= 60
        span = source[c.start : c.end]
        assert span.replace("(tǒng)", "") == c.text
        assert c.context == "标题 > 一、总则"
