"""Per-client rate limiting of every endpoint that costs an answer or a write, and opt-in CORS.

A token bucket per client address and cost group keeps one noisy client from starving the shared
embedder or filling the disk: answers (ask, stream, reply, /v1 chat) and writes (feedback, docx,
upload, delete, re-index) each have their own bucket. The client address is the TCP peer, or the
X-Forwarded-For address only behind POLICYQA_TRUSTED_PROXIES (`web.clientip`). With several worker
processes the buckets live in a shared SQLite file (POLICYQA_RATE_LIMIT_DB, `web.shared_limit`).
CORS stays closed (no middleware, no headers) unless POLICYQA_CORS_ORIGINS names the allowed origins.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.settings import Settings
from web.clientip import Network, client_address, parse_networks
from web.headers import SecurityHeadersMiddleware
from web.limits import BodyLimitMiddleware, send_json
from web.shared_limit import SqliteTokenBucket

RATE_LIMITED_MESSAGE = "请求过于频繁，请稍后再试。"
ANSWER_PREFIXES = ("/api/ask", "/api/reply", "/v1/chat/completions")
WRITE_PREFIXES = ("/api/feedback", "/api/documents", "/api/reindex", "/api/reply/docx")
MAX_CLIENTS = 10_000  # buckets kept; the least recently seen client is forgotten first


def cost_group(method: str, path: str) -> str | None:
    """'answer', 'write' or None (free: reads, the page, health)."""
    if method not in ("POST", "PUT", "DELETE", "PATCH"):
        return None
    if path.startswith("/api/reply/docx") or path.startswith(WRITE_PREFIXES):
        return "write"
    if path.startswith(ANSWER_PREFIXES):
        return "answer"
    return None


class TokenBucket:
    """Thread-safe buckets keyed by client: `rate` tokens per second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] | None = None) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock or time.monotonic
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Spend one token; 0.0 if allowed, else the seconds until the next token."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
            return wait


class RateLimitMiddleware:
    """429 with a Chinese message and Retry-After once a client's bucket for that cost group is empty."""

    def __init__(
        self,
        app: ASGIApp,
        per_minute: float,
        burst: int,
        trusted: Sequence[Network] = (),
        shared_db: Path | None = None,
    ) -> None:
        self.app = app
        self.bucket: TokenBucket | SqliteTokenBucket = (
            SqliteTokenBucket(shared_db, per_minute / 60.0, burst)  # several workers: one limit
            if shared_db is not None
            else TokenBucket(per_minute / 60.0, burst)
        )
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        group = (
            cost_group(scope.get("method", ""), scope.get("path", "")) if scope["type"] == "http" else None
        )
        if group is None:
            await self.app(scope, receive, send)
            return
        wait = self.bucket.take(f"{group}:{client_address(scope, self.trusted)}")
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry = str(max(1, math.ceil(wait))).encode()
        await send_json(send, 429, RATE_LIMITED_MESSAGE, [(b"retry-after", retry)])


def install_security(app: FastAPI, settings: Settings | None) -> None:
    """Body limit, rate limiter (unless rate_limit_per_minute is 0), security headers, opt-in CORS.
    Added last = outermost: a 429 costs no body read, and nothing reads a body before its limit."""
    s = settings if settings is not None else Settings()
    app.add_middleware(
        BodyLimitMiddleware, max_body_bytes=s.max_body_kb * 1024, max_upload_bytes=s.max_upload_mb << 20
    )
    if s.rate_limit_per_minute > 0:
        app.add_middleware(
            RateLimitMiddleware,
            per_minute=s.rate_limit_per_minute,
            burst=s.rate_limit_burst,
            trusted=parse_networks(s.trusted_proxies),
            shared_db=s.rate_limit_db,
        )
    app.add_middleware(SecurityHeadersMiddleware)
    origins = [o.strip() for o in (s.cors_origins or "").split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE", "PUT"],
            allow_headers=["Content-Type", "Authorization", "X-Admin-Token"],
        )
