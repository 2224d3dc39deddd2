"""Chinese word segmentation (jieba), loaded once per process, quietly, and shared by every layer."""

from __future__ import annotations

import logging
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
    """A pure segmentation function remembered per text: entries seeded from the index version (cut
    at ingest, so a question never pays for corpus sentences) plus a bounded LRU for everything else."""

    def __init__(self, fn: Callable[[str], tuple[Any, ...]], maxsize: int = 1 << 16) -> None:
        self._fn = fn
        self._lru = lru_cache(maxsize=maxsize)(fn)
        self._seeded: dict[str, tuple[Any, ...]] = {}

    def __call__(self, text: str) -> tuple[Any, ...]:
        hit = self._seeded.get(text)
        return hit if hit is not None else self._lru(text)

    def seed(self, entries: dict[str, tuple[Any, ...]]) -> None:
        """Replace the seeded entries (a new index version brings its own sentences)."""
        self._seeded = entries


def _pos_words(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.word, p.flag) for p in posseg().cut(text))


def _search_words(text: str) -> tuple[str, ...]:
    return tuple(jieba_module().lcut_for_search(text))


# Segmentation is a pure function of the text (no user dictionary is ever added), and the same corpus
# sentences come back question after question.
pos_words = SegmentMemo(_pos_words)  # (word, part-of-speech flag) pairs of `jieba.posseg`
search_words = SegmentMemo(_search_words)  # `jieba.lcut_for_search` words
