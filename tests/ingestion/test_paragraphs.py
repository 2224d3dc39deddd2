"""parse_document on the real corpus: pinyin, boilerplate, articles, headings, offsets, quotes."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from ingestion import Paragraph, SourceDocument, load_document, normalize_text, parse_document

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "corpus"
_SHARED_DEV = ROOT.parent / "shared" / "evals" / "dev.jsonl"
DEV = _SHARED_DEV if _SHARED_DEV.exists() else ROOT / "tests" / "data" / "dev.jsonl"
FILES = sorted(p.name for p in CORPUS.glob("*.txt"))


@cache
def document(name: str) -> SourceDocument:
    return load_document(CORPUS / name, CORPUS)


@cache
def paragraphs(name: str) -> tuple[Paragraph, ...]:
    return tuple(parse_document(document(name)))


def file_named(prefix: str) -> str:
    return next(f for f in FILES if f.startswith(prefix))


def dev_sources() -> list[tuple[str, str, str]]:
    """(question id, source_file, source_quote) for main and alternative sources."""
    out: list[tuple[str, str, str]] = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for src in [row, *row.get("alt_sources", [])]:
            if src.get("source_file"):
                out.append((row["id"], src["source_file"], src["source_quote"]))
    return out


PINYIN_AFTER_CJK = re.compile(r"[\u4e00-\u9fff][(（][a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü ]+[)）]")
BOILERPLATE_START = re.compile(
    r"^(时间[:：]|导语|开篇|阅读提示|更新时间|热度|相关文章|相关范文|点击下载|一键复制|栏目$)"
)


@pytest.mark.parametrize("prefix", ["001", "002"])
def test_pinyin_stripped_but_real_parentheses_survive(prefix: str) -> None:
    paras = paragraphs(file_named(prefix))
    leftovers = [p.text for p in paras if PINYIN_AFTER_CJK.search(p.text)]
    assert leftovers == []
    assert sum("(" in p.original and "ǎ" in p.original for p in paras) > 100
    texts = "\n".join(p.text for p in paras)
    assert "(一)" in texts
    assert "統計" in texts and "時間" not in texts[:20]


def test_pinyin_examples_from_002() -> None:
    texts = "\n".join(p.text for p in paragraphs(file_named("002")))
    assert "10KV(千伏)" in texts
    assert "統(tǒng)" not in texts


@pytest.mark.parametrize("name", FILES)
def test_boilerplate_dropped(name: str) -> None:
    for p in paragraphs(name):
        norm = normalize_text(p.text)
        assert not BOILERPLATE_START.match(norm), p.text[:60]
        assert "小编" not in norm and "下转" not in norm and "本文地址" not in norm
        assert " > " not in norm[:30], p.text[:60]


@pytest.mark.parametrize(
    ("prefix", "low", "high"),
    [("000", 6, 6), ("001", 20, 20), ("002", 10, 14), ("003", 10, 10), ("004", 7, 11)],
)
def test_article_counts(prefix: str, low: int, high: int) -> None:
    paras = paragraphs(file_named(prefix))
    indices = sorted({p.article_index for p in paras})
    assert indices == list(range(len(indices)))
    assert low <= len(indices) <= high
    titles = {p.article_index: p.article_title for p in paras}
    assert all(titles.values())


def test_marker_titles_kept() -> None:
    titles = {p.article_title for p in paragraphs(file_named("001"))}
    assert "服務基層行推進情況匯報篇二十" in titles
    titles3 = {p.article_title for p in paragraphs(file_named("003"))}
    assert "医共体对口帮扶工作计划 第10篇" in titles3


@pytest.mark.parametrize("name", FILES)
def test_offsets_exact_and_ids_stable(name: str) -> None:
    doc = document(name)
    paras = paragraphs(name)
    stem = name.rsplit(".", 1)[0]
    last_end = 0
    for seq, p in enumerate(paras):
        assert doc.text[p.start : p.end] == p.original
        assert p.id == f"{stem}-p{seq:04d}" and p.seq == seq
        assert p.start >= last_end
        last_end = p.end
        assert p.text and p.search_text == normalize_text(p.text)


def test_heading_paths() -> None:
    paras = paragraphs(file_named("000"))
    target = next(p for p in paras if p.text.startswith("(一)继续实施了三重医疗保障政策"))
    assert target.heading_path == ("二、工作完成情况", "(一)继续实施了三重医疗保障政策")
    heading = next(p for p in paras if p.text == "二、工作完成情况")
    assert heading.is_heading and heading.heading_path == ()
    item = next(p for p in paragraphs(file_named("002")) if p.text.startswith("1.貧困發生率。"))
    assert item.heading_path[-1] == "1.貧困發生率"
    assert item.heading_path[0] == "二、2019年動態管理工作"


def test_dev_quotes_land_in_paragraphs() -> None:
    inside = overlapping = 0
    sources = dev_sources()
    for _, source_file, quote in sources:
        text = document(source_file).text
        a = text.find(quote)
        assert a >= 0, quote
        b = a + len(quote)
        paras = paragraphs(source_file)
        if any(p.start <= a and b <= p.end for p in paras):
            inside += 1
        elif any(min(b, p.end) - max(a, p.start) >= len(quote) / 2 for p in paras):
            overlapping += 1
    print(f"dev quotes inside a paragraph: {inside}/{len(sources)}, overlapping: {overlapping}")
    assert inside + overlapping == len(sources)
    assert inside >= len(sources) - 2
