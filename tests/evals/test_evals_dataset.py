"""Gold loading and span resolution, including the real dev set against data/corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.dataset import GoldError, load_gold, resolve_spans

ROOT = Path(__file__).resolve().parents[2]
SHARED_DEV = ROOT.parent / "shared" / "evals" / "dev.jsonl"
DEV = SHARED_DEV if SHARED_DEV.is_file() else ROOT / "tests" / "data" / "dev.jsonl"  # as tests/conftest.py
CORPUS = ROOT / "data" / "corpus"


def test_real_dev_set_loads_and_every_quote_resolves() -> None:
    cases = load_gold(DEV)
    assert len(cases) == 78
    assert sum(c.answerable for c in cases) == 67
    for case in cases:
        spans = resolve_spans(case, CORPUS)
        if not case.answerable:
            assert spans == []
            continue
        assert len(spans) == 1 + len(case.alt_sources)
        for span, (source_file, quote) in zip(spans, case.sources(), strict=True):
            text = (CORPUS / source_file).read_text(encoding="utf-8")
            assert span.source_file == source_file
            assert text[span.start : span.end] == quote


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {"id": "q1", "question": "比例？", "type": "ratio", "must_include": ["10%"], "source_file": "a.txt",
        "source_quote": "比例为10%"}  # fmt: skip


def test_extra_fields_tolerated_and_blank_lines_skipped(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps({**GOOD, "note": "x"}), "", json.dumps({"id": "q2", "question": "?",
                  "type": "unanswerable"}))  # fmt: skip
    cases = load_gold(path)
    assert [c.id for c in cases] == ["q1", "q2"]
    assert cases[1].answerable is False and cases[1].must_include == []


def test_bad_json_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, json.dumps(GOOD), "{not json")
    with pytest.raises(GoldError, match=r"gold.jsonl:2: invalid JSON"):
        load_gold(path)


def test_missing_field_names_line_and_field(tmp_path: Path) -> None:
    bad = {k: v for k, v in GOOD.items() if k != "question"}
    with pytest.raises(GoldError, match=r":1: .*question"):
        load_gold(_write(tmp_path, json.dumps(bad)))
    no_quote = {k: v for k, v in GOOD.items() if k != "source_quote"}
    with pytest.raises(GoldError, match=r":1: .*source_quote"):
        load_gold(_write(tmp_path, json.dumps(no_quote)))


def test_duplicate_id(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match="duplicate id 'q1'"):
        load_gold(_write(tmp_path, json.dumps(GOOD), json.dumps(GOOD)))


def test_resolve_spans_with_alt_and_missing_quote(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("前言。比例为10%。", encoding="utf-8")
    (tmp_path / "b.txt").write_text("xx比例为10%", encoding="utf-8")
    case = load_gold(_write(tmp_path, json.dumps({**GOOD, "alt_sources": [{"source_file": "b.txt",
                     "source_quote": "比例为10%"}]})))[0]  # fmt: skip
    assert resolve_spans(case, tmp_path) == [("a.txt", 3, 9), ("b.txt", 2, 8)]
    lost = case.model_copy(update={"source_quote": "比例为20%", "alt_sources": []})
    with pytest.raises(GoldError, match=r"q1.*not found in a\.txt"):
        resolve_spans(lost, tmp_path)


def test_the_fresh_check_set_is_valid_and_its_quotes_are_in_the_bundled_corpus() -> None:
    """evals/data/fresh_check.jsonl (questions written from the corpus by testers, never trained on):
    every row loads, every answerable row's quote is found, and its required strings are in the quote."""
    from evals.folding import fold

    root = Path(__file__).resolve().parents[2]
    cases = load_gold(root / "evals" / "data" / "fresh_check.jsonl")
    assert len(cases) >= 100 and sum(not c.answerable for c in cases) >= 25
    for case in cases:
        if case.answerable:
            assert resolve_spans(case, root / "data" / "corpus")
            assert all(fold(m) in fold(case.source_quote or "") for m in case.must_include), case.id
