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


JS_FILES = ("common.js", "feedback.js", "convs.js", "chat.js", "discover.js", "reply.js", "library.js")


def test_static_assets_served(client: TestClient) -> None:
    page = client.get("/").text
    texts = {}
    for name in JS_FILES:
        r = client.get(f"/static/{name}")
        assert r.status_code == 200, name
        assert f'<script src="/static/{name}"' in page
        texts[name] = r.text
    assert "/api/ask/stream" in texts["chat.js"]
    assert "/api/paragraphs/" in texts["common.js"]
    assert "/api/reply/docx" in texts["reply.js"]
    assert "data.related" in texts["reply.js"]  # declined parts: closest paragraphs beside the draft
    assert "/api/documents/" in texts["library.js"]
    for css in ("chat.css", "views.css"):
        assert client.get(f"/static/{css}").status_code == 200
    for label in ("对话", "答复起草", "文档库"):
        assert label in page


def test_js_never_uses_inner_html() -> None:
    """Answers are inserted as text nodes; innerHTML would let document text inject markup."""
    for name in JS_FILES:
        js = (ROOT / "web" / "static" / name).read_text(encoding="utf-8")
        assert "innerHTML" not in js, name
        assert "insertAdjacentHTML" not in js, name
        assert "outerHTML" not in js, name
        assert len(js.splitlines()) < 300, name


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
