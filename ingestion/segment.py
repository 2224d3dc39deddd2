"""Chinese word segmentation (jieba), loaded once per process, quietly, and shared by every layer."""

from __future__ import annotations

import logging
import threading
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
