"""The one place where exceptions become HTTP responses.

Every error body is `{"detail": <Chinese message>}` so the chat page can show it as is.
Tracebacks are logged, never sent: assistant messages are written to be user-safe, but
arbitrary exceptions may carry paths, prompts or secrets.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
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
    detail = strip_paths(str(exc).strip())
    if not detail or detail in base:
        return base
    # Index messages usually say what to run already; don't say it twice.
    return detail if "policyqa" in detail else f"{base}（{detail}）"


_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/（）()，,。；;：:'\"“”]+/)+([^\s/（）()，,。；;：:'\"“”]*)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_STATUS_MESSAGES = {
    400: "请求无法解析，请检查请求体的格式。",
    401: "需要身份验证。",
    403: "没有权限执行此操作。",
    404: "未找到请求的地址或资源。",
    405: "该地址不支持这种请求方法。",
    406: "无法提供所要求的响应格式。",
    409: "请求与当前状态冲突。",
    411: "缺少请求体长度。",
    413: "请求内容过大。",
    415: "不支持的内容类型。",
    422: "请求内容无效。",
    429: "请求过于频繁，请稍后再试。",
}


def strip_paths(message: str) -> str:
    """Server paths out of a user-facing message: `/srv/data/index/CURRENT` -> `CURRENT`."""
    return _PATH.sub(lambda m: m.group(1) or "（服务器目录）", message)


def _detail(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": strip_paths(message)}, headers=headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    """Starlette/FastAPI HTTP errors: our Chinese details pass, framework English is translated."""
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) and _CJK.search(exc.detail) else ""
    message = detail or _STATUS_MESSAGES.get(exc.status_code, f"请求无法处理（{exc.status_code}）。")
    return _detail(exc.status_code, message, exc.headers)


async def _user_error(_: Request, exc: Exception) -> JSONResponse:
    """Map the assistant's and the index's user-safe errors to 422 / 503 / 500."""
    if isinstance(exc, InvalidQuestionError):
        return _detail(422, str(exc).strip() or "问题无效，请修改后重试。")
    message = unavailable_message(exc)
    if message is not None:
        logger.warning("assistant unavailable: %r", exc)
        return _detail(503, message)
    # Other user errors are documented as user-safe, so their message may be shown (paths stripped).
    logger.error("assistant error", exc_info=exc)
    return _detail(500, str(exc).strip() or INTERNAL_ERROR_MESSAGE)


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    return _detail(503, str(exc))


_FIELD_NAMES = {
    "question": "问题",
    "history": "对话历史",
    "role": "角色",
    "content": "消息内容",
    "mode": "模式",
    "text": "正文",
    "rating": "评价",
    "comment": "备注",
    "messages": "消息列表",
    "answer": "回答",
    "refused": "是否拒答",
    "citations": "引用来源",
    "n": "引用编号",
    "paragraph_id": "段落编号",
    "source_file": "来源文件",
    "article_title": "文章标题",
    "heading_path": "标题层级",
    "start": "起始位置",
    "end": "结束位置",
    "related": "相关段落",
    "title": "标题",
    "model": "模型",
    "stream": "流式输出",
    "type": "类型",
    "limit": "条数上限",
    "name": "文件名",
}
_PLACES = {"body": "请求体", "query": "查询参数", "path": "地址", "header": "请求头"}


def _field_name(loc: Sequence[Any]) -> tuple[str, str]:
    """(raw field, words for it): the innermost known field of the error location; type tags that
    pydantic puts into union locations (`list[dict[str,any]]`) are never shown."""
    for part in reversed(loc):
        if isinstance(part, str) and part in _FIELD_NAMES:
            return part, _FIELD_NAMES[part]
    where = _PLACES.get(str(loc[0]), "请求") if loc else "请求"
    return "", f"{where}中的某个字段"


def _describe(error: dict[str, Any]) -> str:
    """One Chinese sentence for one pydantic error, naming the field in words."""
    kind = error.get("type", "")
    loc: Sequence[Any] = error.get("loc", ())
    field, name = _field_name(loc)
    ctx = error.get("ctx") or {}
    if kind == "json_invalid":
        return "请求体不是有效的 JSON。"
    if len(loc) == 1 and (kind.startswith("model_") or kind == "dict_type"):
        return "请求体应为 JSON 对象。"
    if kind == "missing":
        return f"缺少{name}。" if field or len(loc) > 1 else "缺少请求体。"
    if kind == "extra_forbidden":
        extra = str(loc[-1]) if loc else ""
        return f"不支持的字段：{extra[:40]}。"
    if kind == "string_too_short" and field == "question":
        return "问题不能为空。"
    if kind in ("string_too_short", "too_short"):
        return f"{name}不能为空。"
    if kind in ("string_too_long", "too_long"):
        limit = ctx.get("max_length", "")
        unit = "字" if kind == "string_too_long" else "条"
        return f"{name}过长（最多 {limit} {unit}）。"
    if kind == "literal_error":
        allowed = str(ctx.get("expected", "")).replace("'", "").replace(" or ", " 或 ")
        return f"{name}只能是 {allowed}。" if allowed else f"{name}的取值不受支持。"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{name}超出允许的范围。"
    if kind == "value_error":
        reason = str(ctx.get("error", "")).strip()
        return f"{name}{reason}。" if reason else f"{name}格式不正确。"
    if kind.startswith(("int_", "float_", "bool_", "string_", "list_", "dict_", "model_")):
        expected = {"int": "整数", "float": "数字", "bool": "是或否", "string": "文本", "list": "列表"}
        return f"{name}应为{expected.get(kind.split('_')[0], '正确的格式')}。"
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
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(CatchAllMiddleware)
