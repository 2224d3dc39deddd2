"""Word segmentation of every corpus sentence, cut at ingest and stored in the index version.

jieba's HMM tagger costs about a millisecond a sentence; the reader and the grounding check segment the
candidate sentences of every question. Cutting them once at ingest and seeding the per-process memo at
load keeps that cost out of the question. The memo is only a cache: a sentence missing here (or a
version built before this file existed) is segmented on the fly with the same result.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.normalize import search_form
from ingestion.segment import pos_words, search_words
from ingestion.sentences import paragraph_sentences

SEGMENTS_FILE = "segments.jsonl"


def sentence_forms(paragraphs: Iterable[Paragraph]) -> tuple[list[str], list[str]]:
    """The texts questions segment: each sentence normalised (places) and in search form (terms)."""
    norms = list(dict.fromkeys(normalize_text(s) for _, s in paragraph_sentences(paragraphs)))
    searches = list(dict.fromkeys(search_form(n) for n in norms))
    return norms, searches


def write_segments(folder: Path, paragraphs: Iterable[Paragraph]) -> int:
    """One JSON line per text: ["pos", text, [[word, flag], ...]] or ["search", text, [word, ...]].

    Goes through the memo, so a server re-indexing reuses the segmentation of unchanged sentences."""
    norms, searches = sentence_forms(paragraphs)
    with (folder / SEGMENTS_FILE).open("w", encoding="utf-8") as fh:
        for text in norms:
            fh.write(json.dumps(["pos", text, pos_words(text)], ensure_ascii=False) + "\n")
        for text in searches:
            fh.write(json.dumps(["search", text, search_words(text)], ensure_ascii=False) + "\n")
    return len(norms) + len(searches)


def load_segments(folder: Path) -> int:
    """Seed the segmentation memo from a version's file; 0 when the version has none."""
    path = folder / SEGMENTS_FILE
    if not path.is_file():
        return 0
    pos: dict[str, tuple[tuple[str, str], ...]] = {}
    search: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        kind, text, words = json.loads(line)
        if kind == "pos":
            pos[text] = tuple((w, f) for w, f in words)
        else:
            search[text] = tuple(words)
    pos_words.seed(pos)
    search_words.seed(search)
    return len(pos) + len(search)
