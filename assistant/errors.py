"""One small error hierarchy; edges (CLI, web) translate it once into exit codes and HTTP statuses."""

from __future__ import annotations

from index.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError, IndexStoreError

__all__ = [
    "USER_ERRORS",
    "AssistantError",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexNotBuiltError",
    "IndexStoreError",
    "InvalidQuestionError",
    "ModelUnavailableError",
]


class AssistantError(Exception):
    """Base class: the message is safe to show a user (Chinese where a worker reads it)."""


class InvalidQuestionError(AssistantError):
    """The question is empty or too long."""


class ModelUnavailableError(AssistantError):
    """A configured model backend cannot be loaded or reached."""


# Everything whose message may be shown to a user as is (the index errors come from the lower layer).
USER_ERRORS: tuple[type[Exception], ...] = (AssistantError, IndexStoreError)
