"""What each number of a text is: a figure of some measure, a date part, or a list ordinal.

A number alone does not ground a claim: `86%` stated as 体检率 is no evidence for "规范管理率是86%", a total
paid out is no evidence for a per-household standard, and the `3` of `3、做好…备案工作` or of `2016年3月` is
no evidence for "有效期是3个月". This module reads, for every number of a (folded) text, its unit, its role
(quantity, date part, ordinal), the measure it is attached to (the nearest measure noun of its clause that
can carry a figure of that unit; in an enumeration, the one stated earlier in the sentence) and the per-unit
qualifiers (每人, 每户, 每年…) and scopes (住院/门诊, 乡镇/县级) stated with it; `supports` says whether a
cited figure backs an answer's.
All vocabulary is in the lexicon (data/lexicon.toml, `measures`); values come from `assistant.numbers`,
as in the eval metric.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Literal

from assistant.lexicon import table
from assistant.numbers import fold, iter_numbers

Role = Literal["quantity", "date", "ordinal"]
FigureClass = Literal["ratio", "money", "count", "duration", "any"]

_UNIT_CLASS: dict[str, FigureClass] = {
    "ratio": "ratio",
    "money": "money",
    "person_time": "count",
    "person": "count",
    "household": "count",
    "times": "count",
    "item": "count",
    "months": "duration",
    "days": "duration",
    "years": "duration",
}


@dataclass(frozen=True)
class Measure:
    """A measure noun as found in a text: `core` is what it is compared by, `names` what it may match."""

    text: str  # as written (folded), e.g. 规范管理率
    core: str  # 管理 for a suffix measure (…率), the listed term (补助标准) otherwise
    names: frozenset[str]  # the listed group's terms, or the measure and its short key (管理率)
    group: str | None  # listed synonym group, None for a measure named by its suffix
    cls: FigureClass
    start: int
    end: int
    also: tuple[Measure, ...] = ()  # measure words written right before it (报销 of 报销标准)

    @property
    def parts(self) -> tuple[Measure, ...]:
        return (*self.also, self)


@dataclass(frozen=True)
class Figure:
    """One number of a text with what it is attached to."""

    value: str  # canonical, as `assistant.numbers.iter_numbers` gives it (`90%`, `13334100`)
    unit: str  # unit family from the data file (`money`, `months`…), "" when none is written
    role: Role
    measure: Measure | None
    qualifiers: frozenset[str]  # per-unit qualifiers stated with it (`per_person`, `per_year`…)
    start: int
    end: int
    scopes: frozenset[tuple[str, str]] = frozenset()  # (dimension, value) stated with it: (setting, 住院)

    @property
    def cls(self) -> FigureClass:
        """What kind of measure can carry it: a `%` figure a ratio, a `元` figure an amount…"""
        if self.value.endswith("%"):
            return "ratio"
        return _UNIT_CLASS.get(self.unit, "any")

    def describe(self) -> str:
        """Short text for a removal reason: `86% (体检率)`."""
        what = (
            self.measure.text if self.measure else {"date": "date", "ordinal": "list number"}.get(self.role)
        )
        return f"{self.value} ({what})" if what else self.value


@dataclass(frozen=True)
class _Vocabulary:
    measures: list[tuple[str, str, FigureClass, tuple[str, ...]]]  # (term, group, class, group terms)
    generic: dict[str, frozenset[str]]  # generic group -> groups it is never the same as
    suffix_class: FigureClass
    suffixes: tuple[str, ...]
    qualifiers: dict[str, tuple[str, ...]]
    scopes: list[tuple[str, str, tuple[str, ...]]]  # (dimension, value, terms)
    units: list[tuple[str, str]]  # (term, family), longest first
    particles: str
    changes: tuple[str, ...]


@cache
def _vocabulary() -> _Vocabulary:
    measures: list[tuple[str, str, FigureClass, tuple[str, ...]]] = []
    suffixes: tuple[str, ...] = ()
    suffix_class: FigureClass = "ratio"
    qualifiers: dict[str, tuple[str, ...]] = {}
    scopes: list[tuple[str, str, tuple[str, ...]]] = []
    generic: dict[str, frozenset[str]] = {}
    group_terms: dict[str, list[str]] = {}
    units: list[tuple[str, str]] = []
    particles = ""
    changes: tuple[str, ...] = ()
    for line in table("measures").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, *cols = line.split("\t")
        if kind == "measure":
            group, cls, terms = cols[0], cols[1], cols[2].split()
            group_terms.setdefault(group, []).extend(terms)
            measures += [(t, group, cls, ()) for t in terms]  # type: ignore[misc]
        elif kind == "generic":
            generic[cols[0]] = frozenset(cols[1].split())
        elif kind == "suffix":
            suffix_class, suffixes = cols[0], tuple(cols[1].split())  # type: ignore[assignment]
        elif kind == "qualifier":
            qualifiers[cols[0]] = tuple(cols[1].split())
        elif kind == "scope":
            scopes.append((cols[0], cols[1], tuple(cols[2].split())))
        elif kind == "unit":
            units += [(t, cols[0]) for t in cols[1].split()]
        elif kind == "particle":
            particles = "".join(cols[0].split())
        elif kind == "change":
            changes = tuple(cols[0].split())
    measures = [(t, g, c, tuple(group_terms[g])) for t, g, c, _ in measures]
    measures.sort(key=lambda m: len(m[0]), reverse=True)
    units.sort(key=lambda u: len(u[0]), reverse=True)
    return _Vocabulary(
        measures, generic, suffix_class, suffixes, qualifiers, scopes, units, particles, changes
    )


@cache
def _measure_re() -> re.Pattern[str]:
    v = _vocabulary()
    listed = "|".join(re.escape(t) for t, *_ in v.measures)
    heads = "|".join(re.escape(s) for s in sorted(v.suffixes, key=len, reverse=True))
    stem = _stem_class(v.particles)
    # `率先` is a word, not a measure; a measure named by its suffix keeps up to 4 characters of stem.
    return re.compile(rf"(?P<listed>{listed})|(?P<stem>{stem}{{0,4}}?)(?P<head>{heads})(?!先|领)")


def _stem_class(particles: str) -> str:
    """Chinese characters except the particles that end a measure's stem."""
    return rf"(?:(?![{re.escape(particles)}])[\u4e00-\u9fff])"


_CN = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖十拾百佰千仟万亿"
_CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CANDIDATE = re.compile(
    rf"百分之(?:\d+(?:\.\d+)?|[{_CN}]+(?:点[{_CN_DIGITS}]+)?)"
    rf"|(?<![\d.])(?:\d{{1,3}}(?:,\d{{3}})+(?!\d)|\d+)(?:\.\d+)?(?:亿|千万|百万|万|千)?%?"
    rf"|[{_CN}]+(?:点[{_CN_DIGITS}]+)?%?"
)
_CITATION_MARK = re.compile(r"\[\d+(?:[,、\-]\d+)*\]")
_CLAUSE_END = set("，,；;：:。！？!?\n")
_SENTENCE_END = set("；;。！？!?\n")
_LIST_OPEN = set("(（")
_LIST_CLOSE = set(")）")
_DATE_TAIL = re.compile(r"年|[-—~～至到]\d{4}")
_MONTH_DAY = re.compile(r"[日号]")


def _clause_start(s: str, i: int) -> bool:
    """Nothing but outline punctuation between the previous clause end (or the text start) and `i`."""
    j = i - 1
    while j >= 0 and (s[j].isspace() or s[j] in _LIST_CLOSE):
        j -= 1
    return j < 0 or s[j] in _CLAUSE_END


def _role(s: str, start: int, end: int, value: str, unit: str) -> Role:
    """Ordinal (`3、`, `(3)`, `第三`, `3.做好`), date part (`2016年`, `3月`, `3月5日`) or quantity."""
    before, after = s[start - 1 : start], s[end : end + 1]
    if before == "第" or (before in _LIST_OPEN and after in _LIST_CLOSE):
        return "ordinal"
    if _clause_start(s, start) and (after == "、" or (after == "." and not s[end + 1 : end + 2].isdigit())):
        return "ordinal"
    if value.isdigit():
        n = int(value)
        if 1900 <= n <= 2099 and _DATE_TAIL.match(s, end):
            return "date"
        if unit == "calendar_month" and 1 <= n <= 12:
            return "date"
        if before == "月" and _MONTH_DAY.match(s, end):
            return "date"
    return "ordinal" if value.isdigit() and after == "是" and _clause_start(s, start) else "quantity"


@cache
def _units() -> tuple[re.Pattern[str], dict[str, str]]:
    units = _vocabulary().units
    return re.compile("|".join(re.escape(t) for t, _ in units)), dict(units)


def _unit(s: str, end: int) -> str:
    """Unit family of the unit word right after a number (`个月` -> months), "" when none."""
    pattern, family = _units()
    m = pattern.match(s, end)
    return family[m.group(0)] if m else ""


def _measures(s: str) -> list[Measure]:
    v = _vocabulary()
    by_term = {t: (g, c, terms) for t, g, c, terms in v.measures}
    out: list[Measure] = []
    for m in _measure_re().finditer(s):
        if m.group("listed"):
            group, cls, terms = by_term[m.group("listed")]
            out.append(Measure(m.group(0), m.group(0), frozenset(terms), group, cls, m.start(), m.end()))
        else:
            stem, head = m.group("stem"), m.group("head")
            word = stem + head
            tail = next((word[i:] for i in range(len(word) - 1) if word[i:] in by_term), None)
            if tail is not None:  # 提高报销比例: the listed 报销比例, not a new measure 提高报销比例
                group, cls, terms = by_term[tail]
                out.append(Measure(tail, tail, frozenset(terms), group, cls, m.end() - len(tail), m.end()))
                continue
            key = stem[-2:]
            names = frozenset({stem + head, key + head})
            out.append(Measure(m.group(0), key, names, None, v.suffix_class, m.start(), m.end()))
    merged: list[Measure] = []
    for m in out:  # 报销标准: one measure of two words, classed by its head word unless that is generic
        if merged and merged[-1].end == m.start:
            prev = merged.pop()
            cls = prev.cls if m.cls == "any" else m.cls
            m = replace(m, text=prev.text + m.text, cls=cls, start=prev.start, also=prev.parts)
        merged.append(m)
    return merged


def _fits(measure: Measure, cls: FigureClass) -> bool:
    return measure.cls == "any" or cls == "any" or measure.cls == cls


def _scopes(text: str) -> frozenset[tuple[str, str]]:
    return frozenset(
        (dim, value) for dim, value, terms in _vocabulary().scopes if any(t in text for t in terms)
    )


def _qualifiers(text: str) -> frozenset[str]:
    return frozenset(
        name for name, terms in _vocabulary().qualifiers.items() if any(t in text for t in terms)
    )


class _Cuts:
    """Clause and sentence boundaries of one text, for bisecting instead of scanning."""

    def __init__(self, s: str) -> None:
        self.n = len(s)
        self.clause = [i for i, ch in enumerate(s) if ch in _CLAUSE_END]
        self.sentence = [i for i, ch in enumerate(s) if ch in _SENTENCE_END]

    def around(self, i: int, sentence: bool = False) -> tuple[int, int]:
        """Start and end of the clause (or sentence) holding position `i`."""
        cuts = self.sentence if sentence else self.clause
        k = bisect_left(cuts, i)
        return (cuts[k - 1] + 1 if k else 0), (cuts[k] if k < len(cuts) else self.n)


def _attach(
    s: str, cuts: _Cuts, start: int, end: int, cls: FigureClass, measures: list[Measure], claim: bool
) -> tuple[Measure | None, int]:
    """The measure a figure belongs to and where its context starts: the nearest fitting measure before it
    in its clause (any measure when a change word stands between: 起付线降低50%), else after it in its
    clause, else, when its clause names no measure at all, the nearest fitting one before it in its sentence
    (a measure stated once for an enumeration: `报销比例:乡镇90%,县级80%`). A `claim` (an answer's
    figure) takes the nearest measure before it in its clause even when its kind does not fit."""
    c_lo, c_hi = cuts.around(start)
    s_lo, _ = cuts.around(start, sentence=True)
    changes = _vocabulary().changes
    fitting = [m for m in measures if _fits(m, cls) and not (m.start < end and start < m.end)]
    changed = [
        m
        for m in measures
        if c_lo <= m.start and m.end <= start and any(w in s[m.end : start] for w in changes)
    ]
    before = sorted(
        {*changed, *(m for m in fitting if c_lo <= m.start and m.end <= start)}, key=lambda m: m.start
    )
    if before:
        return before[-1], c_lo
    after = [m for m in fitting if end <= m.start and m.end <= c_hi]
    if after:
        return after[0], c_lo
    in_clause = [m for m in measures if c_lo <= m.start and m.end <= start]
    if claim and in_clause:  # an answer that says 起付线为90% claims 起付线, however odd the unit
        return in_clause[-1], c_lo
    if any(c_lo <= m.start and m.end <= c_hi for m in measures):
        return None, c_lo  # its clause names a measure of another kind: it is that subject's, unnamed here
    earlier = [m for m in fitting if s_lo <= m.start and m.end <= start]
    if earlier:
        m = earlier[-1]
        return m, cuts.around(m.start)[0]
    return None, c_lo


@lru_cache(maxsize=4096)
def figures_in(text: str, claim: bool = False) -> tuple[Figure, ...]:
    """Every number of `text` (folded; `[n]` markers ignored) with its unit, role, measure, qualifiers;
    `claim=True` reads an answer sentence, whose wording says what it claims (see `_attach`)."""
    s = _CITATION_MARK.sub(lambda m: " " * len(m.group(0)), fold(text))
    measures = _measures(s)
    cuts = _Cuts(s)
    out: list[Figure] = []
    for m in _CANDIDATE.finditer(s):
        following = s[m.end() : m.end() + 1]  # decides whether a lone 三 is a number (三个) or a word (三是)
        values = iter_numbers(m.group(0) + ("" if following.isdigit() else following))
        if not values:
            continue
        value, unit = values[0], _unit(s, m.end())
        role = _role(s, m.start(), m.end(), value, unit)
        probe = Figure(value, unit, role, None, frozenset(), m.start(), m.end())
        measure, lo = (
            _attach(s, cuts, m.start(), m.end(), probe.cls, measures, claim)
            if role == "quantity"
            else (None, 0)
        )
        _, hi = cuts.around(m.start())
        context = s[lo:hi] if role == "quantity" else ""
        figure = Figure(
            value, unit, role, measure, _qualifiers(context), m.start(), m.end(), _scopes(context)
        )
        out.append(figure)
    return tuple(out)


def same_measure(a: Measure, b: Measure) -> bool:
    """One measure, by a general rule: one synonym group, or one's core inside a name of the other
    (管理 in 规范管理率, 签约 in 签约服务率); 体检率 and 管理率 share neither. A generic word (标准) agrees
    with any measure but the groups it excludes (a standard is not a total)."""
    return any(_same_word(x, y) for x in a.parts for y in b.parts)


def _same_word(a: Measure, b: Measure) -> bool:
    if a.group is not None and a.group == b.group:
        return True
    generic = _vocabulary().generic
    for x, y in ((a, b), (b, a)):
        if x.group in generic:
            return y.group not in generic[x.group]  # type: ignore[index]
    return any(a.core in n for n in b.names) or any(b.core in n for n in a.names)


def supports(cited: Figure, claimed: Figure) -> bool:
    """The cited figure backs the claimed one: same value and role, compatible unit, the same measure
    where both texts name one, every per-unit qualifier the claim attaches stated with it, and no other
    setting or level. A cited figure attached to no nameable measure is not evidence against a claim."""
    if cited.value != claimed.value:
        return False
    if claimed.role == "ordinal":  # the answer's own list numbering claims nothing
        return True
    if cited.role != claimed.role:
        return False
    if cited.unit and claimed.unit and cited.unit != claimed.unit:
        return False
    if claimed.role == "date":
        return True
    if (
        cited.measure is not None
        and claimed.measure is not None
        and not same_measure(cited.measure, claimed.measure)
    ):
        return False
    return claimed.qualifiers <= cited.qualifiers and not _scope_conflict(claimed.scopes, cited.scopes)


def _scope_conflict(claimed: frozenset[tuple[str, str]], cited: frozenset[tuple[str, str]]) -> bool:
    """Both state a scope of one dimension (住院/门诊, 乡镇/县级) and share no value of it: the cited figure
    is another setting's or level's. A scope only one side states is no conflict (it may be in a heading)."""
    for dim in {d for d, _ in claimed}:
        theirs = {v for d, v in cited if d == dim}
        if theirs and not theirs & {v for d, v in claimed if d == dim}:
            return True
    return False
