"""Turn `[n]` markers into structured citations; markers that point nowhere are removed."""

from __future__ import annotations

import re

from assistant.models import Citation
from ingestion.models import Paragraph

MARKER = re.compile(r"\[(\d{1,3})\]")


def citation_for(n: int, p: Paragraph) -> Citation:
    return Citation(
        n=n,
        paragraph_id=p.id,
        source_file=p.source_file,
        article_title=p.article_title,
        heading_path=p.heading_path,
        text=p.text,
        start=p.start,
        end=p.end,
    )


def resolve_citations(text: str, sources: list[Paragraph]) -> tuple[str, list[Citation], list[int]]:
    """Keep markers that name a numbered source, renumber them 1..m by first use, drop the rest.

    Returns (text with valid renumbered markers, citations, dropped marker numbers).
    """
    renumber: dict[int, int] = {}
    citations: list[Citation] = []
    dropped: list[int] = []

    def sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if not 1 <= n <= len(sources):
            dropped.append(n)
            return ""
        if n not in renumber:
            renumber[n] = len(renumber) + 1
            citations.append(citation_for(renumber[n], sources[n - 1]))
        return f"[{renumber[n]}]"

    cleaned = MARKER.sub(sub, text)
    cleaned = re.sub(r"(\[\d+\])(?:\1)+", r"\1", cleaned)  # collapse repeated identical markers
    return cleaned.strip(), citations, dropped
