"""Rate limit per client, closed CORS by default, constant-time admin token, no secrets in logs."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

import web.deps
from assistant.factory import run_ingest
from assistant.settings import Settings
from web.app import create_app
from web.security import RATE_LIMITED_MESSAGE, TokenBucket

ASK = {"question": "低保标准是多少？"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_refills_per_client() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=1.0, burst=2, clock=clock)
    assert [bucket.take("a") for _ in range(2)] == [0.0, 0.0]
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0.0  # other clients are unaffected
    clock.now = 1.0
    assert bucket.take("a") == 0.0


def test_ask_is_rate_limited_with_a_chinese_429(hashing_assistant) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(rate_limit_per_minute=6, rate_limit_burst=3)
    app = create_app(settings, assistant=hashing_assistant)
    with TestClient(app) as client:
        codes = [client.post("/api/ask", json=ASK).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = client.post("/api/ask", json=ASK)
        assert r.json()["detail"] == RATE_LIMITED_MESSAGE and int(r.headers["retry-after"]) >= 1
        assert client.get("/healthz").status_code == 200  # only the ask endpoints are limited
    with TestClient(app, client=("10.0.0.2", 5000)) as other:
        assert other.post("/api/ask", json=ASK).status_code == 200


def test_cors_is_closed_by_default_and_opt_in(hashing_assistant) -> None:  # type: ignore[no-untyped-def]
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(Settings(), assistant=hashing_assistant)) as client:
        r = client.options("/api/ask", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
        r = client.post("/api/ask", json=ASK, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
    settings = Settings(cors_origins="https://ok.example")
    with TestClient(create_app(settings, assistant=hashing_assistant)) as client:
        ok = client.options("/api/ask", headers=preflight | {"Origin": "https://ok.example"})
        assert ok.headers.get("access-control-allow-origin") == "https://ok.example"
        bad = client.options("/api/ask", headers=preflight)
        assert "access-control-allow-origin" not in bad.headers


def test_admin_token_is_compared_in_constant_time(monkeypatch, hashing_assistant) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple[bytes, bytes]] = []
    real = web.deps.hmac.compare_digest

    def spy(a, b):  # type: ignore[no-untyped-def]
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(web.deps.hmac, "compare_digest", spy)
    settings = Settings(admin_token="right-token")
    with TestClient(create_app(settings, assistant=hashing_assistant)) as client:
        r = client.post("/api/reindex", headers={"Authorization": "Bearer wrong-token"})
        assert r.status_code == 401
    assert calls, "admin token not compared with hmac.compare_digest"


def test_no_secrets_in_logs_or_healthz(tmp_path, small_corpus, caplog) -> None:  # type: ignore[no-untyped-def]
    key, token = "sk-test-SUPERSECRET-4242", "admin-SUPERSECRET-9898"
    settings = Settings(
        corpus_dir=small_corpus,
        index_dir=tmp_path / "index",
        embedder="hashing",
        backend="openai",
        openai_base_url="http://127.0.0.1:9/v1",  # nothing listens: the call fails fast
        openai_api_key=key,
        admin_token=token,
        rate_limit_per_minute=0,
    )
    assert key not in repr(settings) and key not in str(settings.model_dump())
    run_ingest(settings, progress=False)
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        bodies.append(client.get("/healthz").text)
        bodies.append(client.post("/api/ask", json={"question": "住院合规费用自付比不超过多少？"}).text)
        bodies.append(client.post("/api/reindex", headers={"Authorization": "Bearer nope"}).text)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    for secret in (key, token, "SUPERSECRET"):
        assert secret not in logged
        assert all(secret not in b for b in bodies)
