"""Fabricated assistant objects for evals tests."""

from __future__ import annotations

from assistant.models import Answer, Citation
from index.base import SearchHit
from ingestion.models import Chunk


def chunk(source_file: str, start: int, end: int, text: str = "") -> Chunk:
    return Chunk(
        id=f"{source_file}-{start}",
        source_file=source_file,
        article_title="",
        heading_path=(),
        paragraph_ids=(),
        start=start,
        end=end,
        text=text,
        search_text=text,
        n_tokens=0,
    )


def hit(source_file: str, start: int, end: int, text: str = "") -> SearchHit:
    return SearchHit(chunk=chunk(source_file, start, end, text), score=1.0)


def citation(n: int, source_file: str, start: int, end: int, text: str = "") -> Citation:
    return Citation(
        n=n,
        paragraph_id=f"p{n}",
        source_file=source_file,
        article_title="",
        heading_path=(),
        text=text,
        start=start,
        end=end,
    )


def answer(
    text: str,
    refused: bool = False,
    citations: list[Citation] | None = None,
    hits: list[SearchHit] | None = None,
) -> Answer:
    return Answer(text=text, refused=refused, citations=citations or [], hits=hits or [])
