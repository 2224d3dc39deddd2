"""Pick the evidence sentences that answer a question from the retrieved chunks, with a confidence score."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.figures import NUMERIC_KINDS, question_scope, states_figure, wanted_figure, years_in
from assistant.slots import slots
from index.base import SearchHit
from index.bm25 import tokenize
from ingestion import normalize_text
from ingestion.models import Paragraph
from ingestion.normalize import search_form

RANK_PRIOR = 0.1  # retrieval is strong (MRR ~0.87): a sentence from the top chunk deserves trust
_SUBJECT_ORG = re.compile(
    r"^\W*(?:[0-9]+[.、．]|[一二三四五六七八九十]+[、是]|[(（][0-9一二三四五六七八九十]+[)）])?\s*"
    r"(?:各|由)?[\u4e00-\u9fff]{0,6}(?:村委会|居委会|村民委员会|局|办|委|残联|部门|中心|机构|政府|医院|卫生院)"
)
_YES_NO = re.compile(r"吗[？?]?$|是否|能不能|可不可以|有没有|算不算")
_SENT_END = re.compile(r"(?<=[。！？；!?;])|\n")
_HAS_NUMBER = re.compile(r"[0-9０-９]|[一二三四五六七八九十百千万]+[个%％元人户次名倍项种]|百分之")
_ASKS_NUMBER = re.compile(
    r"多少|几|比例|比率|[^自]比$|率|标准|金额|额度|起付|封顶|上限|下限|多高|多大|哪天|几月|何时|什么时候"
)


@dataclass(frozen=True)
class Evidence:
    """One sentence of a retrieved paragraph, scored against the question."""

    sentence: str  # display text as written
    paragraph: Paragraph
    chunk_rank: int  # 1-based rank of the chunk it came from
    score: float  # 0..~1.2, higher is better
    coverage: float  # IDF-weighted share of the question's terms found in the sentence


def split_sentences(text: str) -> list[str]:
    """Sentences at Chinese and ASCII sentence ends; keeps the punctuation, drops empty pieces."""
    return [s.strip() for s in _SENT_END.split(text) if s and s.strip()]


def asks_for_number(question: str) -> bool:
    return bool(_ASKS_NUMBER.search(question))


class EvidencePicker:
    """Scores sentences by IDF-weighted term coverage, dense similarity, chunk rank and number fit."""

    def __init__(
        self,
        paragraphs: dict[str, Paragraph],
        idf: Callable[[str], float],
        similarity: Callable[[str, list[str]], list[float]] | None = None,
    ) -> None:
        self.paragraphs = paragraphs
        self.idf = idf
        self.similarity = similarity

    def candidates(self, hits: list[SearchHit], top: int) -> list[tuple[str, Paragraph, int]]:
        out: list[tuple[str, Paragraph, int]] = []
        seen: set[tuple[str, str]] = set()
        for rank, hit in enumerate(hits[:top], 1):
            for pid in hit.chunk.paragraph_ids:
                para = self.paragraphs.get(pid)
                if para is None:
                    continue
                for sent in split_sentences(para.text):
                    if len(sent) < 4 or sent not in hit.chunk.text or (pid, sent) in seen:
                        continue
                    seen.add((pid, sent))
                    out.append((sent, para, rank))
        return out

    def pick(self, question: str, hits: list[SearchHit], top: int = 5) -> list[Evidence]:
        """All candidate sentences of the top chunks, best first.

        Beyond term coverage and dense similarity: a sentence that states the kind of figure asked for
        (money, ratio, date, count) and one inside the place/year the question names rank higher.
        """
        q_norm = normalize_text(question)
        q_terms = {t for t in tokenize(search_form(q_norm)) if len(t) > 1 or not t.isascii()}
        weights = {t: self.idf(t) for t in q_terms}
        total = sum(weights.values()) or 1.0
        cands = self.candidates(hits, top)
        if not cands:
            return []
        dense = (
            list(self.similarity(q_norm, [normalize_text(s) for s, _, _ in cands]))
            if self.similarity
            else [0.0] * len(cands)
        )
        kind = wanted_figure(q_norm)
        wants_number = kind is not None or asks_for_number(q_norm)
        places, years = question_scope(q_norm)
        q_slots = named_slot_terms(q_norm)
        yes_no = bool(_YES_NO.search(q_norm))
        scored: list[Evidence] = []
        for (sent, para, rank), sim in zip(cands, dense, strict=True):
            s_norm = normalize_text(sent)
            s_terms = set(tokenize(search_form(s_norm)))
            coverage = sum(w for t, w in weights.items() if t in s_terms) / total
            score = 0.65 * coverage + 0.35 * max(0.0, float(sim)) + RANK_PRIOR / rank
            if kind == "who" and _SUBJECT_ORG.match(s_norm):
                score += 0.12  # "who approves?" is answered by the sentence whose subject is the office
            if kind is not None:
                score += 0.1 if states_figure(s_norm, kind) else -0.1
                if kind not in NUMERIC_KINDS and asks_for_number(q_norm):
                    score += 0.05 if _HAS_NUMBER.search(sent) else -0.05
            elif wants_number:
                score += 0.08 if _HAS_NUMBER.search(sent) else -0.08
            score += self._scope_bonus(s_norm, para, places, years)
            score += slot_bonus(q_slots, s_norm)
            if yes_no and "group" in q_slots and not any(t in s_norm for t in q_slots["group"]):
                score -= 0.1  # "can a 五保户 …?" is not answered by a sentence that never names the group
            scored.append(Evidence(sent, para, rank, score, coverage))
        scored.sort(key=lambda e: -e.score)
        return scored

    @staticmethod
    def _scope_bonus(sentence: str, para: Paragraph, places: set[str], years: set[str]) -> float:
        """Prefer the place and year the question names; penalise a sentence about another year."""
        if not places and not years:
            return 0.0
        context = normalize_text(" ".join([para.text, para.article_title, *para.heading_path]))
        bonus = 0.0
        for place in places:
            stem = place[:-1] if len(place) > 2 else place
            if place in sentence or stem in sentence:
                bonus += 0.12
            elif place in context or stem in context:
                bonus += 0.06
        if years:
            sent_years = years_in(sentence)
            if sent_years & years:
                bonus += 0.12
            elif sent_years:
                bonus -= 0.12
            elif years & years_in(context):
                bonus += 0.04
        return bonus


def prefer_stated_figure(question: str, evidence: list[Evidence], ratio: float = 0.7) -> list[Evidence]:
    """A question asking for money/ratio/date/count is answered by the best sentence that states one,
    if it is nearly as strong as the overall best (a topical sentence without the figure answers nothing)."""
    kind = wanted_figure(normalize_text(question))
    if kind not in NUMERIC_KINDS or not evidence:
        return evidence
    if states_figure(normalize_text(evidence[0].sentence), kind):
        return evidence
    q_slots = {k: v for k, v in named_slot_terms(normalize_text(question)).items() if k != "measure"}
    for i, e in enumerate(evidence[1:], 1):
        if e.score < ratio * evidence[0].score:
            break
        s = normalize_text(e.sentence)
        on_topic = e.coverage >= 0.8 * evidence[0].coverage or (
            bool(q_slots) and all(any(t in s for t in terms) for terms in q_slots.values())
        )
        if states_figure(s, kind) and on_topic:
            return [e, *evidence[:i], *evidence[i + 1 :]]
    return evidence


def named_slot_terms(question_norm: str) -> dict[str, set[str]]:
    """Slot -> terms the question names (县级, 特困户, 糖尿病…): the sub-scope the answer must match.

    A measure (起付线, 报销比例…) is kept by its two-character stem, so 零起付 answers 起付线.
    """
    out: dict[str, set[str]] = {}
    for slot, terms in slots().items():
        if slot == "measure":
            stems = {t[:2] for t in terms if t in question_norm}
            if stems:
                out[slot] = stems
            continue
        found = {t for t in terms if t in question_norm}
        found = {t for t in found if not any(t != u and t in u for u in found)}
        if found:
            out[slot] = found
    return out


def slot_bonus(q_slots: dict[str, set[str]], sentence: str) -> float:
    """+ for a sentence naming the question's slot value, - for one naming only a sibling value."""
    bonus = 0.0
    for slot, wanted in q_slots.items():
        if slot == "measure":
            bonus += 0.08 if any(t in sentence for t in wanted) else -0.08
            continue
        if any(t in sentence for t in wanted):
            bonus += 0.08
        elif any(t in sentence for t in slots()[slot] if not any(t in w or w in t for w in wanted)):
            bonus -= 0.08
    return bonus


def idf_table(doc_freq: dict[str, int], n_docs: int) -> Callable[[str], float]:
    """BM25-style IDF; unknown terms get the maximum weight (rare by definition)."""
    top = math.log(1 + (n_docs + 0.5) / 0.5)

    def idf(term: str) -> float:
        df = doc_freq.get(term)
        if not df:
            return top
        return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))

    return idf
