"""JSONL (de)serialisation of paragraphs and chunks: plain JSON on disk, validated on the way in."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

from ingestion.models import Chunk, Paragraph

T = TypeVar("T", Paragraph, Chunk)


def write_jsonl(path: Path, records: Iterable[Paragraph | Chunk]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


# Values many records repeat (every paragraph of an article has its file, title and headings): one shared
# object per distinct value instead of one per record.
_SHARED = ("source_file", "article_title", "heading_path", "context", "places", "years", "quarantine")
_TUPLES = ("heading_path", "paragraph_ids", "places", "years")
_SAME_AS_TEXT = ("original", "search_text")  # often equal to `text`: the same string object then


def _build(cls: type[T], row: dict[str, Any], shared: dict[Any, Any] | None = None) -> T:
    names = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in row.items() if k in names}
    for key in _TUPLES:
        if key in kwargs:
            kwargs[key] = tuple(kwargs[key])
    if shared is not None:
        for key in _SHARED:
            if key in kwargs:
                kwargs[key] = shared.setdefault(kwargs[key], kwargs[key])
        text = kwargs.get("text")
        for key in _SAME_AS_TEXT:
            if key in kwargs and kwargs[key] == text:
                kwargs[key] = text
    return cls(**kwargs)


def read_jsonl(path: Path, cls: type[T]) -> list[T]:
    """All records of a file; equal repeated values share one object (a 1M-chunk index holds ~2M
    records, and per-record copies of titles, headings and identical text forms cost GBs)."""
    out: list[T] = []
    shared: dict[Any, Any] = {}
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(_build(cls, json.loads(line), shared))
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{path.name} line {lineno}: {exc}") from exc
    return out
