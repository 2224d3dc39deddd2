"""Substring tests against the whole corpus text, answered from a bigram index.

The question analysis asks several times per question whether a word occurs anywhere in the corpus
(is 火星县 a name the documents use?). `word in text` scans the whole corpus (~0.4 ms each for CJK
text); looking up the word's rarest character bigram and comparing only at its positions is exact and
takes microseconds.
"""

from __future__ import annotations

from collections import defaultdict


class CorpusText:
    """The normalised corpus text with `in` answered via the positions of each character bigram."""

    def __init__(self, text: str) -> None:
        self.text = text
        positions: defaultdict[str, list[int]] = defaultdict(list)
        for i in range(len(text) - 1):
            positions[text[i : i + 2]].append(i)
        self._positions = dict(positions)

    def __contains__(self, word: str) -> bool:
        if len(word) < 2:
            return word in self.text
        best: list[int] | None = None
        offset = 0
        for j in range(len(word) - 1):
            found = self._positions.get(word[j : j + 2])
            if found is None:
                return False
            if best is None or len(found) < len(best):
                best, offset = found, j
        assert best is not None
        return any(self.text.startswith(word, i - offset) for i in best if i >= offset)
