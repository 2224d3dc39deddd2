"""Substring tests against the whole corpus text, answered from a character-bigram index.

The question analysis asks several times per question whether a word occurs anywhere in the corpus
(is 火星县 a name the documents use?). `word in text` reads the whole corpus for a word it lacks: ~0.4 ms
on the bundled corpus, ~300 ms at a million chunks. The index keeps, per character bigram, the sorted
positions where it occurs (numpy, 4 bytes a character); a word occurs at p exactly when each of its
bigrams occurs at p + j, so a lookup intersects a few position arrays, starting from the rarest. It is
built with one in-place sort of packed (bigram, position) keys: ~12 bytes a character at the peak,
~1.2 GB for a 100M-character corpus, where an argsort needed ~28.
"""

from __future__ import annotations

import numpy as np

CHUNK = 1 << 22  # rows handled at a time while packing and unpacking, so no full-size temporary exists


class CorpusText:
    """The normalised corpus text; `word in corpus_text` is exact and does not scan the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        counts = np.bincount(codes) if len(codes) else np.zeros(1, dtype=np.int64)
        present = np.flatnonzero(counts)
        # A character's rank among the corpus's characters: a bigram fits in 2 x ~14 bits, which
        # leaves room for its position in the same uint64, so one in-place sort orders both.
        self._rank = np.full(len(counts), -1, dtype=np.int32)
        self._rank[present] = np.arange(len(present), dtype=np.int32)
        n = max(len(codes) - 1, 0)
        self._char_bits = max(1, len(present).bit_length())
        self._pos_bits = max(1, n.bit_length())
        if 2 * self._char_bits + self._pos_bits > 64:
            raise ValueError(f"corpus text too large to index: {n} characters, {len(present)} distinct")
        ranks = np.empty(len(codes), dtype=np.int32)
        for i in range(0, len(codes), CHUNK):  # fancy indexing would make an int64 copy of all codes
            ranks[i : i + CHUNK] = self._rank[codes[i : i + CHUNK]]
        del codes
        keys = np.empty(n, dtype=np.uint64)
        shift0, shift1 = np.uint64(self._char_bits + self._pos_bits), np.uint64(self._pos_bits)
        for i in range(0, n, CHUNK):
            j = min(i + CHUNK, n)
            keys[i:j] = (ranks[i:j].astype(np.uint64) << shift0) | (
                ranks[i + 1 : j + 1].astype(np.uint64) << shift1
            )
            keys[i:j] |= np.arange(i, j, dtype=np.uint64)
        del ranks
        keys.sort()  # by bigram, then by position
        self._positions = np.empty(n, dtype=np.int32 if n < 2**31 else np.int64)
        mask = np.uint64((1 << self._pos_bits) - 1)
        starts: list[np.ndarray] = []
        previous = None
        for i in range(0, n, CHUNK):
            j = min(i + CHUNK, n)
            block = keys[i:j]
            self._positions[i:j] = block & mask
            bigram = block >> shift1
            changed = np.flatnonzero(bigram[1:] != bigram[:-1]) + 1 + i
            if previous is None or bigram[0] != previous:
                starts.append(np.array([i], dtype=np.int64))
            starts.append(changed.astype(np.int64))
            previous = bigram[-1]
        first = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
        self._bigrams = keys[first] >> shift1
        self._starts = np.concatenate((first, [n])).astype(np.int64)

    def _where(self, bigram: str) -> np.ndarray:
        a, b = ord(bigram[0]), ord(bigram[1])
        if a >= len(self._rank) or b >= len(self._rank) or self._rank[a] < 0 or self._rank[b] < 0:
            return self._positions[:0]
        key = np.uint64((int(self._rank[a]) << self._char_bits) | int(self._rank[b]))
        i = int(np.searchsorted(self._bigrams, key))
        if i == len(self._bigrams) or self._bigrams[i] != key:
            return self._positions[:0]
        return self._positions[self._starts[i] : self._starts[i + 1]]

    def __contains__(self, word: str) -> bool:
        if len(word) < 2:
            return word in self.text
        spans = [(j, self._where(word[j : j + 2])) for j in range(len(word) - 1)]
        spans.sort(key=lambda s: len(s[1]))
        j0, first = spans[0]
        starts = first.astype(np.int64) - j0  # where the word would begin
        for j, where in spans[1:]:
            if not len(starts):
                break
            want = starts + j
            hit = np.searchsorted(where, want)
            hit[hit == len(where)] = 0
            starts = starts[where[hit] == want] if len(where) else starts[:0]
        return bool(len(starts))
