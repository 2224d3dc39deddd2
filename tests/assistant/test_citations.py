"""Markers resolve to the numbered sources that were given; the rest are removed."""

from __future__ import annotations

from assistant.citations import resolve_citations
from ingestion.models import Paragraph


def _p(i: int, text: str) -> Paragraph:
    return Paragraph(f"f-p{i:04d}", "f.txt", 0, "标题", (), i * 100, i * 100 + len(text), text, text, text, i)


def test_dangling_marker_is_dropped_and_reported() -> None:
    sources = [_p(0, "甲"), _p(1, "乙"), _p(2, "丙")]
    text, cites, dropped = resolve_citations("自付比不超10%[2]。另有规定[7]。", sources)
    assert text == "自付比不超10%[1]。另有规定。"
    assert [c.paragraph_id for c in cites] == ["f-p0001"]
    assert dropped == [7]


def test_markers_are_renumbered_by_first_use() -> None:
    sources = [_p(0, "甲"), _p(1, "乙"), _p(2, "丙")]
    text, cites, _ = resolve_citations("A[3]。B[1][3]。C[3][3]。", sources)
    assert text == "A[1]。B[2][1]。C[1]。"
    assert [(c.n, c.paragraph_id) for c in cites] == [(1, "f-p0002"), (2, "f-p0000")]
    assert cites[0].start == 200 and cites[0].end == 201
