"""The OpenAI-compatible facade through the official `openai` client, over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openai import NotFoundError, OpenAI

pytestmark = [pytest.mark.model, pytest.mark.slow]

QUESTION = "贫困人口住院合规费用自付比不超过多少？"


def test_openai_client_plain_and_streaming(live_server: Any) -> None:
    client = OpenAI(base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0, timeout=60)
    assert [m.id for m in client.models.list()] == ["policyqa"]

    done = client.chat.completions.create(model="policyqa", messages=[{"role": "user", "content": QUESTION}])
    content = done.choices[0].message.content or ""
    expected = httpx.post(f"{live_server.url}/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert content.startswith(expected["answer"] + "\n\n来源：\n[1] ")
    for c in expected["citations"]:
        assert f"[{c['n']}] {c['location']}：" in content and c["text"] in content
        assert c["source_file"] not in content
    assert done.usage is not None and done.usage.completion_tokens > 0

    # An unknown model gets OpenAI's 404, which the client raises as NotFoundError.
    with pytest.raises(NotFoundError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])

    stream = client.chat.completions.create(
        model="policyqa", messages=[{"role": "user", "content": QUESTION}], stream=True
    )
    pieces = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert len([p for p in pieces if p]) >= 2
    assert "".join(pieces) == content
