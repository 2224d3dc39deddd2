"""A corrupt current index version is skipped for the newest intact one; no index means /healthz 503;
no response shows a server path."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.factory import run_ingest
from assistant.settings import Settings
from index.store import current_version, load_index
from web.app import create_app


def _flip_byte(f: Path) -> None:
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))


def _two_versions(settings: Settings, small_corpus: Path) -> tuple[Path, Path]:
    run_ingest(settings, progress=False)
    first = current_version(settings.index_dir)
    (small_corpus / "d.txt").write_text("一、养老\n高龄津贴每人每月100元。\n", encoding="utf-8")
    run_ingest(settings, progress=False)
    second = current_version(settings.index_dir)
    assert first != second and first.is_dir()
    return first, second


def test_a_corrupt_current_version_falls_back_to_the_previous_intact_one(
    settings: Settings, small_corpus: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    first, second = _two_versions(settings, small_corpus)
    _flip_byte(second / "paragraphs.jsonl")
    with caplog.at_level(logging.WARNING, logger="index.store"):
        loaded = load_index(settings.index_dir)
    assert loaded.path == first
    assert any(second.name in r.getMessage() and first.name in r.getMessage() for r in caplog.records)
    assert (settings.index_dir / "CURRENT").read_text().strip() == second.name  # readers never write


def test_the_web_app_serves_answers_from_the_previous_version(settings: Settings, small_corpus: Path) -> None:
    _first, second = _two_versions(settings, small_corpus)
    _flip_byte(second / "paragraphs.jsonl")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        r = client.post("/api/ask", json={"question": "城市低保保障标准是多少？"})
        assert r.status_code == 200 and "450" in r.json()["answer"]


def test_healthz_is_503_without_an_index_and_shows_no_path(tmp_path: Path, small_corpus: Path) -> None:
    settings = Settings(corpus_dir=small_corpus, index_dir=tmp_path / "no-index", embedder="hashing")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        health = client.get("/healthz")
        ask = client.post("/api/ask", json={"question": "城市低保保障标准是多少？"})
    assert health.status_code == 503 and health.json()["index_loaded"] is False
    assert "policyqa ingest" in health.json()["detail"]
    assert ask.status_code == 503
    for body in (health.text, ask.text):
        assert str(tmp_path) not in body and "/no-index" not in body, body


def test_a_corrupt_only_version_gives_a_503_without_paths(settings: Settings, tmp_path: Path) -> None:
    run_ingest(settings, progress=False)
    _flip_byte(current_version(settings.index_dir) / "chunks.jsonl")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        health = client.get("/healthz")
        ask = client.post("/api/ask", json={"question": "城市低保保障标准是多少？"})
    assert health.status_code == 503 and ask.status_code == 503
    for body in (health.text, ask.text):
        assert str(tmp_path) not in body and "/versions/" not in body, body
        assert "chunks.jsonl" in body  # the file is still named, so an admin knows what broke
