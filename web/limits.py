"""A request-body limit applied before anything parses the body.

FastAPI reads and parses a JSON body in full before validation, so a 99 MB `/api/ask` body used
to cost about 1 GB of memory before its 422. This middleware answers 413 as soon as the declared
`Content-Length` or the bytes actually received pass the limit, and never holds more than the
limit in memory: JSON endpoints get POLICYQA_MAX_BODY_KB, document uploads POLICYQA_MAX_UPLOAD_MB
(plus room for multipart headers). The body it has read is replayed to the app unchanged.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PREFIX = "/api/documents"
MULTIPART_ALLOWANCE = 64 * 1024  # boundaries and part headers around an uploaded file


def too_large_message(limit: int) -> str:
    size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return f"请求内容过大（上限 {size}），请精简后再提交。"


async def send_json(send: Send, status: int, detail: str, extra: list[tuple[bytes, bytes]] = ()) -> None:
    """A complete JSON error response `{"detail": ...}` sent straight from a middleware."""
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """413 for bodies over the limit; smaller bodies are buffered (at most `limit`) and replayed."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_upload = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        upload = path.startswith(UPLOAD_PREFIX)
        shown = self.max_upload if upload else self.max_body
        limit = shown + MULTIPART_ALLOWANCE if upload else shown
        declared = next((v for k, v in scope.get("headers") or () if k.lower() == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await send_json(send, 413, too_large_message(shown))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            part = message.get("body", b"")
            size += len(part)
            if size > limit:
                await send_json(send, 413, too_large_message(shown))
                return
            chunks.append(part)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
