"""Incremental ingest: unchanged files do no work, changed files replace their paragraphs, removed leave."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import ingestion.pipeline as pipeline
from assistant.cli import main
from assistant.factory import plan_ingest, run_ingest
from assistant.settings import Settings
from index.store import current_version, load_index


def _parse_counter(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = pipeline.parse_document

    def counting(doc):  # type: ignore[no-untyped-def]
        calls.append(doc.source_file)
        return real(doc)

    monkeypatch.setattr(pipeline, "parse_document", counting)
    return calls


def test_unchanged_corpus_does_no_work(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run_ingest(settings, progress=False)
    assert first.stats.embedded > 0 and first.stats.reused == 0
    calls = _parse_counter(monkeypatch)
    again = run_ingest(settings, progress=False)
    assert calls == [] and again.version == first.version and again.changes is not None
    assert again.changes.up_to_date and again.report.files == 3
    assert len(list((settings.index_dir / "versions").iterdir())) == 1


def test_changed_added_removed_files(settings: Settings, small_corpus: Path, monkeypatch) -> None:
    run_ingest(settings, progress=False)
    (small_corpus / "a.txt").write_text(
        "一、医疗保障\n贫困人口住院合规费用自付比不超5%。\n二、低保\n城市低保保障标准调整到每人每月450元。\n",
        encoding="utf-8",
    )
    (small_corpus / "c.txt").unlink()
    (small_corpus / "d.txt").write_text("一、养老\n城乡居民基础养老金每月120元。\n", encoding="utf-8")
    plan = plan_ingest(settings)
    assert (plan.added, plan.changed, plan.removed, plan.unchanged) == (
        ["d.txt"],
        ["a.txt"],
        ["c.txt"],
        ["b.txt"],
    )
    calls = _parse_counter(monkeypatch)
    out = run_ingest(settings, progress=False)
    assert sorted(calls) == ["a.txt", "d.txt"]  # b.txt reused, not re-parsed
    assert out.stats.reused > 0 and out.stats.embedded < out.stats.reused + out.stats.embedded
    index = load_index(settings.index_dir, embedder_id="hashing-256")
    texts = " ".join(p.text for p in index.paragraphs)
    assert "自付比不超5%" in texts and "自付比不超10%" not in texts  # replaced
    assert "公益性岗位" not in texts  # removed file left
    assert "基础养老金" in texts and "雨露计划" in texts
    assert {s.source_file for s in index.manifest.sources} == {"a.txt", "b.txt", "d.txt"}
    assert index.manifest.corpus_hash and index.manifest.ingest_fingerprint


def test_unchanged_bad_file_is_not_retried(settings: Settings, small_corpus: Path, monkeypatch) -> None:
    (small_corpus / "bad.txt").write_bytes(b"\x00\x01\x02binary" * 50)
    first = run_ingest(settings, progress=False)
    assert [f for f, _ in first.report.skipped] == ["bad.txt"]
    again = run_ingest(settings, progress=False)
    assert again.changes is not None and again.changes.up_to_date
    assert [f for f, _ in again.report.skipped] == ["bad.txt"]


def test_settings_change_forces_rebuild(settings: Settings) -> None:
    run_ingest(settings, progress=False)
    other = settings.model_copy(update={"chunk_max_tokens": 100})
    plan = plan_ingest(other)
    assert not plan.up_to_date and "chunk size" in plan.reason


def test_cli_dry_run_writes_nothing(settings: Settings, small_corpus: Path, monkeypatch) -> None:
    for key, value in {
        "POLICYQA_EMBEDDER": "hashing",
        "POLICYQA_INDEX_DIR": str(settings.index_dir),
        "POLICYQA_CORPUS_DIR": str(small_corpus),
    }.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["ingest", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "added 3" in result.output and not settings.index_dir.exists()
    assert CliRunner().invoke(main, ["ingest"]).exit_code == 0
    version = current_version(settings.index_dir)
    (small_corpus / "b.txt").write_text("一、新政策\n门诊慢病报销比例提高到60%。\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", "--dry-run"])
    assert "changed 1 (b.txt)" in result.output and "unchanged 2" in result.output
    assert current_version(settings.index_dir) == version
    result = CliRunner().invoke(main, ["ingest"])
    assert result.exit_code == 0 and "Changes: added 0; changed 1 (b.txt)" in result.output
    result = CliRunner().invoke(main, ["ingest"])
    assert "no changes, index kept" in result.output


def test_hnsw_index_type_is_selectable(settings: Settings) -> None:
    run_ingest(settings, progress=False)
    hnsw = Settings(**{**settings.model_dump(), "index_type": "hnsw"})
    plan = plan_ingest(hnsw)
    assert not plan.up_to_date and "index type" in plan.reason
    out = run_ingest(hnsw, progress=False)
    assert out.stats.reused == out.stats.embedded + out.stats.reused  # same vectors, new index structure
    index = load_index(hnsw.index_dir, embedder_id="hashing-256")
    assert index.manifest.index_type == "hnsw" and "HNSW" in type(index.vectors._index).__name__
    from assistant.factory import build_assistant

    answer = build_assistant(hnsw).ask("雨露计划每人每学期救助资金是多少？")
    assert "1500" in answer.text
