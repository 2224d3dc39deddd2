"""OpenAI-compatible facade: `POST /v1/chat/completions` (plain and streaming) and `GET /v1/models`.

Existing chat front ends and the official `openai` client can use the assistant as a model.
The last user message is the question, earlier user/assistant messages are the history
(system messages are ignored), and the citations travel as a numbered source list at the end
of the message content, titled in words. Unknown request fields (temperature, max_tokens, ...) are
accepted and ignored; the API key is not checked; an unknown model name gets OpenAI's 404
(`model_not_found`). `usage` counts tokens with the index's tokenizer (tiktoken cl100k_base).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from assistant.models import Answer, Citation, Turn
from web.answers import answer_stream, close_quietly
from web.deps import AssistantDep
from web.streaming import until_disconnect
from web.text import clean_text
from web.titles import Titles, TitlesDep

router = APIRouter()

MODEL_ID = "policyqa"
MAX_CONTENT_CHARS = 8000


class ContentPart(BaseModel):
    """One part of list-form message content; only `text` parts are read."""

    model_config = ConfigDict(extra="ignore")

    type: str = "text"
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: str
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """Plain text of the message; list content keeps only its text parts."""
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: Annotated[str, StringConstraints(max_length=200), AfterValidator(clean_text)] = MODEL_ID  # echoed
    messages: Annotated[list[ChatMessage], Field(min_length=1, max_length=50)]
    stream: bool = False


def sources_block(citations: list[Citation], titles: Titles | None = None) -> str:
    """The numbered source list appended to the message content: 文件标题 › 篇名 › 章节：段落."""
    if not citations:
        return ""
    titles = titles or Titles()
    lines = []
    for c in citations:
        where = titles.place(c.source_file, c.paragraph_id, c.article_title, c.heading_path).location
        lines.append(f"[{c.n}] {where}：{c.text}")
    return "\n\n来源：\n" + "\n".join(lines)


def count_tokens(text: str) -> int:
    from ingestion.tokens import count_tokens as count  # lazy: tiktoken loads its table on first use

    return count(text) if text else 0


def model_not_found(model: str) -> JSONResponse:
    """OpenAI's error body for an unknown model, so clients report it as they would for OpenAI."""
    error = {
        "message": f"模型 `{model}` 不存在，本服务提供 `{MODEL_ID}`。(The model does not exist.)",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }
    return JSONResponse({"error": error}, status_code=404)


def _text(message: ChatMessage) -> str:
    """The message text, cleaned (`web.text`); a lone surrogate is a 422, not an encoder crash."""
    try:
        return clean_text(message.text()[:MAX_CONTENT_CHARS])
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=f"消息内容{exc}。") from None


def _split(req: ChatRequest) -> tuple[str, list[Turn] | None]:
    turns = [(m.role, _text(m)) for m in req.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise HTTPException(status_code=422, detail="最后一条消息必须是用户的问题。")
    history = [Turn(role=r, content=t) for r, t in turns[:-1]][-20:]  # type: ignore[arg-type]
    return turns[-1][1], history or None


def _chunk(cid: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None) -> str:
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def _stream(
    pieces: Iterator[str | Answer], cid: str, created: int, model: str, titles: Titles
) -> Iterator[str]:
    """`chat.completion.chunk` events; "" between model tokens that showed nothing (see web.streaming)."""
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""})
    streamed = ""
    try:
        for item in pieces:
            if isinstance(item, Answer):
                # The final text is authoritative; if it differs from what was streamed, send the rest.
                tail = item.text[len(streamed) :] if item.text.startswith(streamed) else "\n\n" + item.text
                text = tail + sources_block(item.citations, titles)
                if text:
                    yield _chunk(cid, created, model, {"content": text})
            elif item:
                streamed += item
                yield _chunk(cid, created, model, {"content": item})
            else:
                yield ""
    finally:
        close_quietly(pieces)
    yield _chunk(cid, created, model, {}, "stop")
    yield "data: [DONE]\n\n"


@router.post("/v1/chat/completions", response_model=None)
def chat_completions(
    body: ChatRequest, assistant: AssistantDep, titles: TitlesDep, request: Request
) -> dict[str, Any] | StreamingResponse | JSONResponse:
    """One chat turn; `stream: true` answers with `chat.completion.chunk` events and `[DONE]`."""
    model = body.model or MODEL_ID
    if model != MODEL_ID:
        return model_not_found(model)
    question, history = _split(body)
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if body.stream:
        pieces = answer_stream(assistant, question, history)
        first = next(pieces)  # errors before the first piece stay normal HTTP errors

        def chained() -> Iterator[str | Answer]:
            yield first
            yield from pieces

        return StreamingResponse(
            until_disconnect(request, _stream(chained(), cid, created, model, titles)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer = assistant.ask(question, history=history)
    content = answer.text + sources_block(answer.citations, titles)
    prompt = count_tokens("\n".join(m.text() for m in body.messages))
    completion = count_tokens(content)
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


@router.get("/v1/models")
def models() -> dict[str, Any]:
    """The one model this server offers."""
    card = ModelCard(id=MODEL_ID, created=0, owned_by="policyqa")
    return {"object": "list", "data": [card.model_dump()]}


@router.get("/v1/models/{model}", response_model=None)
def model_card(model: str) -> dict[str, Any] | JSONResponse:
    """The model card, or OpenAI's 404 for any other name."""
    if model != MODEL_ID:
        return model_not_found(model)
    return ModelCard(id=MODEL_ID, created=0, owned_by="policyqa").model_dump()
