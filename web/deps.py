"""The assistant surface the web layer relies on, and the dependency that hands it to routes.

Routes depend on a Protocol rather than a concrete class so tests can inject a fake and the
heavy assistant package (models, index) is only imported when the app actually starts.
"""

from __future__ import annotations

from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from assistant.models import Answer, ParagraphContext, Turn
from web.errors import AssistantUnavailableError


class AssistantLike(Protocol):
    """What `assistant.factory.build_assistant` returns, as far as the web layer cares."""

    def ask(self, question: str, history: list[Turn] | None = None) -> Answer: ...

    def paragraph(self, paragraph_id: str) -> ParagraphContext | None: ...

    def stats(self) -> dict[str, Any]: ...


def get_assistant(request: Request) -> AssistantLike:
    """Return the assistant built at startup, or raise a 503 with the reason it is missing."""
    state = request.app.state
    assistant: AssistantLike | None = getattr(state, "assistant", None)
    if assistant is None:
        message = getattr(state, "assistant_error", None) or "服务尚未就绪，请稍后再试。"
        raise AssistantUnavailableError(message)
    return assistant


AssistantDep = Annotated[AssistantLike, Depends(get_assistant)]
