"""The one place where exceptions become HTTP responses.

Every error body is `{"detail": <Chinese message>}` so the chat page can show it as is.
Tracebacks are logged, never sent: assistant messages are written to be user-safe, but
arbitrary exceptions may carry paths, prompts or secrets.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.errors import (
    AssistantError,
    IndexNotBuiltError,
    IndexStoreError,
    InvalidQuestionError,
    ModelUnavailableError,
)

# Errors whose message is written for users. Index errors come from the lower layer and
# are not AssistantErrors, so both roots are listed.
USER_ERRORS: tuple[type[Exception], ...] = (AssistantError, IndexStoreError)

logger = logging.getLogger(__name__)

INTERNAL_ERROR_MESSAGE = "服务器内部错误，请稍后再试。"
INDEX_NOT_BUILT_MESSAGE = "索引尚未建立，请先运行 `policyqa ingest` 构建索引。"
INDEX_BROKEN_MESSAGE = "索引损坏或与当前配置不一致，请重新运行 `policyqa ingest`。"
MODEL_UNAVAILABLE_MESSAGE = "模型暂时不可用，请检查模型配置后重试。"


class AssistantUnavailableError(Exception):
    """The assistant could not be built at startup; carries the Chinese message for the 503."""


def unavailable_message(exc: Exception) -> str | None:
    """Chinese 503 message for errors that mean "the service is not usable yet", else None.

    Used both by the request handlers and by the lifespan, which records the message when
    building the assistant fails so later requests can explain why they get a 503.
    """
    if isinstance(exc, IndexNotBuiltError):
        base = INDEX_NOT_BUILT_MESSAGE
    elif isinstance(exc, IndexStoreError):  # IndexCorruptError, IndexMismatchError, ...
        base = INDEX_BROKEN_MESSAGE
    elif isinstance(exc, ModelUnavailableError):
        base = MODEL_UNAVAILABLE_MESSAGE
    else:
        return None
    detail = str(exc).strip()
    if not detail or detail in base:
        return base
    # Index messages usually say what to run already; don't say it twice.
    return detail if "policyqa" in detail else f"{base}（{detail}）"


def _detail(status: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": message})


async def _user_error(_: Request, exc: Exception) -> JSONResponse:
    """Map the assistant's and the index's user-safe errors to 422 / 503 / 500."""
    if isinstance(exc, InvalidQuestionError):
        return _detail(422, str(exc).strip() or "问题无效，请修改后重试。")
    message = unavailable_message(exc)
    if message is not None:
        logger.warning("assistant unavailable: %r", exc)
        return _detail(503, message)
    # Other user errors are documented as user-safe, so their message may be shown.
    logger.error("assistant error", exc_info=exc)
    return _detail(500, str(exc).strip() or INTERNAL_ERROR_MESSAGE)


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    return _detail(503, str(exc))


_FIELD_NAMES = {
    "question": "问题",
    "history": "对话历史",
    "role": "角色",
    "content": "内容",
    "mode": "模式",
    "text": "正文",
    "rating": "评价",
    "comment": "备注",
    "messages": "消息",
}


def _describe(error: dict[str, Any]) -> str:
    """One Chinese sentence for one pydantic error (only the kinds a client realistically hits)."""
    kind = error.get("type", "")
    loc: Sequence[Any] = error.get("loc", ())
    field = next((str(p) for p in reversed(loc) if isinstance(p, str) and p != "body"), "")
    name = _FIELD_NAMES.get(field, field or "请求体")
    ctx = error.get("ctx") or {}
    if kind == "json_invalid":
        return "请求体不是有效的 JSON。"
    if kind == "missing":
        return f"缺少字段：{name}。"
    if kind == "extra_forbidden":
        return f"不支持的字段：{field}。"
    if kind == "string_too_short" and field == "question":
        return "问题不能为空。"
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length", "")
        unit = "字" if kind == "string_too_long" else "条"
        return f"{name}过长（最多 {limit} {unit}）。"
    if kind == "literal_error" and field == "role":
        return "对话历史中的角色只能是 user 或 assistant。"
    return f"{name}格式不正确。"


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    """422 with a readable Chinese `detail` plus the machine-readable errors (without inputs).

    The default FastAPI body echoes the submitted input, which can be a 2,000-character
    question; we keep only location, type and message.
    """
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    summary = "；".join(dict.fromkeys(_describe(e) for e in errors)) or "请求格式不正确。"
    slim = [{"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")} for e in errors]
    return JSONResponse(status_code=422, content={"detail": summary, "errors": slim})


class CatchAllMiddleware:
    """Turn any unhandled exception into a generic 500 JSON body and log the traceback once.

    A plain `exception_handler(Exception)` would run in Starlette's ServerErrorMiddleware,
    which re-raises afterwards (double logging, and TestClient would raise); catching here,
    inside it, keeps the response and the log under our control.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # too late to send a clean 500; let the server close the connection
                raise
            body = json.dumps({"detail": INTERNAL_ERROR_MESSAGE}, ensure_ascii=False).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


def install_error_handlers(app: FastAPI) -> None:
    """Register every error mapping on `app`."""
    for cls in USER_ERRORS:
        app.add_exception_handler(cls, _user_error)
    app.add_exception_handler(AssistantUnavailableError, _unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(CatchAllMiddleware)
