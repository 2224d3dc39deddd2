"""A loopback OpenAI-compatible chat server that streams a cited answer at a fixed token rate.

It stands in for a real model server (vLLM, Ollama) when measuring the assistant's streaming: the
answer quotes whole sentences of the numbered evidence blocks in the prompt (those sharing most
characters with the question first), each cited to its block, so it passes grounding. It is sent in
two-character tokens at `--rate` tokens per second (Qwen's tokenizer: ~1.6 Chinese characters a token).

Usage: .venv/bin/python benchmarks/openai_stream_stub.py --port 8701 --rate 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

_BLOCK = re.compile(r"\[(\d+)\] （出处：[^）]*）\n([^\n]*)")
_SENTENCE = re.compile(r"[^。；]+[。；]")


def quoted_answer(prompt: str, min_chars: int = 150, max_sentences: int = 4) -> str:
    """Whole sentences of the evidence blocks, the blocks sharing most characters with the question
    first, each cited `[n]`; NO_ANSWER when the prompt has no evidence."""
    question = set(prompt.rsplit("问题：", 1)[-1])
    blocks = sorted(_BLOCK.findall(prompt), key=lambda b: -len(question & set(b[1])))
    out: list[str] = []
    for n, text in blocks:
        for sentence in _SENTENCE.findall(text):
            body = sentence.strip().rstrip("。；")
            if len(body) >= 8:
                out.append(f"{body}[{n}]。")
            if len(out) >= max_sentences or sum(map(len, out)) >= min_chars:
                return "".join(out)
    return "".join(out) or "NO_ANSWER"


def tokens(text: str, size: int = 2) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def make_app(rate: float = 30.0, prefill: float = 0.0) -> FastAPI:
    """The stub; `prefill` seconds pass before the first token (a real server reading the prompt)."""
    app = FastAPI()

    @app.post("/v1/chat/completions", response_model=None)
    async def complete(request: Request) -> dict[str, Any] | StreamingResponse:
        body = await request.json()
        answer = quoted_answer(str(body["messages"][-1]["content"]))
        model = body.get("model", "stub")
        if not body.get("stream"):
            await asyncio.sleep(prefill + len(tokens(answer)) / rate)
            message = {"role": "assistant", "content": answer}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            return {"id": "chatcmpl-stub", "object": "chat.completion", "model": model, "choices": [choice]}

        async def events() -> AsyncIterator[str]:
            yield _chunk(model, {"role": "assistant", "content": ""})
            await asyncio.sleep(prefill)
            for token in tokens(answer):
                await asyncio.sleep(1 / rate)
                yield _chunk(model, {"content": token})
            yield _chunk(model, {}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def main() -> None:
    import uvicorn

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8701)
    ap.add_argument("--rate", type=float, default=30.0, help="tokens per second")
    ap.add_argument("--prefill", type=float, default=0.0, help="seconds before the first token")
    args = ap.parse_args()
    uvicorn.run(make_app(args.rate, args.prefill), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
