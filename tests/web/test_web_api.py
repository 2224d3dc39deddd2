"""The JSON API against a fake assistant: happy paths and input validation."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

CITATION_KEYS = {
    "n",
    "paragraph_id",
    "source_file",
    "article_title",
    "heading_path",
    "text",
    "start",
    "end",
    "document_title",  # issue 14: titles in words for the page
    "article",
    "location",
}


def assert_clean_error(body: str) -> None:
    """Error bodies carry a message, never a Python traceback."""
    assert "Traceback" not in body
    assert 'File "' not in body


def test_ask_returns_answer_and_citations(client: TestClient, fake: Any) -> None:
    citation = fake.citation
    r = client.post("/api/ask", json={"question": "  住院报销比例是多少？ "})
    assert r.status_code == 200
    data = r.json()
    assert set(data) == {"answer", "refused", "question", "citations", "related", "reason"}
    assert data["reason"] is None  # only refusals carry a reason
    assert data["answer"] == "报销比例达到90%[1]。"
    assert data["refused"] is False
    assert data["question"] == "住院报销比例是多少？"
    [c] = data["citations"]
    assert set(c) == CITATION_KEYS
    assert c["n"] == 1
    assert c["paragraph_id"] == citation.paragraph_id
    assert c["heading_path"] == list(citation.heading_path)
    assert (c["start"], c["end"]) == (citation.start, citation.end)
    assert fake.calls == [("住院报销比例是多少？", None)]


def test_ask_refusal(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "无关问题"})
    assert r.status_code == 200
    assert r.json()["refused"] is True
    assert r.json()["citations"] == []
    related = r.json()["related"]  # the closest paragraph, shown as related, never as support
    assert len(related) == 1 and related[0]["paragraph_id"] and related[0]["text"]
    assert r.json()["reason"] == "文件中没有提到问题里的地名：火星县"  # the user sees why


def test_ask_passes_history_as_turns(client: TestClient, fake: Any) -> None:
    history = [
        {"role": "user", "content": "医保报销比例？"},
        {"role": "assistant", "content": "达到90%[1]。"},
    ]
    r = client.post("/api/ask", json={"question": "那门诊呢？", "history": history})
    assert r.status_code == 200
    _, turns = fake.calls[-1]
    assert turns is not None
    assert [(t.role, t.content) for t in turns] == [(h["role"], h["content"]) for h in history]


def test_empty_question_rejected(client: TestClient, fake: Any) -> None:
    for question in ("", "   \n "):
        r = client.post("/api/ask", json={"question": question})
        assert r.status_code == 422
        assert r.json()["detail"] == "问题不能为空。"
        assert_clean_error(r.text)
    assert fake.calls == []


def test_too_long_question_rejected(client: TestClient, fake: Any) -> None:
    r = client.post("/api/ask", json={"question": "问" * 2001})
    assert r.status_code == 422
    assert "2000" in r.json()["detail"]
    assert "问" * 100 not in r.text  # the input is not echoed back
    assert fake.calls == []
    assert client.post("/api/ask", json={"question": "问" * 2000}).status_code == 200


def test_too_long_history_rejected(client: TestClient) -> None:
    history = [{"role": "user", "content": "问题"}] * 21
    r = client.post("/api/ask", json={"question": "问题", "history": history})
    assert r.status_code == 422
    assert "对话历史" in r.json()["detail"]


def test_bad_history_role_rejected(client: TestClient) -> None:
    r = client.post(
        "/api/ask",
        json={"question": "问题", "history": [{"role": "system", "content": "x"}]},
    )
    assert r.status_code == 422
    assert "角色" in r.json()["detail"]


def test_malformed_json_is_422_with_detail(client: TestClient) -> None:
    r = client.post(
        "/api/ask",
        content=b'{"question": ',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["detail"] == "请求体不是有效的 JSON。"
    assert_clean_error(r.text)


def test_missing_question_is_422(client: TestClient) -> None:
    r = client.post("/api/ask", json={})
    assert r.status_code == 422
    assert "问题" in r.json()["detail"]


def test_unknown_field_is_422(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "问题", "top_k": 50})
    assert r.status_code == 422
    assert "top_k" in r.json()["detail"]
    assert isinstance(r.json()["errors"], list)


def test_assistant_invalid_question_maps_to_422(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "非法"})
    assert r.status_code == 422
    assert r.json() == {"detail": "问题包含无法处理的内容。"}


def test_paragraph_found(client: TestClient, fake: Any) -> None:
    citation = fake.citation
    r = client.get(f"/api/paragraphs/{citation.paragraph_id}")
    assert r.status_code == 200
    data = r.json()
    assert data["paragraph_id"] == citation.paragraph_id
    assert data["source_file"] == citation.source_file
    assert data["article_title"] == citation.article_title
    assert data["heading_path"] == list(citation.heading_path)
    assert data["text"] == citation.text
    assert (data["start"], data["end"]) == (citation.start, citation.end)
    assert data["before"] == [
        {
            "paragraph_id": "000_cea3e9765f7be3bd-p0006",
            "text": "县卫健局贯彻各级脱贫攻坚工作总体部署。",
        }
    ]
    assert data["after"] == [
        {
            "paragraph_id": "000_cea3e9765f7be3bd-p0008",
            "text": "家庭医生签约服务全覆盖。",
        }
    ]


def test_paragraph_not_found(client: TestClient) -> None:
    r = client.get("/api/paragraphs/nope-p9999")
    assert r.status_code == 404
    assert "未找到段落" in r.json()["detail"]


def test_healthz_reports_stats(client: TestClient, fake: Any) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    worker = body.pop("worker")  # a random id of the serving process, never its pid
    assert len(worker) == 8 and int(worker, 16) >= 0 and worker == client.get("/healthz").json()["worker"]
    assert body == {"status": "ok", "index_loaded": True, **fake.stats()}
