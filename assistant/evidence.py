"""Evidence: the sentences of the retrieved chunks, each scored by the trained reader for one question."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.query import Query
from assistant.reader import Candidate, FeatureBuilder, Joined, with_leads
from assistant.reader_model import JUDGE_FEATURES, SCOPE_GATES, ReaderModel, judge_row, sigmoid
from index.base import SearchHit
from ingestion.models import Paragraph
from ingestion.sentences import MIN_SENTENCE_CHARS


@dataclass(frozen=True)
class Evidence:
    """One candidate sentence with the reader's probability that it answers the question."""

    sentence: str  # display text as written
    paragraph: Paragraph
    chunk_rank: int  # 1-based rank of the chunk it came from
    score: float  # ranker probability that this sentence answers, 0..1


@dataclass(frozen=True)
class Reading:
    """The reader's view of one question: ranked evidence and how sure it is the best one answers."""

    evidence: list[Evidence]
    confidence: float  # the judge's probability that the best sentence answers the question
    judge_row: np.ndarray | None  # what the judge saw (for the refusal's reason)

    def feature(self, name: str) -> float | None:
        """One input the judge saw for the best sentence (`JUDGE_FEATURES`), None when nothing was read."""
        return None if self.judge_row is None else float(self.judge_row[JUDGE_FEATURES.index(name)])

    def scope_gate(self) -> str | None:
        """The first scope gate (`SCOPE_GATES`) the best sentence trips, None when it trips none."""
        return next((f for f in SCOPE_GATES if self.feature(f)), None)


def candidates(paragraphs: dict[str, Paragraph], hits: list[SearchHit], top: int) -> list[Candidate]:
    """Every sentence (4+ characters) of the paragraphs of the top chunks, once, in retrieval order."""
    out: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    for rank, hit in enumerate(hits[:top], 1):
        for pid in hit.chunk.paragraph_ids:
            para = paragraphs.get(pid)
            if para is None:
                continue
            for sent, lead in with_leads(para.text):
                if len(sent) < MIN_SENTENCE_CHARS or sent not in hit.chunk.text or (pid, sent) in seen:
                    continue
                seen.add((pid, sent))
                out.append(Candidate(sent, para, rank, lead))
    return out


class Reader:
    """Scores candidate sentences with the trained model; the best one decides answer or refusal."""

    def __init__(
        self,
        paragraphs: dict[str, Paragraph],
        article_text: Callable[[Paragraph], Joined],
        similarity: Callable[[str, list[Candidate]], list[float]] | None,
        model: ReaderModel,
    ) -> None:
        self.paragraphs = paragraphs
        self.features = FeatureBuilder(article_text)
        self.similarity = similarity
        self.model = model

    def rows(self, q: Query, hits: list[SearchHit], top: int) -> tuple[list[Candidate], list[list[float]]]:
        """Candidates of the top chunks and their feature rows (also what training reads)."""
        cands = candidates(self.paragraphs, hits, top)
        if not cands:
            return [], []
        dense = self.similarity(q.norm, cands) if self.similarity else [0.0] * len(cands)
        return cands, self.features.rows(q, cands, dense)

    def read(self, q: Query, hits: list[SearchHit], top: int) -> Reading:
        """All candidate sentences, most likely answer first, and the judge's confidence in the best."""
        cands, rows = self.rows(q, hits, top)
        if not cands:
            return Reading([], 0.0, None)
        x = np.asarray(rows, dtype=float)
        logits = self.model.ranker.logits(x)
        best = int(np.argmax(logits))
        seen = judge_row(logits, best, rows[best])
        confidence = self.model.confidence(seen)
        out = [
            Evidence(c.sentence, c.paragraph, c.rank, float(pr))
            for c, pr in zip(cands, sigmoid(logits), strict=True)
        ]
        out.sort(key=lambda e: (-e.score, e.chunk_rank))
        return Reading(out, confidence, seen)


def rerank_hits(hits: list[SearchHit], evidence: list[Evidence]) -> list[SearchHit]:
    """Chunks holding the reader's best sentences first; the rest keep their retrieval order."""
    best: dict[str, float] = {}
    for e in evidence:
        best[e.paragraph.id] = max(best.get(e.paragraph.id, 0.0), e.score)

    def key(item: tuple[int, SearchHit]) -> tuple[float, int]:
        i, h = item
        return (-max((best.get(pid, -1.0) for pid in h.chunk.paragraph_ids), default=-1.0), i)

    scored = [(i, h) for i, h in enumerate(hits) if any(pid in best for pid in h.chunk.paragraph_ids)]
    rest = [h for h in hits if not any(pid in best for pid in h.chunk.paragraph_ids)]
    return [h for _, h in sorted(scored, key=key)] + rest


def idf_table(doc_freq: dict[str, int], n_docs: int) -> Callable[[str], float]:
    """BM25-style IDF; unknown terms get the maximum weight (rare by definition)."""
    top = math.log(1 + (n_docs + 0.5) / 0.5)

    def idf(term: str) -> float:
        df = doc_freq.get(term)
        if not df:
            return top
        return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))

    return idf
