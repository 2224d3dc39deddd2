"""Word segmentation of every corpus sentence, cut at ingest and stored in the index version.

jieba's HMM tagger costs about a millisecond a sentence, and the reader and the grounding check segment
the candidate sentences of every question. Cutting them once at ingest and seeding the per-process memo
at load keeps that cost out of the question. jieba segments each block (a run of CJK and alphanumerics)
on its own, so blocks are what is stored, and a composed answer or a letter quoting corpus clauses hits
them too. The memo is only a cache: a block missing here (or a version built before this file existed)
is segmented on the fly with the same result.
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


def sentence_blocks(paragraphs: Iterable[Paragraph]) -> tuple[list[str], list[str]]:
    """The blocks questions segment: each sentence normalised (places) and in search form (terms)."""
    norms = list(dict.fromkeys(normalize_text(s) for _, s in paragraph_sentences(paragraphs)))
    pos = list(dict.fromkeys(b for n in norms for b in pos_words.blocks(n)))
    search = list(dict.fromkeys(b for n in norms for b in search_words.blocks(search_form(n))))
    return pos, search


def write_segments(folder: Path, paragraphs: Iterable[Paragraph]) -> int:
    """One JSON line per block: ["pos", block, [[word, flag], ...]] or ["search", block, [word, ...]].

    Goes through the memo, so a server re-indexing reuses the segmentation of unchanged blocks."""
    pos, search = sentence_blocks(paragraphs)
    with (folder / SEGMENTS_FILE).open("w", encoding="utf-8") as fh:
        for block in pos:
            fh.write(json.dumps(["pos", block, pos_words(block)], ensure_ascii=False) + "\n")
        for block in search:
            fh.write(json.dumps(["search", block, search_words(block)], ensure_ascii=False) + "\n")
    return len(pos) + len(search)


def load_segments(folder: Path) -> int:
    """Seed the segmentation memo from a version's file; 0 when the version has none."""
    path = folder / SEGMENTS_FILE
    if not path.is_file():
        return 0
    pos: dict[str, tuple[tuple[str, str], ...]] = {}
    search: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        kind, block, words = json.loads(line)
        if kind == "pos":
            pos[block] = tuple((w, f) for w, f in words)
        else:
            search[block] = tuple(words)
    pos_words.seed(pos)
    search_words.seed(search)
    return len(pos) + len(search)
