"""jieba's part-of-speech HMM decoder, vectorised with numpy, giving exactly jieba's result.

Why: `jieba.posseg` tags runs of characters its dictionary does not know (new place names, mostly) with a
pure-Python Viterbi over 256 (position, tag) states: about a millisecond for a new question and most of
the tagging time at ingest. This is the same recurrence on the same float64 numbers, added in the same
order, with `max`'s tie-break (the larger state tuple wins among equal scores) kept, so every tag is
identical (tested against jieba's own decoder on the bundled corpus and on random text).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

MIN_FLOAT = -3.14e100  # jieba's log-probability of an emission it never saw


class PosViterbi:
    """Callable with jieba's `viterbi(obs, states, start_p, trans_p, emit_p)` signature for its tables."""

    def __init__(self, char_states: dict[str, Any], start_p: dict, trans_p: dict, emit_p: dict) -> None:
        self.tables = (char_states, start_p, trans_p, emit_p)
        self.order = sorted(trans_p)  # ascending tuple order: the last of equal maxima is `max`'s pick
        index = {s: i for i, s in enumerate(self.order)}
        n = len(self.order)
        self.trans = np.full((n, n), -np.inf)
        self.allowed = np.zeros((n, n), dtype=bool)
        for a, row in trans_p.items():
            for b, p in row.items():
                self.trans[index[a], index[b]] = p
                self.allowed[index[a], index[b]] = True
        self.has_next = self.allowed.any(axis=1)
        self.start = np.asarray([start_p[s] for s in self.order], dtype=np.float64)
        self._emit_p = emit_p
        self._index = index
        self._char_states = char_states
        self.emit = lru_cache(maxsize=8192)(self._emit)
        self.candidates = lru_cache(maxsize=8192)(self._candidates)

    def _emit(self, ch: str) -> np.ndarray:
        out = np.asarray([self._emit_p[s].get(ch, MIN_FLOAT) for s in self.order], dtype=np.float64)
        out.flags.writeable = False  # cached and shared by every call
        return out

    def _candidates(self, ch: str) -> np.ndarray:
        """States the character may take (all states for a character jieba has no entry for)."""
        mask = np.zeros(len(self.order), dtype=bool)
        states = self._char_states.get(ch)
        if states is None:
            mask[:] = True
        else:
            mask[[self._index[s] for s in states]] = True
        mask.flags.writeable = False  # cached and shared by every call
        return mask

    def __call__(self, obs: str, states: Any, start_p: Any, trans_p: Any, emit_p: Any) -> tuple[float, list]:
        if any(a is not b for a, b in zip((states, start_p, trans_p, emit_p), self.tables, strict=True)):
            # other tables than the ones this was built for: jieba's own code
            from jieba.posseg.viterbi import viterbi

            return viterbi(obs, states, start_p, trans_p, emit_p)
        idx = np.flatnonzero(self.candidates(obs[0]))
        val = self.start[idx] + self.emit(obs[0])[idx]
        steps: list[tuple[np.ndarray, np.ndarray]] = []  # per later character: its states, their predecessors
        for ch in obs[1:]:
            keep = self.has_next[idx]
            prev, prev_val = idx[keep], val[keep]
            expect = self.allowed[prev].any(axis=0)
            mask = self.candidates(ch) & expect
            if not mask.any():
                mask = expect if expect.any() else np.ones_like(expect)
            ys = np.flatnonzero(mask)
            scores = prev_val[:, None] + self.trans[np.ix_(prev, ys)]
            scores += self.emit(ch)[ys][None, :]
            pick = len(prev) - 1 - np.argmax(scores[::-1], axis=0)  # the last maximum: the larger state
            steps.append((ys, prev[pick]))
            idx, val = ys, scores[pick, np.arange(len(ys))]
        last = len(idx) - 1 - int(np.argmax(val[::-1]))
        prob, state = float(val[last]), int(idx[last])
        route: list[Any] = [None] * len(obs)
        for i in range(len(obs) - 1, 0, -1):
            route[i] = self.order[state]
            ys, preds = steps[i - 1]
            state = int(preds[np.searchsorted(ys, state)])
        route[0] = self.order[state]
        return prob, route


def install(posseg: Any) -> None:
    """Make `jieba.posseg` decode with `PosViterbi` (it calls its module-level name `viterbi`)."""
    if not isinstance(posseg.viterbi, PosViterbi):
        posseg.viterbi = PosViterbi(posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)
