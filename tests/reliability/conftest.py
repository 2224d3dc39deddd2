"""Fixtures for the reliability tests: a small corpus and hashing-embedder settings in a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings

POLICY_A = (
    "一、医疗保障\n贫困人口住院合规费用自付比不超10%。\n二、低保\n城市低保保障标准调整到每人每月450元。\n"
)
POLICY_B = "一、教育救助\n雨露计划每人每学期救助资金1500元。\n二、透析\n县财政对每次血液透析补助100元。\n"
POLICY_C = "一、就业\n公益性岗位每月补贴800元。\n二、住房\n危房改造每户补助2万元。\n"


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(POLICY_A, encoding="utf-8")
    (corpus / "b.txt").write_text(POLICY_B, encoding="utf-8")
    (corpus / "c.txt").write_text(POLICY_C, encoding="utf-8")
    return corpus


@pytest.fixture
def settings(tmp_path: Path, small_corpus: Path) -> Settings:
    return Settings(corpus_dir=small_corpus, index_dir=tmp_path / "index", embedder="hashing")
