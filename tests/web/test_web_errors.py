"""Startup without an index, and unexpected exceptions: the user sees Chinese, never a traceback."""

from __future__ import annotations

import logging
import sys
import types
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.errors import (
    AssistantError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotBuiltError,
    ModelUnavailableError,
)
from assistant.settings import Settings
from web.app import create_app


def _raise_not_built(settings: Settings) -> Any:
    raise IndexNotBuiltError("data/index 下没有索引")


def _assert_no_traceback(text: str) -> None:
    assert "Traceback" not in text
    assert 'File "' not in text


def test_missing_index_app_starts_and_answers_503() -> None:
    app = create_app(Settings(_env_file=None), assistant_factory=_raise_not_built)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/ask", json={"question": "报销比例？"})
        assert r.status_code == 503
        assert "policyqa ingest" in r.json()["detail"]
        _assert_no_traceback(r.text)

        assert client.get("/api/paragraphs/x-p0001").status_code == 503
        health = client.get("/healthz")
        assert health.status_code == 503  # not ready: a load balancer must not route questions here
        assert health.json()["index_loaded"] is False
        assert "policyqa ingest" in health.json()["detail"]
        assert client.get("/").status_code == 200


def test_default_factory_is_imported_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an injected factory the lifespan imports `assistant.factory.build_assistant`."""
    module = types.ModuleType("assistant.factory")
    module.build_assistant = _raise_not_built  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "assistant.factory", module)
    with TestClient(create_app(Settings(_env_file=None)), raise_server_exceptions=False) as client:
        r = client.post("/api/ask", json={"question": "报销比例？"})
    assert r.status_code == 503
    assert "policyqa ingest" in r.json()["detail"]


def test_factory_builds_once(fake: Any) -> None:
    built: list[Settings] = []

    def factory(settings: Settings) -> Any:
        built.append(settings)
        return fake

    settings = Settings(_env_file=None)
    with TestClient(create_app(settings, assistant_factory=factory)) as client:
        for question in ("报销比例？", "门诊呢？"):
            assert client.post("/api/ask", json={"question": question}).status_code == 200
    assert built == [settings]
    assert len(fake.calls) == 2


def test_unexpected_error_is_generic_500(fake: Any, caplog: pytest.LogCaptureFixture) -> None:
    secret = "secret-api-key-in-/etc/policyqa.env"
    fake.ask_error = RuntimeError(secret)
    with (
        caplog.at_level(logging.ERROR),
        TestClient(create_app(assistant=fake), raise_server_exceptions=False) as client,
    ):
        r = client.post("/api/ask", json={"question": "报销比例？"})
    assert r.status_code == 500
    assert r.json() == {"detail": "服务器内部错误，请稍后再试。"}
    assert secret not in r.text
    assert "RuntimeError" not in r.text
    _assert_no_traceback(r.text)
    # ...but the traceback is logged for the operator.
    assert any(rec.exc_info and secret in str(rec.exc_info[1]) for rec in caplog.records)


@pytest.mark.parametrize(
    "exc",
    [
        IndexNotBuiltError("无索引"),
        IndexMismatchError("嵌入模型不一致"),
        IndexCorruptError("文件被截断"),
        ModelUnavailableError("无法加载模型"),
    ],
)
def test_runtime_unavailable_errors_are_503(fake: Any, exc: Exception) -> None:
    fake.ask_error = exc
    app = create_app(assistant=fake)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/ask", json={"question": "报销比例？"})
    assert r.status_code == 503
    assert str(exc) in r.json()["detail"]
    _assert_no_traceback(r.text)


def test_other_assistant_error_shows_its_message(fake: Any) -> None:
    fake.ask_error = AssistantError("回答生成失败，请稍后再试。")
    with TestClient(create_app(assistant=fake), raise_server_exceptions=False) as client:
        r = client.post("/api/ask", json={"question": "报销比例？"})
    assert r.status_code == 500
    assert r.json() == {"detail": "回答生成失败，请稍后再试。"}


def test_healthz_survives_failing_stats(fake: Any) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("boom")

    fake.stats = broken
    with TestClient(create_app(assistant=fake)) as client:
        r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["index_loaded"] is True
    assert "boom" not in r.text


def test_index_message_that_names_the_fix_is_not_repeated() -> None:
    message = "索引尚未建立（data/index）。请先运行 `policyqa ingest` 建立索引。"

    def factory(settings: Settings) -> Any:
        raise IndexNotBuiltError(message)

    with TestClient(create_app(Settings(_env_file=None), assistant_factory=factory)) as client:
        r = client.post("/api/ask", json={"question": "报销比例？"})
    assert r.status_code == 503
    assert r.json() == {"detail": message}
