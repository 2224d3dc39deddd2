"""Encoding detection for plain-text files (UTF-8/-16 with BOM, GBK/GB18030, Big5, ...)."""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from .errors import DocumentError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf_32"),
    (codecs.BOM_UTF32_BE, "utf_32"),
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)
# Legacy CJK codecs tried in this order when detection is unsure; GB18030 is a GBK superset.
_CJK_FALLBACKS = ("gb18030", "big5")
_MAX_CONTROL_RATIO = 0.02


def _control_ratio(text: str) -> float:
    """Share of C0 control characters other than tab/newline: high means binary data."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bad / len(text)


def _accept(text: str, encoding: str, path: Path) -> tuple[str, str]:
    """Reject binary-looking decodes; strip a stray BOM character."""
    if _control_ratio(text) > _MAX_CONTROL_RATIO or "\x00" in text:
        raise DocumentError(path, "binary content in a text file (not a text document)")
    return text.lstrip("\ufeff"), encoding


def _cjk_ratio(text: str) -> float:
    """Share of common CJK ideographs among non-ASCII characters: wrong codecs score low."""
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return 1.0
    return sum(1 for ch in non_ascii if "\u4e00" <= ch <= "\u9fff") / len(non_ascii)


def decode_text(raw: bytes, path: Path) -> tuple[str, str]:
    """Return (text, encoding name); raise DocumentError for binary or undecodable bytes."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return _accept(raw.decode(encoding), encoding, path)
            except UnicodeDecodeError:
                raise DocumentError(path, f"bytes are not valid {encoding} despite a BOM") from None
    try:
        return _accept(raw.decode("utf-8"), "utf_8", path)
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw).best()
    candidates: list[tuple[str, str]] = []
    if best is not None and best.encoding:
        candidates.append((str(best), best.encoding))
    for encoding in _CJK_FALLBACKS:
        try:
            candidates.append((raw.decode(encoding), encoding))
        except UnicodeDecodeError:
            continue
    if not candidates:
        if b"\x00" in raw:
            raise DocumentError(path, "binary content in a text file (not a text document)")
        raise DocumentError(path, "undecodable bytes: no known text encoding fits")
    # Prefer the detector's answer unless a CJK codec clearly yields more real Chinese text.
    scores = [_cjk_ratio(t) - (0.0 if i == 0 else 0.05) for i, (t, _) in enumerate(candidates)]
    text, encoding = candidates[scores.index(max(scores))]
    return _accept(text, encoding, path)
