"""The assistant surface the web layer relies on, and the dependencies that hand it to routes.

Routes depend on a Protocol rather than a concrete class so tests can inject a fake and the
heavy assistant package (models, index) is only imported when the app actually starts.
The assistant is read from `app.state` on every request, so a re-index can swap it without
disturbing requests that already hold the old one.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated, Any, Protocol

from fastapi import Depends, Header, HTTPException, Request
from pydantic import SecretStr

from assistant.models import Answer, ParagraphContext, Turn
from assistant.settings import Settings
from web.audit import record
from web.errors import AssistantUnavailableError

ADMIN_DISABLED_MESSAGE = "管理功能未启用：服务器没有配置管理员令牌（POLICYQA_ADMIN_TOKEN）。"
ADMIN_DENIED_MESSAGE = "管理员令牌无效或缺失，无法执行此操作。"


class AssistantLike(Protocol):
    """What `assistant.factory.build_assistant` returns, as far as the web layer cares."""

    def ask(self, question: str, history: list[Turn] | None = None, mode: str = "chat") -> Answer: ...

    def stream(
        self, question: str, history: list[Turn] | None = None, mode: str = "chat"
    ) -> Iterator[str | Answer]: ...

    def paragraph(self, paragraph_id: str) -> ParagraphContext | None: ...

    def stats(self) -> dict[str, Any]: ...


def get_assistant(request: Request) -> AssistantLike:
    """Return the current assistant, or raise a 503 with the reason it is missing."""
    state = request.app.state
    assistant: AssistantLike | None = getattr(state, "assistant", None)
    if assistant is None:
        message = getattr(state, "assistant_error", None) or "服务尚未就绪，请稍后再试。"
        raise AssistantUnavailableError(message)
    return assistant


def get_settings(request: Request) -> Settings:
    """The app's settings; read from the environment once if the app was built without them."""
    state = request.app.state
    if getattr(state, "settings", None) is None:
        state.settings = Settings()
    return state.settings


def require_admin(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_admin_token: Annotated[str | None, Header()] = None,
) -> None:
    """Admin endpoints: `Authorization: Bearer <token>` (or `X-Admin-Token`), compared in constant time."""
    token = get_settings(request).admin_token  # SecretStr; a plain str if set via model_copy
    expected = token.get_secret_value() if isinstance(token, SecretStr) else (token or "")
    action = f"{request.method} {request.url.path}"
    if not expected:
        record(request, "auth", action, "refused 403 (no admin token configured)")
        raise HTTPException(status_code=403, detail=ADMIN_DISABLED_MESSAGE)
    given = x_admin_token or ""
    if authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        record(request, "auth", action, "refused 401 (bad or missing token)")
        raise HTTPException(status_code=401, detail=ADMIN_DENIED_MESSAGE)


AssistantDep = Annotated[AssistantLike, Depends(get_assistant)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AdminDep = Depends(require_admin)
