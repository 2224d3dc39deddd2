"""Streaming, reply drafting, docx export and the OpenAI facade, against the fake assistant."""

from __future__ import annotations

import io
import json
from typing import Any

from docx import Document
from fastapi.testclient import TestClient


def sse_events(text: str) -> list[tuple[str, Any]]:
    out = []
    for frame in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in frame.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_stream_sends_deltas_then_answer(client: TestClient) -> None:
    r = client.post("/api/ask/stream", json={"question": "住院报销比例？"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    kinds = [k for k, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"delta"}
    streamed = "".join(d["text"] for k, d in events if k == "delta")
    final = events[-1][1]
    assert streamed == final["answer"] == "报销比例达到90%[1]。"
    assert final["citations"][0]["paragraph_id"] == "000_cea3e9765f7be3bd-p0007"
    assert final["refused"] is False


def test_stream_validation_errors_are_http_errors(client: TestClient) -> None:
    assert client.post("/api/ask/stream", json={"question": " "}).status_code == 422
    r = client.post("/api/ask/stream", json={"question": "非法"})
    assert r.status_code == 422
    assert r.json()["detail"] == "问题包含无法处理的内容。"


def test_stream_refusal(client: TestClient) -> None:
    events = sse_events(client.post("/api/ask/stream", json={"question": "无关问题"}).text)
    assert events[-1][1]["refused"] is True


def test_ask_with_reply_mode_and_reply_endpoint(client: TestClient, fake: Any) -> None:
    r = client.post("/api/ask", json={"question": "我想问住院报销", "mode": "reply"})
    assert r.status_code == 200
    assert r.json()["answer"].startswith("尊敬的来信人")
    r = client.post("/api/reply", json={"question": "我想问住院报销"})
    assert r.json()["answer"].startswith("尊敬的来信人")
    assert fake.modes == ["reply", "reply"]
    assert client.post("/api/ask", json={"question": "x", "mode": "poem"}).status_code == 422


def test_docx_of_edited_text_with_verified_sources(client: TestClient, fake: Any) -> None:
    body = {
        "text": "尊敬的来信人：\n经核实（已修改），报销比例达到90%[1]。",
        "citations": [
            {"n": 1, "paragraph_id": fake.citation.paragraph_id, "text": "伪造的原文"},
            {"n": 2, "paragraph_id": "does-not-exist"},
        ],
    }
    r = client.post("/api/reply/docx", json=body)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "经核实（已修改）" in text
    assert "政策依据" in text
    assert fake.citation.text in text
    assert "伪造的原文" not in text
    assert "does-not-exist" not in text


def test_docx_rejects_empty_text(client: TestClient) -> None:
    assert client.post("/api/reply/docx", json={"text": "  "}).status_code == 422


def test_openai_models_and_completion(client: TestClient) -> None:
    models = client.get("/v1/models").json()
    assert models["data"][0]["id"] == "policyqa"
    r = client.post(
        "/v1/chat/completions",
        json={"model": "policyqa", "messages": [{"role": "user", "content": "报销比例？"}], "temperature": 0},
    )
    assert r.status_code == 200
    content = r.json()["choices"][0]["message"]["content"]
    assert content.startswith("报销比例达到90%[1]。")
    assert "来源：\n[1] 健康扶贫工作简报" in content


def test_openai_streaming_and_history(client: TestClient, fake: Any) -> None:
    messages = [
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": "医保报销比例？"},
        {"role": "assistant", "content": "达到90%[1]。"},
        {"role": "user", "content": [{"type": "text", "text": "那门诊呢？"}]},
    ]
    r = client.post("/v1/chat/completions", json={"messages": messages, "stream": True})
    assert r.status_code == 200
    lines = [ln[6:] for ln in r.text.splitlines() if ln.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(ln) for ln in lines[:-1]]
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert content.startswith("报销比例达到90%[1]。") and "来源：" in content
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    question, history = fake.calls[-1]
    assert question == "那门诊呢？"
    assert [t.role for t in history] == ["user", "assistant"]


def test_openai_needs_a_user_question(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "hi"}]})
    assert r.status_code == 422
