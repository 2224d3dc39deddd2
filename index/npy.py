"""Loading .npy files from several threads without tripping a CPython 3.11 race.

numpy parses every .npy header with ``ast.literal_eval``. CPython 3.11 keeps the AST constructor's
recursion depth in interpreter-wide state, so two threads parsing at once (a thread switch inside
the parse, e.g. a finaliser run by the GC) can fail with ``SystemError: AST constructor recursion
depth mismatch`` (cpython gh-106905, fixed in 3.12.2). Index loads run in request threads, the
re-index thread and reload checks, so every header parse in this package takes one lock. Array data
is read outside it (memory-mapped, then copied when the caller wants RAM).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

_HEADER_LOCK = threading.Lock()


@contextmanager
def header_lock() -> Iterator[None]:
    """Held around third-party loaders (bm25s) that call np.load themselves."""
    with _HEADER_LOCK:
        yield


def load_npy(path: Path, *, mmap: bool = False) -> np.ndarray:
    """A .npy array (never pickled objects): a read-only plain ndarray view of the mapping if ``mmap``,
    else an in-memory copy."""
    with _HEADER_LOCK:
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    view = mapped.view(np.ndarray)  # np.memmap's subclass hooks slow every row lookup
    return view if mmap else np.array(view)
