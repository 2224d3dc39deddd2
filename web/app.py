"""FastAPI application factory.

Importing this module must stay cheap: the assistant (embedding model, index) is built in
the lifespan, and `assistant.factory` is imported only there. If building fails with a
user-facing error (AssistantError or IndexStoreError; typically: no index yet) the app
still starts, so the page and /healthz can tell the user what to do, and API calls get a
503 with that message.

Run with: `uvicorn web.app:create_app --factory`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from assistant.settings import Settings
from web.answer_slots import answer_slots
from web.deps import AssistantLike
from web.errors import (
    INTERNAL_ERROR_MESSAGE,
    USER_ERRORS,
    install_error_handlers,
    strip_paths,
    unavailable_message,
)
from web.keepalive import RecycleConnectionsMiddleware
from web.reload import IndexWatcher, Rebuild, default_reload, loaded_version, worker_id
from web.routes import router
from web.security import install_security
from web.web_routers import WEB_ROUTERS, warm_up
from web.worker_load import open_board

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"

AssistantFactory = Callable[[Settings], AssistantLike]


def _default_factory(settings: Settings) -> AssistantLike:
    """Import lazily: the factory pulls in models and the index."""
    from assistant.factory import build_assistant

    return build_assistant(settings)


def _build(app: FastAPI, settings: Settings | None, factory: AssistantFactory) -> None:
    """Build the assistant once; on a user-facing error (e.g. no index) record a Chinese reason
    for the 503s instead of crashing, so the page and /healthz can still explain it."""
    try:
        app.state.assistant = factory(settings if settings is not None else Settings())
        app.state.assistant_error = None
        warm_up(app.state.assistant)  # the first user should not wait for the model to load
    except USER_ERRORS as exc:
        logger.error("assistant unavailable, serving 503 on API calls: %s", exc)
        app.state.assistant = None
        app.state.assistant_error = (
            unavailable_message(exc) or strip_paths(str(exc)) or INTERNAL_ERROR_MESSAGE
        )


def _reloader(factory: AssistantFactory | None) -> Rebuild:
    """How a worker reloads after a swap: reuse the loaded embedder, unless a test replaced the factory."""
    if factory is None:
        return default_reload
    return lambda settings, _current: factory(settings)


def create_app(
    settings: Settings | None = None,
    assistant: AssistantLike | None = None,
    *,
    assistant_factory: AssistantFactory | None = None,
) -> FastAPI:
    """Build the app. Pass `assistant` (tests, CLI) to skip building one from `settings`;
    `assistant_factory` replaces `assistant.factory.build_assistant` (tests)."""
    factory = assistant_factory or _default_factory

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watcher = None
        if app.state.assistant is None:  # built here, so followed here: other workers may swap the index
            s = settings if settings is not None else Settings()
            watcher = IndexWatcher(app, s, s.index_poll_seconds, _reloader(assistant_factory))
            _build(app, s, factory)
            logger.info(
                "worker %s (pid %d) serving index version %s",
                worker_id(), os.getpid(), loaded_version(app.state.assistant),
            )  # fmt: skip
            if s.index_poll_seconds > 0:
                watcher.start()
        try:
            yield
        finally:
            if watcher is not None:
                watcher.stop()

    app = FastAPI(title="政策问答", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.state.assistant = assistant
    app.state.assistant_error = None
    app.state.settings = settings
    install_error_handlers(app)
    install_security(app, settings)  # rate limit + opt-in CORS (issue 6)
    conf = settings if settings is not None else Settings()
    app.state.answer_slots = answer_slots(conf)  # web/answer_slots.py
    board = open_board(conf.worker_load_file)  # set by `policyqa serve` for its workers
    app.add_middleware(RecycleConnectionsMiddleware, max_requests=conf.keepalive_requests, board=board)
    app.include_router(router)
    for extra in WEB_ROUTERS:  # streaming, reply drafting, library, feedback, OpenAI facade
        app.include_router(extra)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        """The chat page (plain HTML, no build step)."""
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """Browsers ask for it by this path whatever the page links."""
        return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon")

    return app
