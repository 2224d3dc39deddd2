"""parse_document: source text -> cleaned, article-aware paragraphs with exact offsets."""

from __future__ import annotations

from pathlib import PurePosixPath

from .articles import assign_paths, split_articles
from .models import Paragraph, SourceDocument
from .normalize import normalize_text
from .units import build_units


def parse_document(doc: SourceDocument) -> list[Paragraph]:
    """Clean and split `doc` into paragraphs; `doc.text[p.start:p.end] == p.original`."""
    stem = PurePosixPath(doc.source_file).stem
    paragraphs: list[Paragraph] = []
    for article in split_articles(build_units(doc.text)):
        for unit, path, is_heading in assign_paths(article):
            seq = len(paragraphs)
            paragraphs.append(
                Paragraph(
                    id=f"{stem}-p{seq:04d}",
                    source_file=doc.source_file,
                    article_index=article.index,
                    article_title=article.title,
                    heading_path=path,
                    start=unit.start,
                    end=unit.end,
                    original=doc.text[unit.start : unit.end],
                    text=unit.text,
                    search_text=normalize_text(unit.text),
                    seq=seq,
                    is_heading=is_heading,
                    noisy=unit.cleaned.noisy,
                )
            )
    return paragraphs
