"""The trained reader: how likely a candidate sentence answers the question, from general features.

Sentence choice and answerability are one logistic model over features of (question, sentence): key-term
and phrase coverage at sentence, paragraph and article level, terms the corpus or the article lacks, dense
similarity, whether the sentence states a figure of the asked kind next to the asked measure, scope
agreement and retrieval rank. Its weights and refusal threshold are learnt from the gold sets by
`policyqa train-reader` (evals/reader_training.py) and shipped as JSON in assistant/data/reader.json.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.figures import NUMERIC_KINDS, states_figure, years_in
from assistant.lexicon import lexicon
from assistant.query import Query
from index.bm25 import tokenize
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.normalize import search_form

_PLACEHOLDER = re.compile(r"20[xX_]{2}|[xX]{2,}[万元%人户个]|[xX]{2,}\.[xX]+")
MODEL_FILE = Path(__file__).resolve().parent / "data" / "reader.json"

FEATURES: tuple[str, ...] = (
    "cov_sentence",  # IDF-weighted share of key terms in the sentence
    "cov_paragraph",  # … in its paragraph, title and headings
    "cov_article",  # … anywhere in its article
    "phrase_sentence",  # share of the question's compounds written in the sentence
    "phrase_article",  # … in its article
    "missing_corpus",  # IDF share of key terms the corpus never uses
    "missing_phrases",  # compounds the corpus never writes (count, capped)
    "missing_article",  # IDF share of key terms absent from the article
    "anchor_article",  # the question's topic terms occur in the article
    "dense",  # embedding similarity of question and sentence
    "rank_inv",  # 1 / retrieval rank of the chunk
    "asks_numeric",  # the question asks for a money/ratio/date/count/duration figure
    "states_kind",  # the sentence states a figure of the asked kind
    "kind_missing",  # asks a numeric kind, the sentence states none
    "measure_sentence",  # the asked measure (管理率) is named in the sentence
    "measure_conflict",  # the sentence names another measure of the same head (体检率), not the asked one
    "figure_near_measure",  # a figure of the asked kind sits right after a measure/anchor term
    "has_number",
    "wants_number_none",  # the question asks a number, the sentence has none
    "who_office",  # a who-question and the sentence's subject is an office
    "place_sentence",  # a named place occurs in the sentence
    "place_context",  # … in the paragraph's scope (article, headings, scope metadata)
    "place_absent",  # the question names places, none in the paragraph's scope
    "place_unknown",  # the question names a place the corpus never mentions
    "other_place",  # the sentence names a place, not the asked one
    "year_match",
    "year_conflict",  # the sentence states another year than the asked one
    "year_absent",  # the question names a year the article never states
    "slot_match",  # share of named slot values (group, care…) in the sentence
    "slot_conflict",  # the sentence names only a sibling value (门诊 for 住院)
    "yes_no_ungrouped",  # yes/no about a group, the sentence never names the group
    "negated_group",  # 非X asked, the sentence states X's figure
    "length",  # log sentence length
    "heading",  # the paragraph is a heading line
    "target_sentence",  # the asked noun (床位, 报酬) is named in the sentence
    "target_near_figure",  # … right next to a figure
    "target_article",  # … somewhere in the article
    "bigram_sentence",  # share of the question's character pairs found in the sentence
    "bigram_paragraph",  # … in its paragraph
    "placeholder",  # the sentence's figures or years are template placeholders (20xx, XX万元)
    "slot_missing",  # share of named slots (payer, group…) of which the sentence names no value at all
    "dense_gap",  # how far the sentence's dense similarity falls below the question's best candidate's
)
JUDGE_FEATURES: tuple[str, ...] = ("ranker_logit", "margin", *FEATURES)

# Which way a feature may push, whatever a small training set suggests: agreement with the question never
# counts against a sentence, a conflict never for it. Features not listed are free.
HELPS = frozenset(
    {
        "ranker_logit",
        "margin",
        "cov_sentence",
        "cov_paragraph",
        "cov_article",
        "phrase_sentence",
        "phrase_article",
        "anchor_article",
        "dense",
        "rank_inv",
        "states_kind",
        "measure_sentence",
        "figure_near_measure",
        "who_office",
        "place_sentence",
        "place_context",
        "year_match",
        "slot_match",
        "target_sentence",
        "target_near_figure",
        "target_article",
        "bigram_sentence",
        "bigram_paragraph",
    }
)
HURTS = frozenset(
    {
        "missing_corpus",
        "missing_phrases",
        "missing_article",
        "kind_missing",
        "measure_conflict",
        "wants_number_none",
        "place_absent",
        "place_unknown",
        "other_place",
        "year_conflict",
        "year_absent",
        "slot_conflict",
        "yes_no_ungrouped",
        "negated_group",
        "placeholder",
        "slot_missing",
        "dense_gap",
    }
)

# Why a refusal happened, by the feature that weighed most against the best sentence (Chinese: users see it).
REASONS: dict[str, str] = {
    "place_unknown": "文件中没有提到问题里的地名",
    "place_absent": "找到的内容不是问题所问地区的",
    "other_place": "找到的内容属于其他地区",
    "missing_corpus": "文件中没有出现问题里的关键词",
    "missing_phrases": "文件中没有提到问题所问的项目",
    "missing_article": "找到的材料没有涉及问题的全部要点",
    "kind_missing": "找到的句子没有给出所问的数字",
    "wants_number_none": "找到的句子没有给出所问的数字",
    "measure_conflict": "找到的数字属于另一项指标",
    "year_conflict": "找到的内容属于其他年份",
    "year_absent": "文件中没有所问年份的内容",
    "slot_conflict": "找到的内容说的是另一类对象或情形",
    "yes_no_ungrouped": "找到的内容没有说到所问的对象",
    "negated_group": "找到的数字针对的是另一类人群",
    "target_sentence": "找到的句子没有说到问题所问的事项",
    "target_near_figure": "找到的数字不是问题所问事项的",
    "target_article": "找到的材料没有说到问题所问的事项",
}
DEFAULT_REASON = "找到的内容与问题不够吻合"


@dataclass(frozen=True)
class Candidate:
    """One sentence of a retrieved chunk's paragraph."""

    sentence: str  # display text as written
    paragraph: Paragraph
    rank: int  # 1-based rank of the chunk it came from


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def judge_row(logits: np.ndarray, best: int, row: list[float]) -> np.ndarray:
    """The judge sees the best sentence's ranker logit, its margin over the runner-up and its features."""
    others = np.delete(logits, best)
    margin = float(logits[best] - others.max()) if len(others) else 5.0
    return np.asarray([float(logits[best]), margin, *row], dtype=float)


@dataclass(frozen=True)
class LinearModel:
    """A standardised logistic model over named features."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    def proba(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.logits(x))

    def against(self, x: np.ndarray) -> str:
        """The feature that pulls this row's score down the most (for a refusal's reason)."""
        return self.names[int(np.argmin((x - self.mean) / self.scale * self.coef))]

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.names),
            "mean": self.mean.round(6).tolist(),
            "scale": self.scale.round(6).tolist(),
            "coef": self.coef.round(6).tolist(),
            "intercept": round(self.intercept, 6),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], names: tuple[str, ...]) -> LinearModel:
        if tuple(data["features"]) != names:
            raise ValueError("reader model was trained on other features: run `policyqa train-reader`")
        return cls(
            names,
            np.asarray(data["mean"], dtype=float),
            np.asarray(data["scale"], dtype=float),
            np.asarray(data["coef"], dtype=float),
            float(data["intercept"]),
        )

    @classmethod
    def zeros(cls, names: tuple[str, ...]) -> LinearModel:
        n = len(names)
        return cls(names, np.zeros(n), np.ones(n), np.zeros(n), 0.0)


_ASKS_FIGURE = JUDGE_FEATURES.index("asks_numeric")


@dataclass(frozen=True)
class ReaderModel:
    """Ranker (which sentence answers) and two judges (does the best one really answer): one for
    questions that ask for a figure, one for those that do not (yes/no, who, procedure), whose right
    sentences look different (a number in the sentence counts for the first and against the second)."""

    ranker: LinearModel
    judge: LinearModel  # questions asking for a figure
    judge_other: LinearModel  # questions asking for none
    threshold: float  # refuse when the judge's probability is below this
    meta: dict[str, object]

    def judge_for(self, row: np.ndarray) -> LinearModel:
        """The judge of the question behind a judge row."""
        return self.judge if row[_ASKS_FIGURE] > 0.5 else self.judge_other

    def confidence(self, row: np.ndarray) -> float:
        return float(self.judge_for(row).proba(row[None, :])[0])

    def to_json(self) -> dict[str, object]:
        return {
            "ranker": self.ranker.to_json(),
            "judge": self.judge.to_json(),
            "judge_other": self.judge_other.to_json(),
            "threshold": round(self.threshold, 4),
            **self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReaderModel:
        if "judge_other" not in data:
            raise ValueError("reader model was trained on other features: run `policyqa train-reader`")
        meta = {k: v for k, v in data.items() if k not in {"ranker", "judge", "judge_other", "threshold"}}
        return cls(
            LinearModel.from_json(data["ranker"], FEATURES),
            LinearModel.from_json(data["judge"], JUDGE_FEATURES),
            LinearModel.from_json(data["judge_other"], JUDGE_FEATURES),
            float(data["threshold"]),
            meta,
        )

    @classmethod
    def untrained(cls) -> ReaderModel:
        """All-zero weights: only for computing features before the first training."""
        zeros = LinearModel.zeros(JUDGE_FEATURES)
        return cls(LinearModel.zeros(FEATURES), zeros, zeros, 0.5, {"untrained": True})

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> ReaderModel:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


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
        ctx_places = [pl for pl in q.places if pl in scope or _stem(pl) in scope]
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
            bigrams_p=_share(q.bigrams, para),
        )

    def _row(self, q: Query, c: Candidate, dense: float, ctx: _Context) -> list[float]:
        lex = lexicon()
        s, s_search, s_tokens = sentence_forms(c.sentence)
        p = c.paragraph
        total = q.total_weight
        w = q.terms
        cov_s = _coverage(w, total, lambda t: t in s_tokens or t in s_search)
        phrases = q.phrases
        phrase_s = sum(ph in s for ph in phrases) / len(phrases) if phrases else 1.0
        missing_corpus = _coverage(w, total, lambda t: t in q.missing_terms)
        numeric = q.kind in NUMERIC_KINDS
        states = bool(q.kind) and states_figure(s, q.kind)  # type: ignore[arg-type]
        has_number = bool(lex.has_number.search(c.sentence))
        wants_number = numeric or bool(lex.asks_number.search(q.norm))
        measure_s = any(m in s for m in q.measures) or any(
            st in s for st in q.slots.get("measure", frozenset())
        )
        conflict = False
        for m in q.measures:
            head = m[2:]
            if m not in s and head in s and any(o != m for o in _measures_in(s, head)):
                conflict = True
        near = self._figure_near(s, q)
        sent_places = [pl for pl in q.places if pl in s or _stem(pl) in s]
        s_years = years_in(s)
        qy = set(q.years)
        slot_terms = {k: v for k, v in q.slots.items() if k != "measure"}
        slot_match = (
            sum(any(t in s for t in v) for v in slot_terms.values()) / len(slot_terms) if slot_terms else 0.0
        )
        slot_conflict = 0.0
        siblings = q.slot_siblings
        for slot, wanted in slot_terms.items():
            if not any(t in s for t in wanted) and any(t in s for t in siblings[slot]):
                slot_conflict += 1.0
        groups = q.slots.get("group", frozenset())
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
            float(ctx.other_place or (bool(q.places) and not sent_places and bool(_any_place(s, p)))),
            float(bool(qy & s_years)),
            float(bool(qy) and bool(s_years) and not (qy & s_years)),
            ctx.year_absent,
            slot_match,
            slot_conflict,
            float(q.yes_no and bool(groups) and not any(g in s for g in groups)),
            float(bool(q.negated_group) and q.negated_group in s and "非" + q.negated_group not in s),
            math.log1p(len(s)),
            float(p.is_heading),
            float(any(x in s for x in q.targets)),
            float(any(_near_number(s, x) for x in q.targets)),
            ctx.target_a,
            _share(q.bigrams, s),
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


def _share(bigrams: frozenset[str], text: str) -> float:
    return sum(b in text for b in bigrams) / len(bigrams) if bigrams else 0.0


def _near_number(s: str, word: str, window: int = 10) -> bool:
    i = s.find(word)
    while i >= 0:
        if lexicon().has_number.search(s[max(0, i - window) : i + len(word) + window]):
            return True
        i = s.find(word, i + 1)
    return False


def _stem(place: str) -> str:
    return place[:-1] if len(place) > 2 else place


def _measures_in(s: str, head: str) -> list[str]:
    out, i = [], s.find(head)
    while i >= 0:
        if i >= 2:
            out.append(s[i - 2 : i + len(head)])
        i = s.find(head, i + 1)
    return out


def _any_place(s: str, p: Paragraph) -> bool:
    """The sentence names one of its paragraph's scope places (so it is about that place)."""
    return any(pl in s for pl in p.places)


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
