"""Decide whether the chosen evidence really answers the question, or the honest reply is a refusal.

Three mechanisms, each calibrated on the dev set as a whole, never per question:
- coverage: the IDF-weighted share of the question's content terms found in the evidence paragraph
  (with its article title and heading path); colloquial asking words do not count;
- scope: a place the question names must occur in the corpus, and a negated group (非贫困人口) must
  not be answered with the figure of the group itself;
- figure type: a question that asks for an amount of money, a ratio or a date needs evidence that
  states one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from assistant.evidence import Evidence
from assistant.figures import NUMERIC_KINDS, states_figure, wanted_figure
from index.bm25 import tokenize
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.normalize import search_form
from ingestion.segment import posseg

_DATA = Path(__file__).resolve().parent / "data"
_NEGATED_GROUP = re.compile(r"非([\u4e00-\u9fff]{2,6}?(人口|人员|对象|户|患者))")


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    reason: str
    coverage: float


@cache
def question_words() -> frozenset[str]:
    words: set[str] = set()
    for line in (_DATA / "question_words.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.update(normalize_text(w) for w in line.split())
    return frozenset(words)


def named_places(question: str) -> list[str]:
    """Place names in the question (jieba's `ns` tag), e.g. 北京市, 湖口县, 鄂尔多斯."""
    return [w for w, flag in posseg().lcut(question) if flag == "ns" and len(w) >= 2]


def content_terms(question_norm: str) -> list[str]:
    """Question terms that carry its topic: no asking words, no sub-words of longer terms."""
    qw = question_words()
    terms = [t for t in dict.fromkeys(tokenize(search_form(question_norm))) if len(t) > 1 and t not in qw]
    return [t for t in terms if not any(t != u and t in u for u in terms)]


class AnswerabilityJudge:
    """Applies the three mechanisms to the best evidence sentence of a question."""

    def __init__(
        self,
        idf: Callable[[str], float],
        doc_freq: Callable[[str], int],
        corpus_text: str,
        article_text: Callable[[str, int], str],
        min_coverage: float = 0.3,
    ) -> None:
        self.idf = idf
        self.doc_freq = doc_freq
        self.corpus_text = corpus_text
        self.article_text = article_text
        self.min_coverage = min_coverage
        # Both are asked twice per question (coverage and topic check; judge and answer composer).
        self._context = lru_cache(maxsize=256)(self._context_of)
        self.anchors = lru_cache(maxsize=1024)(self._anchors)

    def context(self, evidence: Evidence) -> str:
        """The evidence paragraph's whole article plus its title and heading path, normalised."""
        return self._context(evidence.paragraph)

    def _context_of(self, p: Paragraph) -> str:
        context = self.article_text(p.source_file, p.article_index) or normalize_text(p.text)
        return search_form(context + normalize_text(" ".join([p.article_title, *p.heading_path])))

    def _anchors(self, question_norm: str, n: int = 2) -> list[str]:
        """The question's most specific known terms (highest IDF, places aside): its topic."""
        places = set(named_places(question_norm))
        known = [t for t in content_terms(question_norm) if self.doc_freq(t) and t not in places]
        return sorted(known, key=lambda t: -self.idf(t))[:n]

    def coverage(self, question_norm: str, evidence: Evidence) -> float:
        """Share of the question's topic (IDF-weighted) found in the evidence paragraph's article.

        A term the corpus never saw as a word (often a segmentation artefact of colloquial wording)
        counts as found when all its characters occur there; a truly foreign topic (新冠) does not.
        """
        context = self.context(evidence)
        terms = content_terms(question_norm)
        if not terms:
            return 1.0
        weights = {t: min(self.idf(t), 8.0) for t in terms}

        def found(t: str) -> bool:
            return t in context or (not self.doc_freq(t) and all(c in context for c in t))

        return sum(w for t, w in weights.items() if found(t)) / (sum(weights.values()) or 1.0)

    def judge(self, question: str, evidence: list[Evidence]) -> Verdict:
        q = normalize_text(question)
        if not evidence:
            return Verdict(False, "no evidence", 0.0)
        best = evidence[0]
        cov = self.coverage(q, best)
        for place in named_places(q):
            if place not in self.corpus_text and place.rstrip("省市县区镇乡村旗") not in self.corpus_text:
                return Verdict(False, f"place not in corpus: {place}", cov)
        m = _NEGATED_GROUP.search(q)
        if m and any(
            m.group(1) in normalize_text(e.sentence) and "非" + m.group(1) not in e.sentence
            for e in evidence[:3]
        ):
            return Verdict(False, f"negated group: 非{m.group(1)}", cov)
        kind = wanted_figure(q)
        if kind in NUMERIC_KINDS and not states_figure(normalize_text(best.sentence), kind):
            return Verdict(False, f"asks for {kind}, best evidence states none", cov)
        anchors = self.anchors(q)
        if anchors and not any(t in self.context(best) for t in anchors):
            return Verdict(False, f"topic not in evidence article: {'/'.join(anchors)}", cov)
        if cov < self.min_coverage:
            return Verdict(False, f"coverage {cov:.2f} < {self.min_coverage}", cov)
        return Verdict(True, "ok", cov)
