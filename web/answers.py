"""Streaming answers (Server-Sent Events) and the reply-drafting endpoints.

`POST /api/ask/stream` sends `event: delta` frames with text pieces as they become final, then
one `event: answer` frame with the full answer JSON (its text replaces the streamed one). With an
LLM backend the pieces are grounded sentences, sent while the model is still writing, and the model
stops when the client disconnects (`web.streaming`). The first piece is pulled before the response
starts, so invalid questions, a missing index and an unreachable model still get a proper
422 / 503 instead of a broken stream.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from assistant.models import Answer, Citation, Turn
from web.answer_slots import in_answer_slot
from web.deps import AssistantDep, AssistantLike
from web.errors import INTERNAL_ERROR_MESSAGE, USER_ERRORS, strip_paths, unavailable_message
from web.schemas import AskRequest, AskResponse, ErrorOut
from web.streaming import until_disconnect
from web.text import clean_text
from web.titles import Titles, TitlesDep

logger = logging.getLogger(__name__)

router = APIRouter()

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (422, 500, 503)}
MAX_REPLY_CHARS = 20000
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def answer_stream(
    assistant: AssistantLike,
    question: str,
    history: list[Turn] | None,
    mode: str = "chat",
    place: str | None = None,
) -> Iterator[str | Answer]:
    """Text pieces then the final Answer; falls back to `ask` for assistants without `stream`."""
    if place and mode == "chat":
        from assistant.place import ask_in_place  # lazy: keep `import web.app` cheap

        answer = ask_in_place(assistant, question, history, place)
        for piece in re.split(r"(?<=\n)|(?<=[。；])", answer.text):
            if piece:
                yield piece
        yield answer
        return
    stream = getattr(assistant, "stream", None)
    if stream is not None:
        yield from stream(question, history, mode)
        return
    answer = assistant.ask(question, history=history, mode=mode)
    yield answer.text
    yield answer


def sse(event: str, data: Any) -> str:
    """One SSE frame; JSON on a single line, so no `data:` continuation is needed."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _frames(
    first: str | Answer, rest: Iterator[str | Answer], question: str, titles: Titles
) -> Iterator[str]:
    """SSE frames; "" for an empty piece (a model token that showed nothing yet), so the consumer
    gets control between tokens and can stop on a disconnect."""
    try:
        for item in _chain(first, rest):
            if isinstance(item, Answer):
                yield sse("answer", AskResponse.from_answer(item, question, titles).model_dump())
            else:
                yield sse("delta", {"text": item}) if item else ""
    except USER_ERRORS as exc:  # too late for an HTTP status: report it in the stream
        logger.warning("stream failed: %r", exc)
        yield sse(
            "error", {"detail": unavailable_message(exc) or strip_paths(str(exc)) or INTERNAL_ERROR_MESSAGE}
        )
    except Exception:
        logger.exception("stream failed")
        yield sse("error", {"detail": INTERNAL_ERROR_MESSAGE})
    finally:
        close_quietly(rest)  # a closed stream stops the model


def close_quietly(items: Iterator[Any]) -> None:
    """Close a generator (stops what feeds it); an error while closing must not hide the real one."""
    close = getattr(items, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception:
        logger.warning("closing a stream failed", exc_info=True)


def _chain(first: str | Answer, rest: Iterator[str | Answer]) -> Iterator[str | Answer]:
    yield first
    yield from rest


@router.post("/api/ask/stream", responses=_ERRORS, response_class=StreamingResponse)
def ask_stream(
    body: AskRequest, assistant: AssistantDep, titles: TitlesDep, request: Request
) -> StreamingResponse:
    """The answer as Server-Sent Events: `delta` pieces, then `answer` (or `error`)."""
    history = [t.to_turn() for t in body.history] or None
    pieces = answer_stream(assistant, body.question, history, body.mode, body.place)
    first = next(pieces)  # errors before the first piece become normal HTTP errors
    return StreamingResponse(
        until_disconnect(request, _frames(first, pieces, body.question, titles)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post("/api/reply", response_model=AskResponse, responses=_ERRORS)
async def draft_reply(
    request: Request, body: AskRequest, assistant: AssistantDep, titles: TitlesDep
) -> AskResponse:
    """A formal draft reply (with `[n]` markers) to a citizen's inquiry."""
    return await in_answer_slot(request, _draft_reply, body, assistant, titles)


def _draft_reply(body: AskRequest, assistant: AssistantLike, titles: Titles) -> AskResponse:
    history = [t.to_turn() for t in body.history] or None
    answer = assistant.ask(body.question, history=history, mode="reply")
    return AskResponse.from_answer(answer, body.question, titles)


class SourceRef(BaseModel):
    """A citation as the browser holds it; only `n` and `paragraph_id` are trusted."""

    model_config = ConfigDict(extra="ignore")

    n: int = Field(ge=1, le=999)
    paragraph_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class DocxRequest(BaseModel):
    """Body of `POST /api/reply/docx`: the (possibly edited) reply and the sources it cites."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REPLY_CHARS),
        AfterValidator(clean_text),  # control characters would also break the .docx XML
    ]
    citations: list[SourceRef] = Field(default_factory=list, max_length=100)
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=100), AfterValidator(clean_text)
    ] = "答复意见（草稿）"


def verified_citations(assistant: AssistantLike, refs: list[SourceRef]) -> list[Citation]:
    """Rebuild citations from the index, so a docx never carries source text the browser made up."""
    out: list[Citation] = []
    for ref in refs:
        p = assistant.paragraph(ref.paragraph_id)
        if p is None:
            continue
        out.append(
            Citation(
                n=ref.n,
                paragraph_id=p.paragraph_id,
                source_file=p.source_file,
                article_title=p.article_title,
                heading_path=tuple(p.heading_path),
                text=p.text,
                start=p.start,
                end=p.end,
            )
        )
    return out


@router.post("/api/reply/docx", responses=_ERRORS, response_class=Response)
def reply_docx(body: DocxRequest, assistant: AssistantDep, titles: TitlesDep) -> Response:
    """The current reply text and its sources as a Word document (A4, 仿宋/宋体, sources in words)."""
    from assistant.reply_export import reply_as_docx

    answer = Answer(text=body.text, refused=False, citations=verified_citations(assistant, body.citations))
    where = {
        c.paragraph_id: titles.place(c.source_file, c.paragraph_id, c.article_title, c.heading_path).location
        for c in answer.citations
    }
    data = reply_as_docx(answer, title=body.title or "答复意见（草稿）", where=where)
    name = quote("答复意见草稿.docx")
    disposition = f"attachment; filename=\"reply-draft.docx\"; filename*=UTF-8''{name}"
    return Response(data, media_type=DOCX_MEDIA_TYPE, headers={"Content-Disposition": disposition})
