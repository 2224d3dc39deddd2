"""normalize_text / fold_for_match and offline token counting."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ingestion import count_tokens, fold_for_match, normalize_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("統計時間", "统计时间"),
        ("醫療費用報銷比例９０％", "医疗费用报销比例90%"),
        ("ＡＢＣ　１２３", "ABC 123"),
        ("  多个\n\t空白  ", "多个 空白"),
        ("", ""),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_fold_for_match_removes_spaces() -> None:
    assert fold_for_match("不超過 １０ ％") == "不超过10%"


def test_count_tokens_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken.registry

    from ingestion import tokens

    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(tokens, "CACHE_DIR", tmp_path / "tiktoken")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "unused"))
    monkeypatch.delitem(tiktoken.registry.ENCODINGS, "cl100k_base", raising=False)
    tokens.get_encoding.cache_clear()
    try:
        assert count_tokens("hello world") == 2
        assert count_tokens("") == 0
        assert count_tokens("贫困人口住院合规费用自付比不超10%") > 5
        assert any((tmp_path / "tiktoken").iterdir())
    finally:
        tokens.get_encoding.cache_clear()
