"""What the assistant hands to its edges (web, CLI, evals): answers with numbered citations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from index.base import SearchHit


@dataclass(frozen=True)
class Turn:
    """One earlier message of a conversation."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Citation:
    """Marker `[n]` in an answer resolves to this paragraph; start/end are offsets into the source file."""

    n: int
    paragraph_id: str
    source_file: str
    article_title: str
    heading_path: tuple[str, ...]
    text: str
    start: int
    end: int


@dataclass
class Answer:
    """An answer (or refusal) with the citations its `[n]` markers resolve to."""

    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    hits: list[SearchHit] = field(default_factory=list)  # what retrieval returned, best first
    question: str = ""  # the standalone question actually answered (after follow-up rewriting)
    notes: list[str] = field(default_factory=list)  # a refusal's reason, or what grounding removed
    related: list[Citation] = field(default_factory=list)  # refusals: the closest paragraphs, not support


@dataclass(frozen=True)
class ParagraphContext:
    """A paragraph with its neighbours in the same article, for the citation panel."""

    paragraph_id: str
    source_file: str
    article_title: str
    heading_path: tuple[str, ...]
    text: str
    start: int
    end: int
    before: list[tuple[str, str]]  # (paragraph_id, text) of preceding paragraphs, oldest first
    after: list[tuple[str, str]]
