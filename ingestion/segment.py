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

            from ingestion.pos_viterbi import install

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            install(jieba.posseg)  # the same tags, ~14x faster than jieba's pure-Python decoder
            _jieba = jieba
    return _jieba


def posseg() -> Any:
    """`jieba.posseg`, for part-of-speech tags (`ns` = place name)."""
    return jieba_module().posseg


class SegmentMemo:
    """A segmentation remembered per text block: jieba cuts a text into runs of CJK/alphanumerics
    (blocks) and segments each on its own, so a text's result is the concatenation of its blocks'.
    A block is looked up in a bounded LRU, then in the index version's store (cut at ingest), and only
    then segmented; answers built from corpus clauses, and letters quoting them, hit the store too."""

    def __init__(self, fn: Callable[[str], tuple[Any, ...]], blocks: Callable[[], re.Pattern[str]]) -> None:
        self._fn = fn
        self._pattern = blocks  # the library's own block pattern (one capturing group), resolved once
        self._compiled: re.Pattern[str] | None = None
        self._store: Callable[[str], tuple[Any, ...] | None] | None = None
        self._lru = lru_cache(maxsize=1 << 16)(self._resolve)

    def __call__(self, text: str) -> tuple[Any, ...]:
        out: list[Any] = []
        blocks = self._blocks().split(text)
        for i, part in enumerate(blocks):
            if part:  # captured blocks at odd indices; the punctuation between them is remembered too
                out.extend(self._lru(part, bool(i % 2)))
        return tuple(out)

    def _resolve(self, part: str, block: bool) -> tuple[Any, ...]:
        store = self._store if block else None  # only blocks are stored
        found = store(part) if store is not None else None
        return found if found is not None else self._fn(part)

    def _blocks(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = self._pattern()
        return self._compiled

    def blocks(self, text: str) -> list[str]:
        """The blocks of a text that the memo remembers (what ingest stores)."""
        return [part for i, part in enumerate(self._blocks().split(text)) if i % 2 and part]

    def clear(self) -> None:
        """Forget remembered blocks (tests that attach a made-up store)."""
        self._lru.cache_clear()

    def attach(self, store: Callable[[str], tuple[Any, ...] | None] | None) -> None:
        """Look blocks up in this store (a loaded index version's) before segmenting them. What the LRU
        already holds stays valid: segmentation is a pure function of the block."""
        self._store = store


def _pos_words(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.word, p.flag) for p in posseg().cut(text))


def _search_words(text: str) -> tuple[str, ...]:
    return tuple(jieba_module().lcut_for_search(text))


# Segmentation is a pure function of the text (no user dictionary is ever added).
pos_words = SegmentMemo(_pos_words, lambda: posseg().re_han_internal)  # (word, POS flag) pairs
search_words = SegmentMemo(_search_words, lambda: jieba_module().re_han_default)  # search-mode words


def is_dictionary_word(word: str) -> bool:
    """Whether jieba's dictionary lists the word: a token it did not list was glued by its HMM from
    characters it could not place (率有, 钱能, 天前), which is no word of the question."""
    return bool(jieba_module().dt.FREQ.get(word))
