"""Loading shares what a large index repeats, and maps the BM25 matrix instead of copying it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index.bm25 import BM25Index
from index.records import read_jsonl, write_jsonl
from ingestion.models import Chunk, Paragraph


def _paragraphs() -> list[Paragraph]:
    out = []
    for i in range(6):
        text = f"第{i}条 贫困人口住院合规费用自付比不超10%。"
        original = text if i % 2 else text + " "  # half equal to the display text, half not
        out.append(
            Paragraph(
                f"a-p{i:04d}",
                "a.txt",
                i // 3,
                "健康扶贫工作简报",
                ("一、组织领导", f"({i})"),
                i * 40,
                i * 40 + len(original),
                original,
                text,
                text,
                i,
                places=("湖口县",),
                years=(2019,),
            )
        )
    return out


def test_read_jsonl_round_trips_and_shares_repeated_values(tmp_path: Path) -> None:
    paras = _paragraphs()
    write_jsonl(tmp_path / "p.jsonl", paras)
    back = read_jsonl(tmp_path / "p.jsonl", Paragraph)
    assert back == paras
    assert all(p.article_title is back[0].article_title for p in back)
    assert all(p.source_file is back[0].source_file and p.places is back[0].places for p in back)
    assert back[0].heading_path is not back[1].heading_path  # different values stay different
    for p in back:
        assert p.search_text is p.text
        assert (p.original is p.text) == (p.original == p.text)


def test_read_jsonl_shares_chunk_context(tmp_path: Path) -> None:
    chunks = [
        Chunk(
            f"a-p{i:04d}-c0",
            "a.txt",
            "标题",
            ("一、",),
            (f"a-p{i:04d}",),
            0,
            5,
            "正文",
            "正文",
            3,
            "标题 > 一、",
        )
        for i in range(3)
    ]
    write_jsonl(tmp_path / "c.jsonl", chunks)
    back = read_jsonl(tmp_path / "c.jsonl", Chunk)
    assert back == chunks
    assert back[0].context is back[2].context and back[1].search_text is back[1].text


def test_bm25_load_maps_the_matrix_and_scores_the_same(tmp_path: Path) -> None:
    texts = ["贫困人口住院合规费用自付比不超10%", "城市低保保障标准每人每月450元", "血液透析补助100元"]
    built = BM25Index.build(texts)
    built.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    data = loaded._model.scores["data"]  # a plain ndarray view of the file mapping (no subclass overhead)
    assert type(data) is np.ndarray and isinstance(data.base, np.memmap)
    for q in ["住院自付比", "低保标准", "透析", "没有的词"]:
        assert np.array_equal(loaded.scores(q), built.scores(q))
    assert loaded.doc_freq() == built.doc_freq() and loaded.n_docs == built.n_docs == 3
