"""The one place where the assistant honours ingestion's quarantine flag.

Paragraphs that read as instructions (`Paragraph.quarantine`, set by `ingestion.injection` at
ingest) stay in the index so their article can be shown, but they must never become evidence for
any backend. Search hits are rewritten here, before evidence candidates (extractive) or prompt
sources (LLM) are taken from them: quarantined paragraph ids are removed from each hit's chunk and
a chunk left without paragraphs is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from index.base import SearchHit
from ingestion.models import Paragraph


def usable_hits(hits: list[SearchHit], paragraphs: Mapping[str, Paragraph]) -> list[SearchHit]:
    """`hits` without quarantined paragraphs; order and scores unchanged."""
    out: list[SearchHit] = []
    for hit in hits:
        ids = hit.chunk.paragraph_ids
        kept = tuple(pid for pid in ids if not getattr(paragraphs.get(pid), "quarantine", ""))
        if len(kept) == len(ids):
            out.append(hit)
        elif kept:
            out.append(replace(hit, chunk=replace(hit.chunk, paragraph_ids=kept)))
    return out
