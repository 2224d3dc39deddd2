"""The routers of the web chat's feature endpoints (issue 5), included by `create_app`."""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter

from web.answers import router as answers
from web.discover import router as discover
from web.feedback import router as feedback
from web.library import router as library
from web.openai_api import router as openai_api
from web.reindex import router as reindex

WEB_ROUTERS: tuple[APIRouter, ...] = (answers, library, reindex, feedback, openai_api, discover)


def warm_up(assistant: Any) -> None:
    """Run one retrieval so the embedder's lazy model load happens at startup, not on a user's question."""
    search = getattr(assistant, "search", None)
    if search is None:
        return
    t0 = time.perf_counter()
    try:
        search("医疗保障政策", 1)
    except Exception:  # a failed warm-up must not stop the server; the real question will report it
        logging.getLogger(__name__).warning("warm-up search failed", exc_info=True)
        return
    logging.getLogger(__name__).info("warm-up search took %.2f s", time.perf_counter() - t0)
