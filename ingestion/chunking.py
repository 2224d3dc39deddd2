"""Pack paragraphs into retrieval chunks of one section, never cutting a sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cleaning import Cleaned, clean_span
from .models import Chunk, Paragraph
from .normalize import normalize_text
from .tokens import count_tokens

_SENTENCE_RE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;\n][”’」』)）\"']*|$)")
_JOIN = "\n"


@dataclass
class _Piece:
    """A paragraph, or a span of sentences of one long paragraph, with its source span."""

    paragraph: Paragraph
    text: str
    start: int
    end: int


@dataclass
class _Group:
    pieces: list[_Piece] = field(default_factory=list)
    path: tuple[str, ...] = ()
    headings_only: bool = True

    @property
    def text(self) -> str:
        return _JOIN.join(p.text for p in self.pieces)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, ending after 。！？；!?; or a newline."""
    spans = [(m.start(), m.end()) for m in _SENTENCE_RE.finditer(text) if m.end() > m.start()]
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _char_map(p: Paragraph) -> Cleaned | None:
    """Rebuild the paragraph's display->source char map (cleaning is deterministic)."""
    cleaned = clean_span(p.original, 0, len(p.original))
    return cleaned if cleaned.text == p.text else None


def _split_long(p: Paragraph, max_tokens: int) -> list[_Piece]:
    """Greedy sentence packing for a paragraph over budget; an oversized sentence stands alone."""
    cleaned = _char_map(p)
    pieces: list[_Piece] = []
    cur: tuple[int, int] | None = None

    def emit(a: int, b: int) -> None:
        if cleaned is not None:
            s, e = cleaned.span(a, b)
            start, end = p.start + s, p.start + e
        else:
            start, end = p.start, p.end
        pieces.append(_Piece(p, p.text[a:b].strip(), start, end))

    for a, b in split_sentences(p.text):
        if cur is not None and count_tokens(p.text[cur[0] : b]) <= max_tokens:
            cur = (cur[0], b)
            continue
        if cur is not None:
            emit(*cur)
        cur = (a, b)
    if cur is not None:
        emit(*cur)
    return pieces


def _groups(paragraphs: list[Paragraph], max_tokens: int) -> list[_Group]:
    """Consecutive pieces of the same article and heading path, within the token budget."""
    groups: list[_Group] = []
    prev_key: tuple[str, int, tuple[str, ...]] | None = None
    for p in paragraphs:
        key = (p.source_file, p.article_index, p.heading_path)
        pieces = (
            _split_long(p, max_tokens)
            if count_tokens(p.text) > max_tokens
            else [_Piece(p, p.text, p.start, p.end)]
        )
        for piece in pieces:
            g = groups[-1] if groups else None
            fits = g is not None and count_tokens(g.text + _JOIN + piece.text) <= max_tokens
            if g is None or key != prev_key or not fits or len(pieces) > 1:
                g = _Group(path=p.heading_path)
                groups.append(g)
            g.pieces.append(piece)
            g.headings_only = g.headings_only and p.is_heading
            prev_key = key
        if len(pieces) > 1:
            prev_key = None  # nothing joins the tail of a split paragraph
    return _attach_headings(groups, max_tokens)


def _attach_headings(groups: list[_Group], max_tokens: int) -> list[_Group]:
    """A run of bare headings joins the section it opens instead of standing alone."""
    out: list[_Group] = []
    i = 0
    while i < len(groups):
        g = groups[i]
        nxt = groups[i + 1] if i + 1 < len(groups) else None
        if (
            g.headings_only
            and nxt is not None
            and nxt.pieces[0].paragraph.article_index == g.pieces[0].paragraph.article_index
            and nxt.pieces[0].paragraph.source_file == g.pieces[0].paragraph.source_file
            and len(nxt.path) > len(g.path)
            and nxt.path[: len(g.path)] == g.path
            and count_tokens(g.text + _JOIN + nxt.text) <= max_tokens
        ):
            nxt.pieces[:0] = g.pieces
            nxt.headings_only = False
        else:
            out.append(g)
        i += 1
    return out


def chunk_paragraphs(paragraphs: list[Paragraph], max_tokens: int = 200) -> list[Chunk]:
    """Group paragraphs into chunks of at most `max_tokens` (single long sentences excepted)."""
    chunks: list[Chunk] = []
    per_first: dict[str, int] = {}
    for g in _groups(paragraphs, max_tokens):
        first = g.pieces[0].paragraph
        n = per_first.get(first.id, 0)
        per_first[first.id] = n + 1
        text = g.text
        ids = tuple(dict.fromkeys(piece.paragraph.id for piece in g.pieces))
        context = normalize_text(" > ".join([first.article_title, *g.path]))
        chunks.append(
            Chunk(
                id=f"{first.id}-c{n}",
                source_file=first.source_file,
                article_title=first.article_title,
                heading_path=g.path,
                paragraph_ids=ids,
                start=min(piece.start for piece in g.pieces),
                end=max(piece.end for piece in g.pieces),
                text=text,
                search_text=normalize_text(text),
                n_tokens=count_tokens(text),
                context=context,
            )
        )
    return chunks
