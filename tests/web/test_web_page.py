"""The chat page and its static assets, and that importing the app stays cheap."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


def test_index_serves_chat_page(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<title>政策问答</title>" in r.text
    assert '<script src="/static/chat.js"' in r.text
    assert "新对话" in r.text


def test_static_assets_served(client: TestClient) -> None:
    js = client.get("/static/chat.js")
    assert js.status_code == 200
    assert "/api/ask" in js.text
    assert "/api/paragraphs/" in js.text
    assert client.get("/static/chat.css").status_code == 200


def test_chat_js_never_uses_inner_html() -> None:
    """Answers are inserted as text nodes; innerHTML would let document text inject markup."""
    js = (ROOT / "web" / "static" / "chat.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js
    assert "insertAdjacentHTML" not in js
    assert len(js.splitlines()) < 300


def test_import_does_not_load_models() -> None:
    heavy = ["assistant.factory", "torch", "tensorflow", "sentence_transformers", "transformers", "faiss"]
    code = f"import sys, web.app; print(sorted(set({heavy!r}) & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "[]"
