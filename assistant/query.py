"""One analysis of a question, built once and handed to every stage (reader, composer, grounding, reply).

It holds what the question asks about (weighted key terms and compound phrases, which of them the corpus
never mentions), what kind of figure it asks for and the measure that figure belongs to, and the scope it
names (places, years, groups, care setting, payer). All vocabulary comes from the lexicon file.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property

from assistant.corpus_text import CorpusText
from assistant.figures import FigureKind, wanted_figure
from assistant.lexicon import lexicon
from assistant.query_scope import CJK_WORD, named_places, named_slot_terms, negated_groups, scope_years
from index.bm25 import tokenize
from ingestion import normalize_text
from ingestion.normalize import search_form
from ingestion.segment import is_dictionary_word, pos_words

MAX_TERM_WEIGHT = 8.0
# A key term found only in clauses that ask nothing (background: who the writer is, what happened) counts
# half: set a priori, not tuned (docs/evals.md).
CONTEXT_WEIGHT = 0.5


@dataclass(frozen=True)
class Query:
    """What one question asks; every stage reads this instead of re-parsing the question."""

    text: str  # as asked (after follow-up rewriting)
    norm: str  # normalize_text(text)
    terms: dict[str, float]  # key terms (no asking words, no sub-words) -> IDF weight
    phrases: tuple[str, ...]  # compounds of adjacent key words (生育津贴, 职工医保) kept as units
    missing_terms: tuple[str, ...]  # key terms the corpus never uses
    missing_phrases: tuple[str, ...]  # compounds the corpus never writes, although their parts occur
    anchors: tuple[str, ...]  # the most specific known terms (highest IDF, places aside): the topic
    kind: FigureKind | None  # the kind of figure asked for
    measures: tuple[str, ...]  # what that figure measures (管理率, 报销比例, 起付线…)
    targets: tuple[
        str, ...
    ]  # the noun the asking word is about (多少张床位 -> 床位; 退耕还林每亩补多少 -> 退耕还林)
    places: tuple[str, ...]
    unknown_places: tuple[str, ...]  # places the corpus never names (an honest refusal)
    years: tuple[str, ...]
    slots: dict[str, frozenset[str]] = field(default_factory=dict)  # group/care/level/payer… it names
    bigrams: frozenset[str] = frozenset()  # CJK character pairs of its key wording (colloquial-robust)
    parts: int = 1  # how many figures or items it asks for
    yes_no: bool = False
    wants_number: bool = False  # asks for a number of any kind (多少, 比例, 标准, 多久…)
    negated_groups: tuple[str, ...] = ()  # 非贫困人口 -> 贫困人口; 既不是低保也不是五保 -> 低保, 五保
    given: tuple[str, ...] = ()  # figures the question states itself (一个月, 每亩50元): not what it asks
    per_unit: bool = False  # asks a figure per person, household or case (每人每年多少, 人均), not a total

    @property
    def total_weight(self) -> float:
        return sum(self.terms.values()) or 1.0

    @cached_property
    def slot_siblings(self) -> dict[str, tuple[str, ...]]:
        """Per named slot, the lexicon values unrelated to the asked ones (门诊 when 住院 is asked):
        what a sentence that names only another value of the slot names instead."""
        lex = lexicon()
        return {
            slot: tuple(
                t
                for t in lex.slots[slot]
                if not any(  # a synonym (one search form: 低保户 ~ 低保对象) or a part is no sibling
                    t in x or x in t or search_form(t) == search_form(x) or t in lex.slot_covers.get(x, ())
                    for x in wanted
                )
            )
            for slot, wanted in self.slots.items()
            if slot != "measure"
        }


def content_terms(norm: str) -> list[str]:
    """Terms that carry the question's topic: no asking words, no sub-words of longer terms."""
    lex = lexicon()
    tokens = dict.fromkeys(tokenize(search_form(norm)))
    terms = [t for t in tokens if len(t) > 1 and not lex.is_question_word(t)]
    return [t for t in terms if not any(t != u and t in u for u in terms)]


def _asks(clause: str) -> bool:
    lex = lexicon()
    clause = lex.asking_text(clause)
    return bool(lex.ask_one.search(clause) or lex.yes_no.search(clause) or wanted_figure(clause))


def asking_clauses(norm: str) -> tuple[list[str], list[str]]:
    """(the clauses that ask something, the others) of a question of two or more clauses, at least one of
    them asking ("我家是建档立卡户，老伴常年生病，住院能报多少？"); otherwise the whole question asks."""
    clauses = [c for c in re.split(r"[，,；;：:。]", norm) if c.strip()]
    asking = [c for c in clauses if _asks(c)]
    if len(clauses) < 2 or not asking:
        return [norm], []
    return asking, [c for c in clauses if c not in asking]


def _background_terms(asking: list[str], background: list[str]) -> set[str]:
    """Terms only in clauses that ask nothing: what the question is about is in its asking clauses."""
    if not background:  # one clause, or none asks: nothing is background (and no second tokenization)
        return set()
    in_asking = {t for c in asking for t in content_terms(c)}
    return {t for c in background for t in content_terms(c)} - in_asking


def key_bigrams(norm: str) -> frozenset[str]:
    """Character pairs of the question without its asking words: matches 报销 in 能报销 or 报销了."""
    text = norm
    for w in sorted(lexicon().question_words, key=len, reverse=True):
        text = text.replace(w, " ")
    return frozenset(a + b for a, b in itertools.pairwise(text) if CJK_WORD.match(a + b))


def asked_parts(norm: str) -> int:
    """How many figures the question asks for: 各/分别 over a list, several 多少/几, or one figure of
    each listed measure or disease (起付线和封顶线是多少, 高血压和糖尿病的管理率)."""
    lex = lexicon()
    m = lex.ask_each.search(norm)
    items = len(lex.list_separators.split(m.group(1))) if m else 1
    return max(1, items, len(lex.ask_one.findall(norm)) + _asked_again(norm), _listed_values(norm))


def _asked_again(norm: str) -> int:
    """Figures asked again for another case by a bare "…呢？" after a question ("省外来的有多少人次、报了
    多少钱？省内市外来的呢？" asks both again): the previous question's asks, per such sentence."""
    ask_one = lexicon().ask_one
    sentences = [x for x in re.split(r"[？?]", norm) if x.strip()]
    return sum(
        len(ask_one.findall(prev))
        for prev, cur in itertools.pairwise(sentences)
        if cur.rstrip().endswith("呢") and not ask_one.search(cur)
    )


def _listed_values(norm: str) -> int:
    """The longest run of one slot's values joined by list separators (起付线和封顶线 -> 2)."""
    separators = lexicon().list_separators
    runs = [m.group(0) for pattern in _slot_runs() if (m := pattern.search(norm))]
    return max([1, *(len(separators.split(r)) for r in runs)])


@cache
def _slot_runs() -> tuple[re.Pattern[str], ...]:
    """Per listable slot (measures, diseases), the pattern of two or more of its values in a list."""
    lex = lexicon()
    out = []
    for slot in ("measure", "disease"):
        values = "|".join(re.escape(t) for t in lex.slots[slot])
        out.append(re.compile(rf"(?:{values})(?:(?:{lex.list_separators.pattern})(?:{values}))+"))
    return tuple(out)


def asked_measures(norm: str) -> tuple[str, ...]:
    """Measure nouns of the question (体检率, 报销比例, 补助标准): two characters before a measure head."""
    pattern = rf"(?=([\u4e00-\u9fff]{{2}}(?:{lexicon().measure_heads.pattern})))"
    out = [m.group(1) for m in re.finditer(pattern, norm)]
    return tuple(dict.fromkeys(out))


def _phrases(norm: str) -> list[str]:
    """A word joined to the benefit/scheme noun after it (生育+津贴, 职工+医保): asked as one unit.

    Slot values (住院, 贫困人口…) combine freely with anything and never start a compound.
    """
    lex = lexicon()
    slot_terms = {t for terms in lex.slots.values() for t in terms}
    words = [w for w, _ in pos_words(norm)]
    out: list[str] = []
    for w1, w2 in itertools.pairwise(words):
        if (
            w2 in lex.benefit_heads
            and len(w1) >= 2
            and CJK_WORD.match(w1)
            and not lex.is_question_word(w1)
            and w1 not in slot_terms
        ):
            out.append(w1 + w2)
    return list(dict.fromkeys(out))


def given_figures(norm: str) -> tuple[str, ...]:
    """The figures a question states (每亩50元, 一个月, 2019年底): the answer is another figure."""
    lex = lexicon()
    found = [
        m.group(0)
        for kind in ("money", "ratio", "count", "duration", "date")
        for m in lex.states[kind].finditer(norm)
    ]
    return tuple(sorted(set(found), key=len, reverse=True))


def asked_targets(norm: str) -> tuple[str, ...]:
    """The content noun next to each asking word: the thing whose figure or name is wanted.

    Right of the asking word first (多少张床位), else the nearest noun before it, skipping per-unit
    words, verbs and adverbs (退耕还林每亩每年补多少).
    """
    lex = lexicon()
    words = pos_words(norm)
    out: list[str] = []
    for i, (w, _) in enumerate(words):
        if not lex.ask_one.search(w) and w not in {"什么", "哪些"}:
            continue
        right = [x for x, f in words[i + 1 : i + 3] if _is_target(x, f)]
        left = [x for x, f in reversed(words[max(0, i - 5) : i]) if _is_target(x, f)]
        pick = right[:1] or left[:1]
        out += pick
    return tuple(dict.fromkeys(out))


def _is_target(word: str, flag: str) -> bool:
    return (
        len(word) >= 2
        and bool(CJK_WORD.match(word))
        and flag.startswith(("n", "l", "j", "vn"))
        and not word.startswith("每")
        and not lexicon().is_question_word(word)
    )


class QueryAnalyzer:
    """Builds a `Query` against one corpus: IDF weights and "does the corpus ever say this?" need it."""

    def __init__(self, idf: Callable[[str], float], doc_freq: Callable[[str], int], corpus_text: str) -> None:
        self.idf = idf
        self.doc_freq = doc_freq
        self.corpus_text = CorpusText(corpus_text)  # normalised text of every paragraph, titles included

    def in_corpus(self, text: str) -> bool:
        return text in self.corpus_text

    def _fragment(self, term: str) -> bool:
        """A piece of wording the segmenter glued (率有 of 体检率有多少, 钱能, 能补): no word of jieba's
        dictionary, never in the corpus, holding a function character. As a key term it would weigh
        most and count as evidence the documents lack; 新冠 or 讨薪 stay words."""
        return (
            bool(CJK_WORD.match(term))
            and not self.doc_freq(term)
            and not self.in_corpus(term)
            and not is_dictionary_word(term)
            and any(ch in lexicon().function_chars for ch in term)
        )

    def analyse(self, question: str) -> Query:
        norm = normalize_text(question)
        lex = lexicon()
        asked = lex.asking_text(norm)  # "前几天住院了，能报多少？" asks no duration
        terms = [t for t in content_terms(norm) if not self._fragment(t)]
        asking, background = asking_clauses(norm)
        context = _background_terms(asking, background)
        weights = {
            t: min(self.idf(t), MAX_TERM_WEIGHT) * (CONTEXT_WEIGHT if t in context else 1.0) for t in terms
        }
        places = named_places(norm, self.in_corpus)
        unknown = [
            p for p in places if not self.in_corpus(p) and not self.in_corpus(p.rstrip("省市县区镇乡村旗"))
        ]
        phrases = _phrases(norm)
        missing_phrases = [p for p in phrases if not self.in_corpus(p) and not self.in_corpus(search_form(p))]
        known = [t for t in terms if self.doc_freq(t) and not any(t in p for p in places)]
        anchors = sorted(known, key=lambda t: -self.idf(t))[:2]
        slots = named_slot_terms(norm)
        return Query(
            text=question,
            norm=norm,
            terms=weights,
            phrases=tuple(phrases),
            missing_terms=tuple(t for t in terms if not self.doc_freq(t) and not self.in_corpus(t)),
            missing_phrases=tuple(missing_phrases),
            anchors=tuple(anchors),
            kind=wanted_figure(asked),
            measures=asked_measures(norm),
            targets=asked_targets(asked),
            places=tuple(places),
            unknown_places=tuple(unknown),
            years=tuple(sorted(scope_years(asking, background))),
            slots=slots,
            bigrams=key_bigrams("，".join(asking)),  # background wording is not what is asked
            parts=asked_parts(asked),
            yes_no=bool(lex.yes_no.search(asked)),
            # a yes/no question asks whether (有没有起付线), unless it also asks how much (多少, 几)
            wants_number=bool(lex.asks_number.search(asked))
            and (not lex.yes_no.search(asked) or bool(lex.how_much.search(asked))),
            negated_groups=negated_groups(norm, slots.get("group", frozenset())),
            given=given_figures(asked),
            per_unit=bool(lex.per_unit_asked.search(asked)),
        )
