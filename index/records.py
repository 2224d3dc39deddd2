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


def _build(cls: type[T], row: dict[str, Any]) -> T:
    names = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in row.items() if k in names}
    for key in ("heading_path", "paragraph_ids", "places", "years"):
        if key in kwargs:
            kwargs[key] = tuple(kwargs[key])
    return cls(**kwargs)


def read_jsonl(path: Path, cls: type[T]) -> list[T]:
    out: list[T] = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(_build(cls, json.loads(line)))
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{path.name} line {lineno}: {exc}") from exc
    return out
