"""Library (list, upload, delete, re-index), the admin token, and feedback with its gold export."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.settings import Settings
from evals.dataset import load_gold
from web.app import create_app

TOKEN = "s3cret-admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DOC = (
    "关于城乡居民医疗保险的通知\n\n一、报销政策\n\n"
    "城乡居民在定点医院住院，合规费用报销比例为百分之七十五。\n\n"
    "二、办理流程\n\n参保群众出院时在医院窗口直接结算，无需另行申请。\n"
)


def make_settings(tmp_path: Path, token: str | None = TOKEN) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    return Settings(
        _env_file=None,
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        embedder="hashing",
        admin_token=token,
        feedback_db=tmp_path / "feedback.sqlite3",
    )


@pytest.fixture
def admin(tmp_path: Path, fake: Any) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path), assistant=fake)) as c:
        yield c


def test_upload_list_delete(admin: TestClient, tmp_path: Path) -> None:
    r = admin.put("/api/documents/新政策.txt", content=DOC.encode(), headers=AUTH)
    assert r.status_code == 201, r.text
    assert (tmp_path / "corpus" / "新政策.txt").read_text(encoding="utf-8") == DOC
    docs = admin.get("/api/documents").json()["documents"]
    assert [(d["source_file"], d["indexed"]) for d in docs] == [("新政策.txt", False)]
    assert admin.put("/api/documents/新政策.txt", content=b"x", headers=AUTH).status_code == 409
    assert admin.delete("/api/documents/新政策.txt", headers=AUTH).status_code == 200
    assert admin.get("/api/documents").json()["documents"] == []
    assert admin.delete("/api/documents/新政策.txt", headers=AUTH).status_code == 404


@pytest.mark.parametrize("name", ["..%2Fescape.txt", ".hidden.txt", "run.exe", "a%5Cb.txt"])
def test_upload_rejects_bad_names(admin: TestClient, tmp_path: Path, name: str) -> None:
    r = admin.put(f"/api/documents/{name}", content=b"abc", headers=AUTH)
    assert r.status_code in (404, 422)
    assert not list((tmp_path / "corpus").iterdir())
    assert not (tmp_path / "escape.txt").exists()


def test_admin_endpoints_need_the_token(admin: TestClient, tmp_path: Path) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Admin-Token": "nope"}):
        assert admin.put("/api/documents/a.txt", content=b"abc", headers=headers).status_code == 401
        assert admin.delete("/api/documents/a.txt", headers=headers).status_code == 401
        assert admin.post("/api/reindex", headers=headers).status_code == 401
        assert admin.get("/api/feedback", headers=headers).status_code == 401
    assert not list((tmp_path / "corpus").iterdir())
    assert (
        admin.put("/api/documents/a.txt", content=b"abc", headers={"X-Admin-Token": TOKEN}).status_code == 201
    )


def test_admin_disabled_without_configured_token(tmp_path: Path, fake: Any) -> None:
    with TestClient(create_app(make_settings(tmp_path, token=None), assistant=fake)) as c:
        r = c.put("/api/documents/a.txt", content=b"abc", headers=AUTH)
        assert r.status_code == 403
        assert "POLICYQA_ADMIN_TOKEN" in r.json()["detail"]
        assert c.get("/api/documents").status_code == 200  # reading stays open
        assert c.post("/api/ask", json={"question": "报销比例？"}).status_code == 200


def test_upload_size_limit(tmp_path: Path, fake: Any) -> None:
    settings = make_settings(tmp_path).model_copy(update={"max_upload_mb": 1})
    with TestClient(create_app(settings, assistant=fake)) as c:
        r = c.put("/api/documents/big.txt", content=b"x" * (1024 * 1024 + 1), headers=AUTH)
        assert r.status_code == 413


def test_reindex_swaps_in_a_fresh_assistant(tmp_path: Path, fake: Any) -> None:
    app = create_app(make_settings(tmp_path), assistant=fake)
    with TestClient(app) as c:
        assert c.put("/api/documents/医保.txt", content=DOC.encode(), headers=AUTH).status_code == 201
        r = c.post("/api/reindex", headers=AUTH)
        assert r.status_code == 202
        for _ in range(300):
            status = c.get("/api/reindex").json()
            if status["state"] != "running":
                break
            time.sleep(0.1)
        assert status["state"] == "done", status
        assert app.state.assistant is not fake
        docs = c.get("/api/documents").json()["documents"]
        assert docs[0]["source_file"] == "医保.txt" and docs[0]["indexed"] is True
        assert docs[0]["paragraphs"] >= 2 and docs[0]["noisy_ratio"] == 0
        data = c.post("/api/ask", json={"question": "城乡居民住院报销比例是多少？"}).json()
        assert not data["refused"], data["answer"]
        assert "百分之七十五" in data["answer"]
        assert data["citations"][0]["source_file"] == "医保.txt"


def test_reindex_failure_keeps_the_old_assistant(tmp_path: Path, fake: Any) -> None:
    app = create_app(make_settings(tmp_path), assistant=fake)  # empty corpus: ingest refuses
    with TestClient(app) as c:
        assert c.post("/api/reindex", headers=AUTH).status_code == 202
        for _ in range(100):
            status = c.get("/api/reindex").json()
            if status["state"] != "running":
                break
            time.sleep(0.05)
        assert status["state"] == "failed"
        assert "现有索引保持不变" in status["detail"]
        assert app.state.assistant is fake


def test_feedback_roundtrip_and_gold_export(admin: TestClient, fake: Any, tmp_path: Path) -> None:
    answer = admin.post("/api/ask", json={"question": "住院报销比例？"}).json()
    item = {k: answer[k] for k in ("question", "refused", "citations")} | {"answer": answer["answer"]}
    assert admin.post("/api/feedback", json=item | {"rating": "up"}).status_code == 201
    r = admin.post("/api/feedback", json=item | {"rating": "down", "comment": "缺少年份"})
    assert r.status_code == 201
    assert admin.post("/api/feedback", json=item | {"rating": "meh"}).status_code == 422
    assert admin.get("/api/feedback").status_code == 401
    rows = admin.get("/api/feedback", headers=AUTH).json()
    assert [(x["rating"], x["comment"]) for x in rows] == [("down", "缺少年份"), ("up", "")]
    assert rows[0]["citations"][0]["paragraph_id"] == fake.citation.paragraph_id
    export = admin.get("/api/feedback/export.jsonl?rating=up", headers=AUTH)
    assert export.status_code == 200
    [line] = export.text.splitlines()
    case = json.loads(line)
    assert case["question"] == "住院报销比例？" and case["must_include"] == []
    assert case["source_file"] == fake.citation.source_file
    assert case["source_quote"] == fake.citation.text  # the fake has no index: display text
    gold = tmp_path / "draft.jsonl"
    gold.write_text(admin.get("/api/feedback/export.jsonl", headers=AUTH).text, encoding="utf-8")
    assert len(load_gold(gold)) == 2
