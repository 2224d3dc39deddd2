"""ingest_directory: bad files are skipped with a reason, good ones are kept."""

from __future__ import annotations

from pathlib import Path

from ingestion import IngestResult, ingest_directory


def test_ingest_directory_skips_bad_files(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(
        "一、基本情况\n全村贫困人口1350人,报销比例90%。\n二、存在问题\n资金不足。\n", encoding="utf-8"
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "gbk.txt").write_bytes("一、医保政策\n住院自付比例不超过10%。\n".encode("gbk"))
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "ignored.csv").write_text("a,b", encoding="utf-8")
    result = ingest_directory(tmp_path, max_tokens=50, progress=False)
    assert isinstance(result, IngestResult)
    assert [d.source_file for d in result.documents] == ["good.txt", "sub/gbk.txt"]
    skipped = dict(result.report.skipped)
    assert set(skipped) == {"bad.pdf", "empty.md"}
    assert all(reason for reason in skipped.values())
    report = result.report
    assert report.files == 2
    assert report.paragraphs == len(result.paragraphs) >= 4
    assert report.chunks == len(result.chunks) >= 2
    assert any(p.text == "住院自付比例不超过10%。" for p in result.paragraphs)


def test_ingest_real_corpus_counts() -> None:
    corpus = Path(__file__).resolve().parents[2] / "data" / "corpus"
    result = ingest_directory(corpus, progress=False)
    assert result.report.files == 5 and not result.report.skipped
    assert result.report.paragraphs > 1000
    assert result.report.chunks >= result.report.paragraphs // 2
