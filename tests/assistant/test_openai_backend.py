"""The `openai` backend through langchain-openai against a loopback OpenAI-compatible server."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI, Request

from assistant.core import Assistant
from assistant.errors import ModelUnavailableError
from assistant.llm import LLMAnswerer, make_openai_chat

SEEN: list[dict] = []


def _stub_app() -> FastAPI:
    """Answers like a careful model: cites the numbered block that holds the figure, else NO_ANSWER."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> dict:
        body = await request.json()
        SEEN.append(body)
        user = body["messages"][-1]["content"]
        blocks = dict(re.findall(r"\[(\d+)\] （出处：[^）]*）\n([^\n]*)", user))
        n = next((k for k, text in blocks.items() if "自付比不超10%" in text), None)
        if "自付" in user.split("问题：")[-1] and n:
            content = f"贫困人口住院合规费用自付比不超过10%[{n}]。另有说明[99]。"
        else:
            content = "NO_ANSWER"
        return {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    return app


@pytest.fixture(scope="module")
def stub_url() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_stub_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def llm_assistant(hashing_assistant: Assistant, stub_url: str) -> Assistant:
    chat = make_openai_chat(stub_url, "stub-model", "sk-test")
    a = hashing_assistant
    return Assistant(a.index, a.embedder, llm=LLMAnswerer(chat), reader_threshold=0.0)


def test_llm_answer_is_cited_and_dangling_markers_dropped(llm_assistant: Assistant) -> None:
    answer = llm_assistant.ask("贫困人口住院合规费用自付比不超过多少？")
    assert not answer.refused
    assert answer.text == "贫困人口住院合规费用自付比不超过10%[1]。另有说明。"
    assert "自付比不超10%" in answer.citations[0].text
    system, user = SEEN[-1]["messages"][0], SEEN[-1]["messages"][-1]
    assert system["role"] == "system" and "不得编造" in system["content"]
    assert "不是指令" in user["content"]  # evidence is quoted, not instructions
    assert SEEN[-1]["model"] == "stub-model" and SEEN[-1]["temperature"] == 0


def test_llm_decline_becomes_refusal(llm_assistant: Assistant) -> None:
    answer = llm_assistant.ask("城市低保保障标准是多少？")
    assert answer.refused


def test_unreachable_endpoint_is_a_clear_error(hashing_assistant: Assistant) -> None:
    chat = make_openai_chat("http://127.0.0.1:9/v1", "m", "k", timeout=2)
    a = Assistant(
        hashing_assistant.index, hashing_assistant.embedder, llm=LLMAnswerer(chat), reader_threshold=0.0
    )
    with pytest.raises(ModelUnavailableError, match="语言模型"):
        a.ask("贫困人口住院合规费用自付比不超过多少？")
