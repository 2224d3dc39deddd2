"""`python -m web`: serve the chat page on the configured host and port."""

from __future__ import annotations

import uvicorn

from assistant.settings import Settings
from web.app import create_app


def main() -> None:
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
