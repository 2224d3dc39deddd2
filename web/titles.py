"""Document and article titles for everything the browser shows (citations, panel, library, .docx).

Titles come from the loaded index's manifest (derived at ingest) and the admin's overrides next to the
corpus, which win immediately, without a re-index. File names and offsets stay in the API for tools.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from ingestion.titles import article_label, fallback_title, load_overrides, location
from web.deps import get_settings

_CACHE: dict[int, tuple[Any, dict[str, int]]] = {}
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Place:
    """Where a paragraph sits, in words."""

    document_title: str
    article: str
    location: str  # 文件标题 › 篇名 › 章节


@dataclass
class Titles:
    """Titles of the loaded index's documents and articles, with the admin's overrides applied."""

    documents: dict[str, str] = field(default_factory=dict)
    articles: dict[str, list[str]] = field(default_factory=dict)
    article_of: dict[str, int] = field(default_factory=dict)  # paragraph id -> article index

    def document(self, source_file: str) -> str:
        """The title, or "" for an index built before titles existed (or an assistant without one)."""
        return self.documents.get(source_file, "")

    def listed(self, source_file: str) -> str:
        """What the library shows: the title, else the uploaded file's name without its suffix."""
        return self.document(source_file) or fallback_title(source_file)

    def place(
        self, source_file: str, paragraph_id: str, article_title: str, heading_path: Iterable[str]
    ) -> Place:
        path = tuple(heading_path)
        doc = self.document(source_file)
        labels = self.articles.get(source_file) or []
        index = self.article_of.get(paragraph_id)
        if not doc:  # no titles known: the article's raw title is the best name there is
            article = article_title
        elif index is not None and index < len(labels):
            article = labels[index]
        else:
            article = article_label(article_title, doc, path)
        return Place(doc, article, location(doc, article, path))


def _article_index(index: Any) -> dict[str, int]:
    """Paragraph id -> article index, computed once per loaded index."""
    with _CACHE_LOCK:
        cached = _CACHE.get(id(index))
        if cached is not None and cached[0] is index:
            return cached[1]
    mapping = {p.id: p.article_index for p in getattr(index, "paragraphs", ())}
    with _CACHE_LOCK:
        if len(_CACHE) > 4:  # old index versions after re-indexing
            _CACHE.clear()
        _CACHE[id(index)] = (index, mapping)
    return mapping


def titles_for(assistant: Any, corpus_dir: Any) -> Titles:
    """Titles from `assistant.index` (none for assistants without one), plus the overrides."""
    index = getattr(assistant, "index", None)
    manifest = getattr(index, "manifest", None)
    titles = Titles()
    for s in getattr(manifest, "sources", None) or ():
        if s.title:
            titles.documents[s.source_file] = s.title
        titles.articles[s.source_file] = list(s.articles)
    if index is not None:
        titles.article_of = _article_index(index)
    if corpus_dir is not None:
        titles.documents.update(load_overrides(corpus_dir))
    return titles


def get_titles(request: Request) -> Titles:
    """The titles for this request's assistant (read per request: a re-index may swap it)."""
    settings = get_settings(request)
    return titles_for(getattr(request.app.state, "assistant", None), settings.corpus_dir)


TitlesDep = Annotated[Titles, Depends(get_titles)]
