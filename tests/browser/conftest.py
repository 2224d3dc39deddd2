"""Browser tests: the real app under uvicorn on a loopback port, driven by Playwright in Debian's chromium.

Playwright's own browser download does not work here, so the tests launch /usr/bin/chromium
(`apt-get install -y chromium`; `.ci/run` does it) and skip when it is missing.
Set PQ_SCREENSHOTS_DIR=docs/screenshots to refresh the README screenshots.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("PQ_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_TOKEN = "browser-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving `app` in a daemon thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = app
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, use_assistant: Any, corpus_dir: Path
) -> Iterator[LiveServer]:
    """The real app over the real USE index of the bundled corpus; corpus and feedback in a temp dir."""
    from assistant.settings import Settings
    from web.app import create_app

    root = tmp_path_factory.mktemp("web")
    corpus = root / "corpus"
    shutil.copytree(corpus_dir, corpus)
    settings = Settings(
        _env_file=None,
        corpus_dir=corpus,
        index_dir=root / "index",  # only a re-index would write here; the tests do not start one
        admin_token=ADMIN_TOKEN,
        feedback_db=root / "feedback.sqlite3",
    )
    with LiveServer(create_app(settings, assistant=use_assistant)) as server:
        yield server


@pytest.fixture(scope="session")
def admin_token() -> str:
    return ADMIN_TOKEN


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright gives every launch a fresh temporary user-data-dir (it refuses --user-data-dir).
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _new_page(browser: Any, live_server: LiveServer, width: int, height: int) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True, locale="zh-CN"
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(15000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # The app sends a strict Content-Security-Policy: anything it blocks is a broken page.
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations: {errors}"


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A desktop-size page in a fresh context (empty localStorage)."""
    yield from _new_page(browser, live_server, 1280, 860)


@pytest.fixture
def phone(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A 375 px wide page, like a phone."""
    yield from _new_page(browser, live_server, 375, 740)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: PQ_SCREENSHOTS_DIR (e.g. docs/screenshots) or a temp dir."""
    target = Path(os.environ.get("PQ_SCREENSHOTS_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target
