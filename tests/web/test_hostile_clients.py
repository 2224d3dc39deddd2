"""Hostile clients get clear Chinese 4xx answers, never 500s, and cannot exhaust memory or disk."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.settings import Settings
from web.app import create_app
from web.clientip import client_address, parse_networks

TOKEN = "s3cret-token"
CJK = ("\u4e00", "\u9fff")


def _chinese(text: str) -> bool:
    return any(CJK[0] <= ch <= CJK[1] for ch in text)


def _settings(tmp_path: Path, **kw: Any) -> Settings:
    (tmp_path / "corpus").mkdir(exist_ok=True)
    base: dict[str, Any] = {
        "corpus_dir": tmp_path / "corpus",
        "index_dir": tmp_path / "index",
        "feedback_db": tmp_path / "feedback.sqlite3",
        "admin_token": TOKEN,
        "rate_limit_per_minute": 0,
    }
    return Settings(**(base | kw))


@pytest.fixture
def make_client(fake, tmp_path: Path):  # type: ignore[no-untyped-def]
    opened: list[TestClient] = []

    def make(**kw: Any) -> TestClient:
        c = TestClient(create_app(_settings(tmp_path, **kw), assistant=fake), raise_server_exceptions=False)
        opened.append(c.__enter__())
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


ADMIN = {"Authorization": f"Bearer {TOKEN}"}


# ---- body limit -----------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_before_parsing(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(max_body_kb=64)
    big = json.dumps({"question": "住院" * 50_000}).encode()
    r = client.post("/api/ask", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert "64 KB" in r.json()["detail"] and _chinese(r.json()["detail"])


def test_a_chunked_body_over_the_limit_is_refused(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(max_body_kb=64)
    chunks = (b" " * 65536 for _ in range(10))  # no Content-Length: counted while read
    r = client.post("/api/ask", content=chunks, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and _chinese(r.json()["detail"])


# ---- feedback -------------------------------------------------------------------------------

FEEDBACK = {"rating": "down", "question": "住院报销比例是多少？", "answer": "报销比例达到90%[1]。"}


def test_feedback_fields_are_bounded(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    huge_citation = {"n": 1, "paragraph_id": "p1", "source_file": "a.txt", "text": "字" * 100_000}
    r = client.post("/api/feedback", json=FEEDBACK | {"citations": [huge_citation]})
    assert r.status_code == 422
    assert "正文过长" in r.json()["detail"]
    many = [{"n": i + 1, "paragraph_id": f"p{i}", "source_file": "a.txt"} for i in range(50)]
    r = client.post("/api/feedback", json=FEEDBACK | {"citations": many})
    assert r.status_code == 422 and "引用来源过长" in r.json()["detail"]
    r = client.post("/api/feedback", json=FEEDBACK | {"comment": "很" * 2001})
    assert r.status_code == 422 and "备注过长" in r.json()["detail"]


def test_feedback_store_has_a_total_cap(make_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = make_client(feedback_max_mb=1)
    statuses = []
    for _ in range(40):  # about 60 KB a row: the cap is reached after ~17 rows
        statuses.append(client.post("/api/feedback", json=FEEDBACK | {"answer": "答" * 20_000}).status_code)
    assert 201 in statuses and statuses[-1] == 409
    assert set(statuses) == {201, 409}
    r = client.post("/api/feedback", json=FEEDBACK)
    assert r.status_code == 409 and "上限" in r.json()["detail"]
    assert (tmp_path / "feedback.sqlite3").stat().st_size < 1.2 * 1024 * 1024


def test_feedback_export_streams(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    for i in range(3):
        assert client.post("/api/feedback", json=FEEDBACK | {"question": f"问题{i}"}).status_code == 201
    r = client.get("/api/feedback/export.jsonl", headers=ADMIN)
    assert r.status_code == 200
    assert [json.loads(line)["question"] for line in r.text.splitlines()] == ["问题0", "问题1", "问题2"]


# ---- rate limits ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/reply", {"question": "住院报销比例是多少？"}), ("/api/feedback", FEEDBACK)],
)
def test_reply_and_feedback_are_rate_limited(make_client, path: str, body: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    client = make_client(rate_limit_per_minute=60, rate_limit_burst=20)
    codes = [
        client.post(path, json=body, headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code
        for i in range(40)
    ]
    assert codes[:20] == [codes[0]] * 20 and codes[0] in (200, 201)
    assert codes.count(429) >= 19  # a forged X-Forwarded-For does not buy a fresh bucket
    r = client.post(path, json=body)
    assert r.status_code == 429 and "频繁" in r.json()["detail"] and int(r.headers["retry-after"]) >= 1


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    scope = {"client": ("10.1.2.3", 5000), "headers": [(b"x-forwarded-for", b"203.0.113.9, 10.1.2.4")]}
    assert client_address(scope, ()) == "10.1.2.3"
    trusted = parse_networks("10.1.0.0/16")
    assert client_address(scope, trusted) == "203.0.113.9"
    assert client_address({**scope, "client": ("198.51.100.7", 1)}, trusted) == "198.51.100.7"
    assert Settings().trusted_proxies is None


# ---- no 500s, Chinese 4xx -------------------------------------------------------------------


def test_lone_surrogates_are_422_everywhere(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    raw = '{"question": "\\ud800住院"}'.encode()
    r = client.post("/api/ask", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "问题" in r.json()["detail"]
    v1 = b'{"messages": [{"role": "user", "content": "\\ud800"}]}'
    r = client.post("/v1/chat/completions", content=v1, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "消息内容" in r.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/api/ask", {}),
        ("GET", "/no/such/page", {}),
        ("POST", "/api/ask", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
        ("POST", "/api/ask", {"json": []}),
        ("POST", "/api/ask", {"json": {"question": "住院", "history": [{"role": "x", "content": 1}]}}),
        ("POST", "/v1/chat/completions", {"json": {"messages": [{"role": "user", "content": 5}]}}),
        ("POST", "/api/feedback", {"json": {"rating": "meh"}}),
        ("GET", "/api/feedback?limit=0", {"headers": ADMIN}),
    ],
)
def test_every_4xx_message_is_chinese_and_names_no_type(make_client, method, path, kwargs) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    r = client.request(method, path, **kwargs)
    assert 400 <= r.status_code < 500
    detail = r.json()["detail"]
    assert _chinese(detail), detail
    assert not any(word in detail for word in ("list[", "dict[", "str", "int", "Not Found", "Method")), detail


def test_control_characters_and_bidi_overrides_are_removed_from_the_question(make_client, fake) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    r = client.post("/api/reply", json={"question": "\x1b[31m住院\u202e报销\x07比例是多少？\x1b[0m"})
    assert r.status_code == 200
    assert fake.calls[-1][0] == "住院报销比例是多少？"


# ---- uploads --------------------------------------------------------------------------------

TEXT = "一、医疗保障\n建档立卡贫困人口住院费用报销比例达到90%。\n".encode()


def test_a_curl_F_upload_stores_the_file_itself(make_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    r = client.put("/api/documents/a.txt", files={"file": ("a.txt", TEXT, "text/plain")}, headers=ADMIN)
    assert r.status_code == 201, r.text
    assert (tmp_path / "corpus" / "a.txt").read_bytes() == TEXT
    r = client.post("/api/documents", files={"file": ("政策.txt", TEXT, "text/plain")}, headers=ADMIN)
    assert r.status_code == 201 and r.json()["source_file"] == "政策.txt"
    assert (tmp_path / "corpus" / "政策.txt").read_bytes() == TEXT


def test_names_are_nfkc_normalised_and_look_alikes_refused(make_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    r = client.put("/api/documents/ｒｅｐｏｒｔ.txt", content=TEXT, headers=ADMIN)
    assert r.status_code == 201 and r.json()["source_file"] == "report.txt"
    for twin in ("rероrt.txt", "REPORT.txt", "rep0rt.txt"):  # Cyrillic е/о, case, zero for o
        r = client.put(f"/api/documents/{twin}", content=TEXT, headers=ADMIN)
        assert r.status_code == 409 and "report.txt" in r.json()["detail"], twin
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["report.txt"]


def test_over_long_names_are_422_not_500(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    name = "政" * 100 + ".txt"  # 304 bytes
    for method in ("PUT", "DELETE"):
        r = client.request(method, f"/api/documents/{name}", content=TEXT, headers=ADMIN)
        assert r.status_code == 422 and "文件名过长" in r.json()["detail"], (method, r.text)


def test_admin_actions_are_logged_without_the_token(make_client, caplog) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    with caplog.at_level(logging.INFO, logger="policyqa.admin"):
        client.put("/api/documents/a.txt", content=TEXT, headers=ADMIN)
        client.delete("/api/documents/a.txt", headers=ADMIN)
        client.delete("/api/documents/a.txt", headers={"Authorization": "Bearer wrong"})
    lines = [r.getMessage() for r in caplog.records if r.name == "policyqa.admin"]
    assert any("action=upload" in m and "result=ok" in m and "client=testclient" in m for m in lines), lines
    assert any("action=delete" in m and "result=ok" in m for m in lines), lines
    assert any("action=auth" in m and "refused 401" in m for m in lines), lines
    assert all(TOKEN not in m and "wrong" not in m for m in lines)


# ---- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/static/chat.js", "/healthz"])
def test_security_headers(make_client, path: str) -> None:  # type: ignore[no-untyped-def]
    r = make_client().get(path)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
