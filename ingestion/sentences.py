"""Sentences of a paragraph: the unit the reader scores and quotes (and that the index embeds at ingest)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .models import Paragraph

_SENT_END = re.compile(r"(?<=[。！？；!?;])|\n")
MIN_SENTENCE_CHARS = 4  # shorter pieces are list markers or fragments, never an answer


def split_sentences(text: str) -> list[str]:
    """Sentences at Chinese and ASCII sentence ends; keeps the punctuation, drops empty pieces."""
    return [s.strip() for s in _SENT_END.split(text) if s and s.strip()]


def paragraph_sentences(paragraphs: Iterable[Paragraph]) -> Iterator[tuple[str, str]]:
    """(paragraph id, sentence) for every quotable sentence, in corpus order, without repeats."""
    seen: set[tuple[str, str]] = set()
    for p in paragraphs:
        for s in split_sentences(p.text):
            if len(s) >= MIN_SENTENCE_CHARS and (p.id, s) not in seen:
                seen.add((p.id, s))
                yield p.id, s
