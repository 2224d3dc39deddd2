"""Shared fixtures: the real bundled corpus, isolated settings, and indexes built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
SHARED_GOLD = ROOT.parent / "shared" / "evals" / "dev.jsonl"
GOLD = SHARED_GOLD if SHARED_GOLD.is_file() else ROOT / "tests" / "data" / "dev.jsonl"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No POLICYQA_* setting leaks from the developer's shell or a .env into a test."""
    for key in list(os.environ):
        if key.startswith("POLICYQA_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def gold_path() -> Path:
    return GOLD


@pytest.fixture(scope="session")
def ingested():
    """The bundled corpus parsed and chunked once (pure CPU, a few seconds)."""
    from ingestion import ingest_directory

    return ingest_directory(CORPUS, max_tokens=200, progress=False)


def _build(tmp: Path, ingested, embedder):
    from assistant.core import Assistant
    from index.store import build_index, load_index

    build_index(tmp, ingested.documents, ingested.paragraphs, ingested.chunks, embedder, 200)
    return Assistant(load_index(tmp, embedder_id=embedder.model_id), embedder)


@pytest.fixture(scope="session")
def hashing_assistant(tmp_path_factory: pytest.TempPathFactory, ingested):
    """The whole path on the real corpus with the dependency-free hashing embedder."""
    from index.hashing import HashingEmbedder

    return _build(tmp_path_factory.mktemp("idx-hash"), ingested, HashingEmbedder())


@pytest.fixture(scope="session")
def use_index_dir(tmp_path_factory: pytest.TempPathFactory, ingested) -> Path:
    """A real index of the bundled corpus with the default USE embedder (about 10-20 s)."""
    from index.embeddings import USEEmbedder
    from index.store import build_index

    path = tmp_path_factory.mktemp("idx-use")
    build_index(path, ingested.documents, ingested.paragraphs, ingested.chunks, USEEmbedder(), 200)
    return path


@pytest.fixture(scope="session")
def use_assistant(use_index_dir: Path):
    from assistant.core import Assistant
    from index.embeddings import USEEmbedder
    from index.store import load_index

    emb = USEEmbedder()
    return Assistant(load_index(use_index_dir, embedder_id=emb.model_id), emb)
