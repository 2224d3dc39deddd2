"""Errors of the index layer; messages tell the user what to do next."""

from __future__ import annotations


class IndexStoreError(Exception):
    """Base class for problems with the index on disk."""


class IndexNotBuiltError(IndexStoreError):
    """No index yet: run `policyqa ingest`."""


class IndexMismatchError(IndexStoreError):
    """The index was built with another embedder or chunker than the one configured."""


class IndexCorruptError(IndexStoreError):
    """A file of the index is missing, truncated or altered since it was written."""
