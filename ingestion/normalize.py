"""Text folding shared by indexing and querying: one script, half-width forms, tidy spaces."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_WS_RE = re.compile(r"\s+")

# Full-width ASCII block (U+FF01..U+FF5E) maps onto U+0021..U+007E; ideographic space -> space.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_FULLWIDTH[0xFE6A] = ord("%")  # small percent sign
_FOLD_TABLE = str.maketrans(_FULLWIDTH)


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    """Build the OpenCC converter once; construction loads dictionaries and is slow."""
    return opencc.OpenCC("t2s")


def to_simplified(s: str) -> str:
    """Traditional -> simplified Chinese (OpenCC t2s); other characters pass through."""
    return _converter().convert(s) if s else s


def fold_width(s: str) -> str:
    """Fold full-width ASCII letters, digits, punctuation and `％` to half-width."""
    return s.translate(_FOLD_TABLE)


def normalize_text(s: str) -> str:
    """Canonical form for search: simplified script, half-width forms, single spaces."""
    if not s:
        return ""
    return _WS_RE.sub(" ", to_simplified(fold_width(s))).strip()


def fold_for_match(s: str) -> str:
    """normalize_text without any whitespace: used to compare answer strings loosely."""
    return _WS_RE.sub("", normalize_text(s))
