"""`python -m web`: serve the chat page on the configured host and port."""

from __future__ import annotations

from assistant.settings import Settings
from web.serve import run


def main() -> None:
    settings = Settings()
    run(settings)


if __name__ == "__main__":
    main()
