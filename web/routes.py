"""JSON endpoints. Handlers are sync on purpose: the assistant blocks (embedding, LLM
calls), so FastAPI runs them in its thread pool instead of stalling the event loop."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse

from web.answer_slots import in_answer_slot
from web.deps import AssistantDep, AssistantLike
from web.errors import strip_paths
from web.reload import worker_id
from web.schemas import AskRequest, AskResponse, ErrorOut, ParagraphOut
from web.titles import Titles, TitlesDep

logger = logging.getLogger(__name__)

router = APIRouter()

_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (422, 500, 503)}


@router.post("/api/ask", response_model=AskResponse, responses=_ERRORS)
async def ask(request: Request, body: AskRequest, assistant: AssistantDep, titles: TitlesDep) -> AskResponse:
    """Answer one question, given the earlier turns for follow-ups (and the user's place, if chosen)."""
    return await in_answer_slot(request, _ask, body, assistant, titles)


def _ask(body: AskRequest, assistant: AssistantLike, titles: Titles) -> AskResponse:
    history = [t.to_turn() for t in body.history]
    if body.place and body.mode == "chat":
        from assistant.place import ask_in_place  # lazy: keep `import web.app` cheap

        answer = ask_in_place(assistant, body.question, history or None, body.place)
    elif body.mode == "chat":  # keep the two-argument call for assistants without modes
        answer = assistant.ask(body.question, history=history or None)
    else:
        answer = assistant.ask(body.question, history=history or None, mode=body.mode)
    return AskResponse.from_answer(answer, body.question, titles)


@router.get(
    "/api/paragraphs/{paragraph_id}",
    response_model=ParagraphOut,
    responses={404: {"model": ErrorOut}, **_ERRORS},
)
def paragraph(
    paragraph_id: Annotated[str, Path(min_length=1, max_length=200)],
    assistant: AssistantDep,
    titles: TitlesDep,
) -> ParagraphOut:
    """A cited paragraph with its neighbours, for the citation side panel."""
    context = assistant.paragraph(paragraph_id)
    if context is None:
        raise HTTPException(status_code=404, detail="未找到段落：索引可能已更新，请重新提问。")
    return ParagraphOut.from_context(context, titles)


@router.get("/healthz", responses={503: {"description": "No index loaded; `detail` says why."}})
def healthz(request: Request) -> Any:
    """Readiness: 200 with index figures, or 503 (with the reason) while no index is loaded,
    so a load balancer does not send questions to an instance that can only answer 503."""
    assistant: AssistantLike | None = getattr(request.app.state, "assistant", None)
    # worker: a random id per server process (not its pid), to tell workers apart behind one port
    body: dict[str, Any] = {"status": "ok", "index_loaded": assistant is not None, "worker": worker_id()}
    if assistant is None:
        reason = getattr(request.app.state, "assistant_error", None) or "服务尚未就绪。"
        body |= {"status": "unavailable", "detail": strip_paths(reason)}
        return JSONResponse(status_code=503, content=body)
    try:
        stats = assistant.stats()
    except Exception:
        logger.exception("assistant.stats() failed")
        body["detail"] = "无法读取索引统计信息。"
        return body
    return body | {k: v for k, v in stats.items() if k not in body}
