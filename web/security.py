"""Per-client rate limiting of the ask endpoints and opt-in CORS.

A token bucket per client IP keeps one noisy client from starving the shared embedder; CORS stays
closed (no middleware, no headers) unless POLICYQA_CORS_ORIGINS names the allowed origins.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from assistant.settings import Settings

RATE_LIMITED_MESSAGE = "请求过于频繁，请稍后再试。"
LIMITED_PREFIXES = ("/api/ask", "/v1/chat/completions")
MAX_CLIENTS = 10_000  # buckets kept; the least recently seen client is forgotten first


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
    """429 with a Chinese message and Retry-After once a client's bucket for the ask endpoints is empty."""

    def __init__(self, app: ASGIApp, per_minute: float, burst: int) -> None:
        self.app = app
        self.bucket = TokenBucket(per_minute / 60.0, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(LIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.bucket.take(client)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": RATE_LIMITED_MESSAGE}, ensure_ascii=False).encode()
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(max(1, math.ceil(wait))).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def install_security(app: FastAPI, settings: Settings | None) -> None:
    """Register the rate limiter (unless rate_limit_per_minute is 0) and CORS (only if origins are set)."""
    s = settings if settings is not None else Settings()
    if s.rate_limit_per_minute > 0:
        app.add_middleware(RateLimitMiddleware, per_minute=s.rate_limit_per_minute, burst=s.rate_limit_burst)
    origins = [o.strip() for o in (s.cors_origins or "").split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE", "PUT"],
            allow_headers=["Content-Type", "Authorization", "X-Admin-Token"],
        )
