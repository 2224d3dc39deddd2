"""Word segmentation of every corpus sentence, cut at ingest and stored in the index version.

jieba's HMM tagger costs about a millisecond a sentence, and the reader and the grounding check segment
the candidate sentences of every question. Cutting them once at ingest and looking them up at question
time keeps that cost out of the question. jieba segments each block (a run of CJK and alphanumerics) on
its own, so blocks are what is stored, and a composed answer or a letter quoting corpus clauses hits
them too. The store is a read-only SQLite file, so memory does not grow with the corpus and several
server processes share the pages. It is only a cache: a block missing here (or a version built before
this file existed) is segmented on the fly with the same result.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.normalize import search_form
from ingestion.segment import SegmentMemo, pos_words, search_words
from ingestion.sentences import paragraph_sentences

SEGMENTS_FILE = "segments.sqlite"
SCHEMA = "CREATE TABLE seg (kind TEXT, block TEXT, words TEXT, PRIMARY KEY (kind, block)) WITHOUT ROWID"
_LOOKUP = "SELECT words FROM seg WHERE kind = ? AND block = ?"
log = logging.getLogger(__name__)


def _blocks(paragraphs: Iterable[Paragraph]) -> Iterator[tuple[str, str]]:
    """(kind, block) for every block a question segments: sentences normalised (places, "pos") and in
    search form (terms, "search")."""
    seen: set[tuple[str, str]] = set()
    for _, sentence in paragraph_sentences(paragraphs):
        norm = normalize_text(sentence)
        keys = [("pos", b) for b in pos_words.blocks(norm)]
        keys += [("search", b) for b in search_words.blocks(search_form(norm))]
        for key in keys:
            if key not in seen:
                seen.add(key)
                yield key


def write_segments(folder: Path, paragraphs: Iterable[Paragraph]) -> int:
    """Write the store; goes through the memo, so a server re-indexing reuses unchanged blocks."""
    memo: dict[str, SegmentMemo] = {"pos": pos_words, "search": search_words}
    con = sqlite3.connect(folder / SEGMENTS_FILE)
    try:
        con.execute(
            "CREATE TABLE seg (kind TEXT, block TEXT, words TEXT, PRIMARY KEY (kind, block)) WITHOUT ROWID"
        )
        rows = (
            (kind, block, json.dumps(memo[kind](block), ensure_ascii=False))
            for kind, block in _blocks(paragraphs)
        )
        con.executemany("INSERT INTO seg VALUES (?, ?, ?)", rows)
        con.commit()
        (n,) = con.execute("SELECT count(*) FROM seg").fetchone()
    finally:
        con.close()
    return int(n)


class SegmentStore:
    """Read-only lookups in one version's store; one connection per process, opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None
        self._pid = 0

    def lookup(self, kind: str, block: str) -> tuple[Any, ...] | None:
        try:
            with self._lock:
                if self._con is None or self._pid != os.getpid():
                    uri = f"{self.path.as_uri()}?mode=ro&immutable=1"
                    self._con = sqlite3.connect(uri, uri=True, check_same_thread=False)
                    self._pid = os.getpid()
                row = self._con.execute(
                    "SELECT words FROM seg WHERE kind=? AND block=?", (kind, block)
                ).fetchone()
        except (sqlite3.Error, OSError, ValueError) as exc:  # a cache: never let it fail a question
            log.warning("segment store %s unusable (%s); segmenting on the fly", self.path, exc)
            return None
        if row is None:
            return None
        words = json.loads(row[0])
        return tuple(tuple(w) for w in words) if kind == "pos" else tuple(words)


def attach_segments(folder: Path) -> bool:
    """Point the segmentation memo at a version's store; False (memo segments on the fly) without one."""
    path = folder / SEGMENTS_FILE
    if not path.is_file():
        pos_words.attach(None)
        search_words.attach(None)
        return False
    store = SegmentStore(path)
    pos_words.attach(lambda block: store.lookup("pos", block))
    search_words.attach(lambda block: store.lookup("search", block))
    return True
