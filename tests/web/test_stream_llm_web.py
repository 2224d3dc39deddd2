"""Streamed LLM answers over HTTP: grounded sentences while the model writes, and a client that
hangs up stops the model. TestClient for the content, a real uvicorn server for timing and disconnects."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.core import Assistant
from assistant.llm import LLMAnswerer
from tests.assistant.stream_fakes import (
    GROUNDED,
    LATER,
    QUESTION,
    UNGROUNDED,
    ScriptedStreamChat,
    Tape,
    cited_answer,
)
from web.app import create_app

SHOWN_FIRST = GROUNDED.format(n=1)
ASK = ("/api/ask/stream", {"question": QUESTION})
V1 = ("/v1/chat/completions", {"stream": True, "messages": [{"role": "user", "content": QUESTION}]})


def with_model(base: Assistant, script: Callable[[str], str], **kw: Any) -> tuple[Assistant, Tape]:
    tape = Tape()
    chat = ScriptedStreamChat(script=script, tape=tape, **kw)
    return Assistant(base.index, base.embedder, llm=LLMAnswerer(chat), reader_threshold=0.0), tape


def sse_events(text: str) -> list[tuple[str, Any]]:
    frames = [dict(ln.split(": ", 1) for ln in f.splitlines()) for f in text.strip().split("\n\n")]
    return [(f["event"], json.loads(f["data"])) for f in frames]


def v1_contents(text: str) -> list[str]:
    data = [ln[6:] for ln in text.splitlines() if ln.startswith("data: ")]
    assert data[-1] == "[DONE]"
    return [json.loads(d)["choices"][0]["delta"].get("content") or "" for d in data[:-1]]


def test_sse_never_shows_the_ungrounded_sentence(hashing_assistant: Assistant) -> None:
    a, _tape = with_model(hashing_assistant, cited_answer(GROUNDED, UNGROUNDED, LATER))
    with TestClient(create_app(assistant=a)) as client:
        r = client.post(*ASK[:1], json=ASK[1])
    assert r.status_code == 200
    events = sse_events(r.text)
    deltas = [d["text"] for kind, d in events if kind == "delta"]
    assert [kind for kind, _ in events][-1] == "answer"
    assert deltas[0] == SHOWN_FIRST and not any("9999" in d for d in deltas)
    final = events[-1][1]
    assert "".join(deltas) == final["answer"] and not final["refused"]
    assert "9999" not in r.text


def test_v1_stream_never_shows_the_ungrounded_sentence(hashing_assistant: Assistant) -> None:
    a, _tape = with_model(hashing_assistant, cited_answer(GROUNDED, UNGROUNDED, LATER))
    with TestClient(create_app(assistant=a)) as client:
        r = client.post(V1[0], json=V1[1])
    assert r.status_code == 200
    contents = [c for c in v1_contents(r.text) if c]
    assert contents[0] == SHOWN_FIRST and "9999" not in r.text
    assert "".join(contents).startswith(SHOWN_FIRST + LATER.format(n=1) + "\n\n来源：\n[1] ")


def test_model_failures_are_a_503_before_the_first_token_and_an_error_event_after(
    hashing_assistant: Assistant,
) -> None:
    script = cited_answer(GROUNDED, LATER, LATER)
    down, _ = with_model(hashing_assistant, script, fail_after=0)
    with TestClient(create_app(assistant=down)) as client:
        r = client.post(ASK[0], json=ASK[1])
    assert r.status_code == 503 and "语言模型" in r.json()["detail"]
    broken, _ = with_model(hashing_assistant, script, fail_after=len(SHOWN_FIRST) // 2 + 4)
    with TestClient(create_app(assistant=broken)) as client:
        events = sse_events(client.post(ASK[0], json=ASK[1]).text)
    assert events[0] == ("delta", {"text": SHOWN_FIRST})
    assert events[-1][0] == "error" and "语言模型" in events[-1][1]["detail"]


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, FastAPI]]:
    """A real server whose assistant each test sets (`app.state.assistant`)."""
    app = create_app(assistant=None, assistant_factory=lambda _s: None)  # type: ignore[arg-type,return-value]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(5)


def first_shown(lines: Iterator[str], path: str) -> str:
    """Read the stream up to the first shown text (an SSE delta, or a /v1 chunk with content)."""
    for line in lines:
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        data = json.loads(line[6:])
        text = data.get("text") if path == ASK[0] else data["choices"][0]["delta"].get("content")
        if text:
            return str(text)
    raise AssertionError("nothing was shown")


@pytest.mark.parametrize(("path", "body"), [ASK, V1], ids=["sse", "v1"])
def test_first_sentence_arrives_while_the_model_is_still_writing(
    live: tuple[str, FastAPI], hashing_assistant: Assistant, path: str, body: dict[str, Any]
) -> None:
    gate = threading.Event()
    script = cited_answer(GROUNDED, UNGROUNDED, LATER)
    pause = len(SHOWN_FIRST) // 2 + 2  # the first sentence and a look at the next: then wait for the client
    live[1].state.assistant, tape = with_model(hashing_assistant, script, gate=gate, pause_after=pause)
    with httpx.stream("POST", live[0] + path, json=body, timeout=30) as r:
        lines = r.iter_lines()
        assert first_shown(lines, path) == SHOWN_FIRST
        assert not tape.finished
        gate.set()
        rest = "\n".join(lines)
    assert tape.waited == [True] and tape.finished  # the model had waited for this client to see it
    assert "9999" not in rest


@pytest.mark.parametrize(("path", "body"), [ASK, V1], ids=["sse", "v1"])
def test_client_disconnect_stops_generation(
    live: tuple[str, FastAPI], hashing_assistant: Assistant, path: str, body: dict[str, Any]
) -> None:
    script = cited_answer(GROUNDED, *[LATER] * 100)
    live[1].state.assistant, tape = with_model(hashing_assistant, script, delay=0.01)
    with httpx.stream("POST", live[0] + path, json=body, timeout=30) as r:
        assert first_shown(r.iter_lines(), path) == SHOWN_FIRST
    deadline = time.monotonic() + 5
    while not tape.closed and time.monotonic() < deadline:
        time.sleep(0.02)
    assert tape.closed and not tape.finished
    assert tape.pulled < tape.total / 4, (tape.pulled, tape.total)
