"""A 50 MB body sent to a real server gets 413 without the server's memory growing by 50 MB.

The server runs in this process (uvicorn in a thread), so its RSS is this process's RSS; the client
sends one reused 1 MB buffer over a raw socket, so the client side allocates nothing per chunk.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from assistant.settings import Settings
from web.app import create_app

MB = 1024 * 1024


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@pytest.fixture
def server(fake, tmp_path: Path) -> Iterator[tuple[str, int]]:  # type: ignore[no-untyped-def]
    settings = Settings(corpus_dir=tmp_path, index_dir=tmp_path / "index", rate_limit_per_minute=0)
    config = uvicorn.Config(
        create_app(settings, assistant=fake), host="127.0.0.1", port=0, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not srv.started and time.time() < deadline:
        time.sleep(0.02)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield "127.0.0.1", port
    srv.should_exit = True
    thread.join(5)


def _send(address: tuple[str, int], head: bytes, total: int, chunked: bool) -> tuple[bytes, int]:
    """Send `head` then up to `total` body bytes; returns (response, bytes the server accepted)."""
    block = b" " * MB
    sent = 0
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head)
        try:
            while sent < total:
                sock.sendall(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
                sent += len(block)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:  # the server answered and closed: exactly what we want
            pass
        response = b""
        try:
            while chunk := sock.recv(65536):
                response += chunk
        except OSError:
            pass
    return response, sent


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_50_mb_body_gets_413_without_rss_growing_50_mb(server: tuple[str, int], chunked: bool) -> None:
    total = 50 * MB
    framing = b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: %d\r\n" % total
    head = b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + framing + b"\r\n"
    before = peak = _rss()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        response, sent = _send(server, head, total, chunked)
    finally:
        done.set()
        sampler.join()
    growth = (peak - before) / MB
    print(f"\nbody limit ({'chunked' if chunked else 'content-length'}): sent {sent / MB:.0f} MB, "
          f"RSS growth {growth:.1f} MB")  # fmt: skip
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert "请求内容过大".encode() in response
    assert growth < 50, f"RSS grew by {growth:.1f} MB"
