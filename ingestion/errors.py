"""Errors raised by ingestion; callers catch one type and get a readable reason."""

from __future__ import annotations

from pathlib import Path


class DocumentError(Exception):
    """A file could not be turned into a SourceDocument; `reason` says why in plain English."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
