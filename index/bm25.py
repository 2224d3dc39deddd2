"""BM25 over jieba tokens of the normalised text (bm25s sparse matrices, saved as .npy + JSON)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.npy import header_lock
from ingestion.segment import search_words

_TOKEN_RE = re.compile(r"[\w%.]+", re.UNICODE)
_STOP = {
    "的",
    "了",
    "和",
    "与",
    "及",
    "或",
    "是",
    "在",
    "对",
    "为",
    "等",
    "中",
    "把",
    "被",
    "将",
    "也",
    "都",
    "就",
    "而",
    "并",
    "其",
    "该",
    "此",
    "之",
    "以",
    "于",
    "从",
    "到",
    "由",
    "向",
    "吗",
    "呢",
    "吧",
    "啊",
    "么",
    "什么",
    "多少",
    "怎么",
    "哪些",
    "如何",
    "是否",
    "有",
    "没有",
    "能",
    "可以",
    "要",
}


def tokenize(text: str) -> list[str]:
    """Search-mode jieba words plus single CJK characters of unknown words, minus stop words."""
    return list(_tokens(text))


@lru_cache(maxsize=1 << 16)
def _tokens(text: str) -> tuple[str, ...]:
    """Cached per text: the reader tokenizes the same corpus sentences for question after question."""
    out: list[str] = []
    for tok in search_words(text):
        tok = tok.strip().lower()
        if not tok or tok in _STOP or not _TOKEN_RE.fullmatch(tok):
            continue
        out.append(tok)
    return tuple(out)


class BM25Index:
    """Sparse lexical scores for every chunk; exact figures and place names are where BM25 shines."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._vocab: dict[str, int] = dict(model.vocab_dict)

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        """k1=1.2 (bm25s default 1.5): term repeats in long report chunks saturate sooner (ablation)."""
        import bm25s

        corpus = [tokenize(t) or ["_empty_"] for t in texts]
        model = bm25s.BM25(k1=k1, b=b)
        model.index(corpus, show_progress=False)
        return cls(model)

    def scores(self, query: str) -> np.ndarray:
        toks = [t for t in tokenize(query) if t in self._vocab]
        n = int(self._model.scores["num_docs"])
        if not toks:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self._model.get_scores(toks), dtype=np.float32)

    def save(self, path: Path) -> None:
        self._model.save(str(path), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        """The score matrix is memory-mapped (shared by every server process through the page cache; a
        query reads only its tokens' columns, ~0.5 GB of matrix at 1M chunks is never copied) and handed
        to bm25s as plain ndarray views: np.memmap's subclass overhead doubles scoring time."""
        import bm25s

        with header_lock():  # bm25s calls np.load itself
            model = bm25s.BM25.load(str(path), allow_pickle=False, show_progress=False, mmap=True)
        for key, value in list(model.scores.items()):
            if isinstance(value, np.memmap):
                model.scores[key] = np.asarray(value)
        return cls(model)

    def doc_freq(self) -> dict[str, int]:
        """Documents containing each token, read off the CSC score matrix (one column per token)."""
        indptr = np.asarray(self._model.scores["indptr"])
        counts = np.diff(indptr)
        return {tok: int(counts[i]) for tok, i in self._vocab.items() if i < len(counts)}

    @property
    def n_docs(self) -> int:
        return int(self._model.scores["num_docs"])
