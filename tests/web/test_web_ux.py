"""Issue 14 over HTTP: titles instead of file names, places, starters, one-click feedback, the OpenAI
facade's usage and 404, the favicon and the .docx for officials, on the real bundled corpus."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from fastapi.testclient import TestClient

from assistant.settings import Settings
from web.app import create_app

TOKEN = "ux-admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "贫困人口住院合规费用自付比不超过多少？"
HASH_NAME = re.compile(r"\d{3}_[0-9a-f]{16}")


@pytest.fixture
def real(tmp_path: Path, hashing_assistant: Any, corpus_dir: Path) -> Iterator[TestClient]:
    """The app over the bundled corpus (hashing embedder), with its own copy of the corpus."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in corpus_dir.iterdir():
        (corpus / f.name).write_bytes(f.read_bytes())
    settings = Settings(
        _env_file=None,
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        embedder="hashing",
        admin_token=TOKEN,
        feedback_db=tmp_path / "feedback.sqlite3",
    )
    with TestClient(create_app(settings, assistant=hashing_assistant)) as c:
        yield c


def _visible(data: Any) -> list[str]:
    """Every string the page shows from an API body (file names and offsets stay API-only)."""
    hidden = {"source_file", "paragraph_id", "start", "end", "n", "key", "id"}
    out: list[str] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if k not in hidden:
                out += _visible(v)
    elif isinstance(data, list):
        for v in data:
            out += _visible(v)
    elif isinstance(data, str):
        out.append(data)
    return out


def test_citations_and_panel_carry_titles_not_file_names(real: TestClient) -> None:
    body = real.post("/api/ask", json={"question": QUESTION}).json()
    assert body["citations"]
    for c in body["citations"]:
        assert c["document_title"] and not HASH_NAME.search(c["document_title"])
        assert c["location"].startswith(c["document_title"])
        assert " › ".join(c["heading_path"]) in c["location"]
    assert not any(HASH_NAME.search(s) for s in _visible(body))
    first = body["citations"][0]
    panel = real.get(f"/api/paragraphs/{first['paragraph_id']}").json()
    assert panel["document_title"] == first["document_title"] and panel["location"] == first["location"]


def test_library_lists_titles_dates_and_previews(real: TestClient) -> None:
    docs = real.get("/api/documents").json()["documents"]
    assert len(docs) == 5
    for d in docs:
        assert d["title"] and not HASH_NAME.search(d["title"]), d
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d["added_at"])
        assert len(d["preview"]) >= 20 and d["skipped_reason"] is None
    assert len({d["title"] for d in docs}) == 5  # an admin can tell them apart


def test_title_set_at_upload_and_edited_later_is_kept(real: TestClient, tmp_path: Path) -> None:
    doc = "一、报销比例\n\n城乡居民住院报销比例为百分之七十。\n".encode()
    r = real.put(
        "/api/documents/notice.txt", params={"title": "县医保局住院报销通知"}, content=doc, headers=AUTH
    )
    assert r.status_code == 201, r.text
    listed = {d["source_file"]: d for d in real.get("/api/documents").json()["documents"]}
    assert listed["notice.txt"]["title"] == "县医保局住院报销通知"
    r = real.patch("/api/documents/notice.txt", json={"title": "住院报销通知（修订）"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["title"] == "住院报销通知（修订）"
    assert "住院报销通知（修订）" in (tmp_path / "corpus" / ".titles.json").read_text(encoding="utf-8")
    assert real.patch("/api/documents/notice.txt", json={"title": "x"}).status_code == 401
    assert real.patch("/api/documents/missing.txt", json={"title": "x"}, headers=AUTH).status_code == 404
    real.delete("/api/documents/notice.txt", headers=AUTH)
    assert "notice.txt" not in (tmp_path / "corpus" / ".titles.json").read_text(encoding="utf-8")


def test_places_and_an_answer_for_the_chosen_place(real: TestClient) -> None:
    places = [p["name"] for p in real.get("/api/places").json()["places"]]
    assert places and all(isinstance(p, str) and p for p in places)
    body = real.post("/api/ask", json={"question": QUESTION, "place": places[0]}).json()
    assert body["answer"].startswith(
        (f"（以下按{places[0]}的文件回答）", f"（文档中没有{places[0]}的相关内容")
    )
    nowhere = real.post("/api/ask", json={"question": QUESTION, "place": "火星县"}).json()
    assert nowhere["answer"].startswith("（文档中没有火星县的相关内容")
    streamed = real.post("/api/ask/stream", json={"question": QUESTION, "place": "火星县"}).text
    assert "文档中没有火星县的相关内容" in streamed and "event: answer" in streamed


def test_starters_are_questions_the_documents_answer(real: TestClient) -> None:
    questions = real.get("/api/starters").json()["questions"]
    assert 1 <= len(questions) <= 4
    for q in questions:
        body = real.post("/api/ask", json={"question": q}).json()
        assert not body["refused"], q


def test_feedback_counts_at_one_click_and_takes_a_comment_after(real: TestClient) -> None:
    r = real.post("/api/feedback", json={"rating": "up", "question": QUESTION, "answer": "10%"})
    assert r.status_code == 201
    saved = r.json()
    rows = real.get("/api/feedback", headers=AUTH).json()
    assert rows[0]["rating"] == "up" and rows[0]["comment"] == "" and "edit_key" not in rows[0]
    bad = real.patch(f"/api/feedback/{saved['id']}", json={"key": "wrong", "comment": "x"})
    assert bad.status_code == 404
    ok = real.patch(f"/api/feedback/{saved['id']}", json={"key": saved["key"], "comment": "准确"})
    assert ok.status_code == 200
    assert real.get("/api/feedback", headers=AUTH).json()[0]["comment"] == "准确"


def test_openai_usage_is_counted_and_unknown_models_get_404(real: TestClient) -> None:
    from ingestion import count_tokens

    r = real.post(
        "/v1/chat/completions",
        json={"model": "policyqa", "messages": [{"role": "user", "content": QUESTION}]},
    )
    body = r.json()
    content = body["choices"][0]["message"]["content"]
    usage = body["usage"]
    assert usage["prompt_tokens"] == count_tokens(QUESTION) > 0
    assert usage["completion_tokens"] == count_tokens(content) > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert not HASH_NAME.search(content)
    r = real.post(
        "/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "model_not_found" and r.json()["error"]["param"] == "model"
    assert real.get("/v1/models/gpt-4o").status_code == 404
    assert real.get("/v1/models/policyqa").json()["id"] == "policyqa"


def test_favicon(real: TestClient) -> None:
    r = real.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert real.get("/static/favicon.svg").status_code == 200


def test_docx_for_officials_names_sources_in_words(real: TestClient) -> None:
    body = real.post("/api/reply", json={"question": QUESTION}).json()
    r = real.post("/api/reply/docx", json={"text": body["answer"], "citations": body["citations"]})
    doc = Document(io.BytesIO(r.content))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert not HASH_NAME.search(text) and "字）" not in text
    first = body["citations"][0]
    assert f"[1] {first['location']}：" in text
    fonts = {r.element.rPr.rFonts.get(qn("w:eastAsia")) for p in doc.paragraphs for r in p.runs}
    assert fonts <= {"仿宋", "宋体"} and "仿宋" in fonts


def test_feedback_comment_on_an_impossible_id_is_a_4xx(real: TestClient) -> None:
    """Found by schemathesis: an id beyond SQLite's integer range crashed the comment endpoint."""
    r = real.patch("/api/feedback/18005407606044884992000", json={"key": "k", "comment": "好"})
    assert r.status_code == 422
    assert r.json()["detail"]
