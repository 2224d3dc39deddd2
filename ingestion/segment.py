"""Chinese word segmentation (jieba), loaded once per process, quietly, and shared by every layer."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_lock = threading.Lock()
_jieba: Any = None


def jieba_module() -> Any:
    """The initialised `jieba` module (its dictionary loads on first use; a lock keeps that single)."""
    global _jieba
    with _lock:
        if _jieba is None:
            import jieba
            import jieba.posseg

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba


def posseg() -> Any:
    """`jieba.posseg`, for part-of-speech tags (`ns` = place name)."""
    return jieba_module().posseg


class SegmentMemo:
    """A segmentation remembered per text block: jieba cuts a text into runs of CJK/alphanumerics
    (blocks) and segments each on its own, so a text's result is the concatenation of its blocks'.
    Blocks are seeded from the index version (cut at ingest) or kept in a bounded LRU, so answers built
    from corpus clauses, and letters quoting them, are not re-tagged either."""

    def __init__(self, fn: Callable[[str], tuple[Any, ...]], blocks: Callable[[], re.Pattern[str]]) -> None:
        self._fn = fn
        self._pattern = blocks  # the library's own block pattern (one capturing group), resolved once
        self._compiled: re.Pattern[str] | None = None
        self._lru = lru_cache(maxsize=1 << 16)(fn)
        self._seeded: dict[str, tuple[Any, ...]] = {}

    def __call__(self, text: str) -> tuple[Any, ...]:
        out: list[Any] = []
        for i, part in enumerate(self._blocks().split(text)):
            if not part:
                continue
            if i % 2:  # a captured block
                hit = self._seeded.get(part)
                out.extend(hit if hit is not None else self._lru(part))
            else:  # punctuation and spaces: cheap, never cached
                out.extend(self._fn(part))
        return tuple(out)

    def _blocks(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = self._pattern()
        return self._compiled

    def blocks(self, text: str) -> list[str]:
        """The blocks of a text that the memo stores (what ingest seeds)."""
        return [part for i, part in enumerate(self._blocks().split(text)) if i % 2 and part]

    def seed(self, entries: dict[str, tuple[Any, ...]]) -> None:
        """Replace the seeded blocks (a new index version brings its own)."""
        self._seeded = entries


def _pos_words(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.word, p.flag) for p in posseg().cut(text))


def _search_words(text: str) -> tuple[str, ...]:
    return tuple(jieba_module().lcut_for_search(text))


# Segmentation is a pure function of the text (no user dictionary is ever added).
pos_words = SegmentMemo(_pos_words, lambda: posseg().re_han_internal)  # (word, POS flag) pairs
search_words = SegmentMemo(_search_words, lambda: jieba_module().re_han_default)  # search-mode words
