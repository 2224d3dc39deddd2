"""A corrupt, truncated or missing index file is caught at load with a clear message (CLI, web)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from assistant.cli import main
from assistant.factory import run_ingest
from assistant.settings import Settings
from index.errors import IndexCorruptError
from index.store import current_version, load_index
from web.app import create_app


def _flip_byte(f: Path) -> None:
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))


def _files(version: Path) -> list[str]:
    return sorted(str(f.relative_to(version)) for f in version.rglob("*") if f.is_file())


def test_every_index_file_is_checked(settings: Settings) -> None:
    run_ingest(settings, progress=False)
    version = current_version(settings.index_dir)
    names = _files(version)
    assert any(n.startswith("bm25/") for n in names) and "paragraphs.jsonl" in names
    for name in names:
        f = version / name
        original = f.read_bytes()
        for damage in ("flip", "truncate", "delete"):
            if damage == "flip" and original:
                _flip_byte(f)
            elif damage == "truncate":
                f.write_bytes(original[: len(original) // 3])
            else:
                f.unlink()
            with pytest.raises(IndexCorruptError, match="policyqa ingest"):
                load_index(settings.index_dir)
            f.write_bytes(original)
        load_index(settings.index_dir)  # restored: loads again


@pytest.mark.parametrize("pointer", ["", "no-such-version\n", "../../etc\n"])
def test_bad_pointer_is_reported(settings: Settings, pointer: str) -> None:
    run_ingest(settings, progress=False)
    (settings.index_dir / "CURRENT").write_text(pointer, encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="policyqa ingest"):
        load_index(settings.index_dir)


def test_corrupt_index_gives_a_clear_503_and_cli_error(settings: Settings, monkeypatch) -> None:
    run_ingest(settings, progress=False)
    _flip_byte(current_version(settings.index_dir) / "chunks.jsonl")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        health = client.get("/healthz").json()
        assert health["index_loaded"] is False and "policyqa ingest" in health["detail"]
        r = client.post("/api/ask", json={"question": "低保标准是多少？"})
        assert r.status_code == 503 and "policyqa ingest" in r.json()["detail"]
    monkeypatch.setenv("POLICYQA_EMBEDDER", "hashing")
    monkeypatch.setenv("POLICYQA_INDEX_DIR", str(settings.index_dir))
    result = CliRunner().invoke(main, ["ask", "低保标准是多少？"])
    assert result.exit_code == 1 and "损坏" in result.output and "Traceback" not in result.output
    outcome = run_ingest(settings, progress=False)  # re-ingest repairs it; nothing is reused from it
    assert outcome.changes is not None and outcome.changes.reason == "current index is corrupt"
    assert outcome.stats.reused == 0
    load_index(settings.index_dir)
