"""Mojibake repair on real runs of the bundled traditional dumps; offsets stay exact."""

from __future__ import annotations

from ingestion.cleaning import clean_span
from ingestion.mojibake import repair_mojibake

FILE_001 = "001_9065e2781bd50442.txt"


def _line_with(corpus_dir, needle: str) -> str:
    text = (corpus_dir / FILE_001).read_text(encoding="utf-8")
    return next(line for line in text.split("\n") if needle in line)


def test_repairs_real_runs_from_001(corpus_dir) -> None:
    cases = [
        ("工作?,F(xiàn)將上半年", "工作現將上半年"),  # `?,F` = `。現`, the `。` is lost
        ("確?;鶎狱h建", "確基層黨建"),
        ("??h政府成立", "縣政府成立"),
        ("當?shù)蒯t(yī)療機構", "當醫療機構"),
    ]
    for raw, expected in cases:
        line = _line_with(corpus_dir, raw)
        cleaned = clean_span(line, 0, len(line))
        assert expected in cleaned.text, (raw, cleaned.text[:80])
        assert cleaned.repaired >= 1


def test_offsets_point_into_the_source() -> None:
    text = "工作?,F(xiàn)將上半年"
    fixed, offsets, runs, noisy = repair_mojibake(text, list(range(100, 100 + len(text))))
    assert runs == 1 and not noisy
    assert fixed.startswith("工作現")
    assert len(offsets) == len(fixed)
    assert offsets == sorted(offsets)
    assert text[offsets[2] - 100] == ","  # `現` comes from the bytes of `,F`


def test_real_question_marks_are_kept() -> None:
    text = "到底有多少數額?也說不清楚。"
    fixed, _, runs, _ = repair_mojibake(text, list(range(len(text))))
    assert fixed == text and runs == 0


def test_ingest_keeps_exact_offsets_and_reports_noise(ingested, corpus_dir) -> None:
    sources = {
        name: (corpus_dir / name).read_text(encoding="utf-8")
        for name in {p.source_file for p in ingested.paragraphs}
    }
    for p in ingested.paragraphs:
        assert sources[p.source_file][p.start : p.end] == p.original
    noisy = [p for p in ingested.paragraphs if p.noisy]
    assert ingested.report.noisy_paragraphs == len(noisy)
    assert len(noisy) < 20  # most runs are repaired
    assert not any("?,F" in p.text for p in ingested.paragraphs)
