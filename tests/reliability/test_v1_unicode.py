"""The OpenAI-compatible facade with arbitrary Unicode (lone surrogates, controls, bidi, astral
planes, every category): never a response >= 500."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.settings import Settings
from web.app import create_app

ANY_CHAR = st.one_of(
    st.characters(codec=None, categories=None),  # every code point
    st.characters(categories=["Cs"]),  # lone surrogates, more often
    st.sampled_from(["\x00", "\x1b", "\u202e", "\u200b", "\ufeff", "\U0010ffff"]),
)
TEXT = st.lists(ANY_CHAR, max_size=300).map("".join)  # st.text() would drop the surrogates
MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "system", "tool", "用户"]), "content": TEXT}
)


@pytest.fixture(scope="module")
def client(hashing_assistant, tmp_path_factory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("v1-unicode")
    app = create_app(
        Settings(corpus_dir=root, index_dir=root / "index", rate_limit_per_minute=0),
        assistant=hashing_assistant,
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@given(
    history=st.lists(MESSAGE, max_size=3),
    question=TEXT,
    stream=st.booleans(),
    model=TEXT,
)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_v1_never_answers_5xx(client: TestClient, history, question: str, stream: bool, model: str) -> None:  # type: ignore[no-untyped-def]
    messages = [*history, {"role": "user", "content": question}]  # the question is what reaches OpenCC
    body = json.dumps({"model": model, "stream": stream, "messages": messages})  # \ud800 stays escaped
    r = client.post("/v1/chat/completions", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code < 500, (r.status_code, r.text[:300], messages)
    if r.status_code >= 400:  # our 4xx bodies carry `detail`; an unknown model gets OpenAI's error shape
        data = r.json()
        message = data["detail"] if "detail" in data else data["error"]["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
