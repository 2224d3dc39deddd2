"""The trained reader's features: what the ranker and the judges see of each (question, candidate sentence).

Key-term and phrase coverage at sentence, paragraph and article level, terms the corpus or the article
lacks, dense similarity, whether the sentence states a figure of the asked kind next to the asked
measure, scope agreement and retrieval rank. The model that weighs them (feature names, signs, file
format) is assistant/reader_model.py; `policyqa train-reader` (evals/reader_training.py) fits it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.figures import NUMERIC_KINDS, states_figure, years_in
from assistant.lexicon import lexicon
from assistant.query import Query
from assistant.reader_model import DEFAULT_REASON, REASONS, ReaderModel
from assistant.sentence_checks import excludes, measures_in, names_any_place, near_number, place_stem, share
from index.bm25 import tokenize
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.normalize import search_form
from ingestion.sentences import split_sentences

_QUOTES = re.compile(r"[“”\"'‘’「」『』]")  # 非“四类人员” excludes the group as 非四类人员 does


def without(text: str, parts: tuple[str, ...]) -> str:
    """`text` with the question's own figures blanked: a sentence repeating them states no answer."""
    for part in parts:
        text = text.replace(part, "，")
    return text


def unquoted(text: str) -> str:
    return _QUOTES.sub("", text)


_PLACEHOLDER = re.compile(r"20[xX_]{2}|[xX]{2,}[万元%人户个]|[xX]{2,}\.[xX]+")


@dataclass(frozen=True)
class Candidate:
    """One sentence of a retrieved chunk's paragraph."""

    sentence: str  # display text as written
    paragraph: Paragraph
    rank: int  # 1-based rank of the chunk it came from
    lead: str = ""  # its paragraph's opening sentence, when it is not that sentence itself


def with_leads(text: str) -> list[tuple[str, str]]:
    """(sentence, lead) for each sentence of a paragraph: the lead is the paragraph's opening sentence,
    empty for the opening itself (what `Candidate.lead` holds and the warm-up prepares)."""
    sentences = split_sentences(text)
    return [(s, sentences[0] if s != sentences[0] else "") for s in sentences]


def _coverage(weights: dict[str, float], total: float, present: Callable[[str], bool]) -> float:
    return sum(w for t, w in weights.items() if present(t)) / total


@dataclass(frozen=True)
class Joined:
    """`head + tail` for substring tests, without building the string: the head is a whole article text,
    shared by its paragraphs, where a concatenation per paragraph held a copy of it (~35 KB) each."""

    head: str
    tail: str

    def __contains__(self, t: object) -> bool:
        if not isinstance(t, str):
            return False
        if t in self.head or t in self.tail:
            return True
        k = len(t) - 1  # an occurrence across the join lies in the last k and first k characters
        return k > 0 and t in self.head[-k:] + self.tail[:k]


@dataclass(frozen=True)
class _Context:
    """Features of one candidate's paragraph and article for one question (shared by its sentences)."""

    para: str
    cov_p: float
    cov_a: float
    phrase_a: float
    anchor_a: float
    ctx_places: bool
    other_place: bool
    year_absent: float
    target_a: float
    bigrams_p: float


class FeatureBuilder:
    """Turns (Query, Candidate) into the feature row; article texts come from the loaded index."""

    def __init__(self, article_text: Callable[[Paragraph], Joined]) -> None:
        self.article_text = article_text  # search-form text of the paragraph's article, title, headings
        # The same paragraphs come back question after question: their texts are built once.
        self._texts = lru_cache(maxsize=4096)(self._paragraph_texts)

    def _paragraph_texts(self, p: Paragraph) -> tuple[str, Joined, Joined]:
        """(paragraph with title and headings, its article, the article plus its scope places)."""
        para = search_form(normalize_text(" ".join([p.text, p.article_title, *p.heading_path])))
        article = self.article_text(p)
        return para, article, Joined(article.head, article.tail + normalize_text(" ".join(p.places)))

    def warm(self, p: Paragraph) -> None:
        """Make the paragraph's texts now, not at a question (its sentences: `sentence_forms`)."""
        self._texts(p)

    def rows(self, q: Query, cands: list[Candidate], dense: list[float]) -> list[list[float]]:
        """Feature rows of one question's candidates; what depends only on a candidate's paragraph and
        article (coverage of long article texts, mostly) is computed once per paragraph."""
        context: dict[str, _Context] = {}
        out = []
        best = max(dense, default=0.0)
        for c, d in zip(cands, dense, strict=True):
            ctx = context.get(c.paragraph.id)
            if ctx is None:
                ctx = context[c.paragraph.id] = self._context(q, c.paragraph)
            out.append([*self._row(q, c, float(d), ctx), max(0.0, float(best) - float(d))])
        return out

    def _context(self, q: Query, p: Paragraph) -> _Context:
        para, article, scope = self._texts(p)
        total, w = q.total_weight, q.terms
        cov_a = _coverage(w, total, lambda t: t in article)
        phrases = q.phrases
        ctx_places = [pl for pl in q.places if pl in scope or place_stem(pl) in scope]
        qy = set(q.years)
        return _Context(
            para=para,
            cov_p=_coverage(w, total, lambda t: t in para),
            cov_a=cov_a,
            phrase_a=sum(ph in article for ph in phrases) / len(phrases) if phrases else 1.0,
            anchor_a=float(bool(q.anchors) and any(a in article for a in q.anchors)),
            ctx_places=bool(ctx_places),
            other_place=bool(p.places) and bool(q.places) and not ctx_places,
            year_absent=float(
                bool(qy) and not (qy & {str(y) for y in p.years}) and not any(y in article for y in qy)
            ),
            target_a=float(any(x in article for x in q.targets)),
            bigrams_p=share(q.bigrams, para),
        )

    def _row(self, q: Query, c: Candidate, dense: float, ctx: _Context) -> list[float]:
        lex = lexicon()
        s, s_search, s_tokens = sentence_forms(c.sentence)
        # A list item or a later sentence leans on its paragraph's opening ("这四类人群包括:…"; "三是…"):
        # what the question names counts as said when the opening says it. Figures stay the sentence's own.
        ls, ls_search, ls_tokens = sentence_forms(c.lead + c.sentence) if c.lead else (s, s_search, s_tokens)
        p = c.paragraph
        total = q.total_weight
        w = q.terms
        cov_s = _coverage(w, total, lambda t: t in ls_tokens or t in ls_search)
        phrases = q.phrases
        phrase_s = sum(ph in ls for ph in phrases) / len(phrases) if phrases else 1.0
        missing_corpus = _coverage(w, total, lambda t: t in q.missing_terms)
        numeric = q.kind in NUMERIC_KINDS
        states = bool(q.kind) and states_figure(without(s, q.given), q.kind)  # type: ignore[arg-type]
        has_number = bool(lex.has_number.search(c.sentence))
        wants_number = numeric or q.wants_number
        negs = q.negated_groups
        measure_s = any(m in ls for m in q.measures) or any(
            st in ls for st in q.slots.get("measure", frozenset())
        )
        conflict = False
        for m in q.measures:
            head = m[2:]
            if m not in s and head in s and any(o != m for o in measures_in(s, head)):
                conflict = True
        near = self._figure_near(s, q)
        sent_places = [pl for pl in q.places if pl in ls or place_stem(pl) in ls]
        s_years = years_in(s)
        qy = set(q.years)
        slot_terms = {k: v for k, v in q.slots.items() if k != "measure"}
        slot_match = (
            sum(any(t in ls for t in v) for v in slot_terms.values()) / len(slot_terms) if slot_terms else 0.0
        )
        slot_conflict = 0.0
        siblings = q.slot_siblings
        for slot, wanted in slot_terms.items():
            # a synonym of the asked value (低保对象 for 低保户) is the asked value: compared in search form
            if not any(t in ls or search_form(t) in ls_search for t in wanted) and any(
                t in s for t in siblings[slot]
            ):
                slot_conflict += 1.0
        groups = q.slots.get("group", frozenset())
        bare = unquoted(s)
        return [
            cov_s,
            ctx.cov_p,
            ctx.cov_a,
            phrase_s,
            ctx.phrase_a,
            missing_corpus,
            min(len(q.missing_phrases), 3),
            1.0 - ctx.cov_a,
            ctx.anchor_a,
            max(0.0, dense),
            1.0 / c.rank,
            float(numeric),
            float(states),
            float(numeric and not states),
            float(measure_s),
            float(conflict),
            float(near),
            float(has_number),
            float(wants_number and not has_number),
            float(q.kind == "who" and bool(lex.subject_office.match(s))),
            float(bool(sent_places)),
            float(ctx.ctx_places),
            float(bool(q.places) and not ctx.ctx_places),
            float(bool(q.unknown_places)),
            float(ctx.other_place or (bool(q.places) and not sent_places and bool(names_any_place(s, p)))),
            float(bool(qy & years_in(ls))),
            float(bool(qy) and bool(s_years) and not (qy & s_years)),
            ctx.year_absent,
            slot_match,
            slot_conflict,
            float(
                q.yes_no and bool(groups) and not any(g in ls or search_form(g) in ls_search for g in groups)
            ),
            float(
                any(n in s and not excludes(bare, n) for n in negs)
                or any(g not in negs and excludes(bare, g) for g in groups)
            ),
            math.log1p(len(s)),
            float(p.is_heading),
            float(any(x in ls for x in q.targets)),
            float(any(near_number(s, x) for x in q.targets)),
            ctx.target_a,
            share(q.bigrams, ls),
            ctx.bigrams_p,
            float(bool(_PLACEHOLDER.search(c.sentence))),
            sum(not any(x in s for x in lex.slots[k]) for k in slot_terms) / len(slot_terms)
            if slot_terms
            else 0.0,
        ]

    @staticmethod
    def _figure_near(s: str, q: Query, window: int = 16) -> bool:
        """A figure of the asked kind within a few characters after a measure or topic term."""
        if q.kind not in NUMERIC_KINDS:
            return False
        anchors = list(q.measures) + sorted(q.slots.get("measure", frozenset())) + list(q.anchors)
        for a in anchors:
            i = s.find(a)
            while i >= 0:
                if states_figure(s[max(0, i - window // 2) : i + len(a) + window], q.kind):  # type: ignore[arg-type]
                    return True
                i = s.find(a, i + 1)
        return False


@lru_cache(maxsize=1 << 14)
def sentence_forms(sentence: str) -> tuple[str, str, frozenset[str]]:
    """(normalised, search form, search words) of a corpus sentence: every question that retrieves the
    sentence needs them, so they are made once per process (and at start-up, `FeatureBuilder.warm`)."""
    s = normalize_text(sentence)
    s_search = search_form(s)
    return s, s_search, frozenset(tokenize(s_search))


def reason_for(model: ReaderModel, q: Query, judge_row: np.ndarray | None) -> str:
    """A refusal's reason in words a clerk understands: the question's own gap first, else the feature
    that weighed most against the best sentence in the judge's decision."""
    if q.unknown_places:
        return f"{REASONS['place_unknown']}：{'、'.join(q.unknown_places)}"
    if judge_row is None:
        return "没有检索到相关内容"
    feature = model.judge_for(judge_row).against(judge_row)
    if feature == "missing_phrases" and q.missing_phrases:
        return f"{REASONS['missing_phrases']}：{'、'.join(q.missing_phrases)}"
    if feature == "missing_corpus" and q.missing_terms:
        return f"{REASONS['missing_corpus']}：{'、'.join(q.missing_terms)}"
    return REASONS.get(feature, DEFAULT_REASON)
