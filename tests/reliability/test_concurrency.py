"""Asks keep working during re-index and answer from one consistent version; builders don't collide."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from assistant.factory import build_assistant, run_ingest
from assistant.settings import Settings
from index.hashing import HashingEmbedder
from index.hybrid import HybridSearcher
from index.store import build_index, current_version, load_index
from ingestion import ingest_directory
from web.app import create_app

QUESTION = "贫困人口住院合规费用自付比不超过多少？"


def _set_figure(corpus: Path, figure: str) -> None:
    (corpus / "a.txt").write_text(
        f"一、医疗保障\n贫困人口住院合规费用自付比不超{figure}。\n二、低保\n城市低保保障标准调整到每人每月450元。\n",
        encoding="utf-8",
    )


def test_asks_during_reindex_are_answered_from_one_version(settings: Settings, small_corpus: Path) -> None:
    settings = Settings(
        **{**settings.model_dump(), "admin_token": "s3cret-token", "rate_limit_per_minute": 0}
    )
    run_ingest(settings, progress=False)
    app = create_app(settings, assistant=build_assistant(settings))
    errors: list[str] = []
    figures: set[str] = set()
    stop = threading.Event()

    def asker(client: TestClient) -> None:
        while not stop.is_set():
            r = client.post("/api/ask", json={"question": QUESTION})
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:200]}")
                continue
            body = r.json()
            answer_figs = {f for f in ("10%", "20%") if f in body["answer"]}
            cited = {f for c in body["citations"] for f in ("10%", "20%") if f in c["text"]}
            if body["refused"] or len(answer_figs) != 1 or not answer_figs <= cited or len(cited) != 1:
                errors.append(f"mixed or missing figure: {body['answer']!r} {cited}")
            figures.update(answer_figs)

    headers = {"Authorization": "Bearer s3cret-token"}
    with TestClient(app) as client:
        threads = [threading.Thread(target=asker, args=(client,), daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        versions = set()
        try:
            for figure in ("20%", "10%", "20%"):
                _set_figure(small_corpus, figure)
                assert client.post("/api/reindex", headers=headers).status_code == 202
                deadline = time.monotonic() + 60
                while client.get("/api/reindex").json()["state"] == "running" and time.monotonic() < deadline:
                    time.sleep(0.05)
                status = client.get("/api/reindex").json()
                assert status["state"] == "done", status
                versions.add(status["index_version"])
                time.sleep(0.2)  # let the askers see the new version
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
    assert not errors, errors[:5]
    assert figures == {"10%", "20%"} and len(versions) == 3


def test_readers_keep_loading_while_versions_are_built_and_pruned(tmp_path: Path, small_corpus: Path) -> None:
    result = ingest_directory(small_corpus, progress=False)
    args = (result.documents, result.paragraphs, result.chunks, HashingEmbedder(), 200)
    build_index(tmp_path, *args)
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                index = load_index(tmp_path, embedder_id="hashing-256")
                assert HybridSearcher(index, HashingEmbedder()).search("低保标准", 3)
            except BaseException as exc:  # collected and reported by the test
                errors.append(exc)

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(6):
        chunks = [
            c.__class__(**{**c.__dict__, "search_text": f"{c.search_text} v{i}"}) for c in result.chunks
        ]
        build_index(tmp_path, result.documents, result.paragraphs, chunks, HashingEmbedder(), 200)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors[:3]
    assert len([p for p in (tmp_path / "versions").iterdir() if not p.name.startswith(".")]) == 2


def test_concurrent_loads_take_turns_parsing_npy_headers(
    tmp_path: Path, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """numpy parses .npy headers with ast.literal_eval, and CPython 3.11's AST constructor is not
    thread-safe (gh-106905): in CI, readers loading at once got "AST constructor recursion depth
    mismatch" and took an intact version for a broken one. Loads must never parse two headers at once."""
    result = ingest_directory(small_corpus, progress=False)
    build_index(tmp_path, result.documents, result.paragraphs, result.chunks, HashingEmbedder(), 200)
    real_eval, guard = ast.literal_eval, threading.Lock()
    inside, most, parses = 0, 0, 0

    def slow_eval(source: str) -> object:
        nonlocal inside, most, parses
        with guard:
            inside, parses = inside + 1, parses + 1
            most = max(most, inside)
        time.sleep(0.02)  # wide enough that unserialised parses would overlap
        try:
            return real_eval(source)
        finally:
            with guard:
                inside -= 1

    monkeypatch.setattr(ast, "literal_eval", slow_eval)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            load_index(tmp_path, embedder_id="hashing-256")
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=load, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[:3]
    assert parses >= 4 and most == 1, (parses, most)


class _Blocking(HashingEmbedder):
    """Blocks inside embedding until released, so its builder's temp folder stays in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def embed_matrix(self, texts: list[str]) -> np.ndarray:
        self.entered.set()
        self.release.wait(timeout=30)
        return super().embed_matrix(texts)


def test_concurrent_builders_keep_each_others_temp_folders(tmp_path: Path, small_corpus: Path) -> None:
    result = ingest_directory(small_corpus, progress=False)
    records = (result.documents, result.paragraphs, result.chunks)
    dead = tmp_path / "versions" / ".tmp-20000101T000000000000-deadbeef"  # a crashed builder's leftover
    dead.mkdir(parents=True)
    (dead.parent / (dead.name + ".lock")).touch()
    slow = _Blocking()
    outcome: list[Path] = []
    t = threading.Thread(target=lambda: outcome.append(build_index(tmp_path, *records, slow, 200)))
    t.start()
    assert slow.entered.wait(timeout=30)
    in_flight = [p for p in (tmp_path / "versions").glob(".tmp-*") if p.is_dir() and p != dead]
    assert len(in_flight) == 1
    fast = build_index(tmp_path, *records, HashingEmbedder(), 200)  # prunes while the other builds
    assert in_flight[0].is_dir(), "a live builder's temp folder was deleted"
    assert not dead.exists(), "a dead builder's leftover was kept"
    slow.release.set()
    t.join(timeout=30)
    assert outcome and current_version(tmp_path) == outcome[0] != fast
    assert len(load_index(tmp_path).chunks) == len(result.chunks)
