"""The offline default backend: an answer made only of verbatim evidence sentences, each cited.

The reader's best sentence answers most questions; more are added only when the question asks several
things (各、分别、several 多少) or when an almost equally likely sentence from another article states a
figure of the same kind and the question names no place or year, in which case each figure is labelled
with its source.
"""

from __future__ import annotations

import re

from assistant.evidence import Evidence
from assistant.figures import NUMERIC_KINDS, states_figure, years_in
from assistant.grounding import places_in
from assistant.numbers import iter_numbers
from assistant.query import Query
from ingestion import normalize_text
from ingestion.models import Paragraph

_TRAILING = "。；;，,、 "
_TITLE_NOISE = re.compile(r"\s*(第?[0-9一二三四五六七八九十]+篇|篇[0-9一二三四五六七八九十]+)\s*$|[0-9]+")
EXTRA_RATIO = 0.5  # an extra sentence must be at least this likely relative to the best
SCOPED_RATIO = 0.9  # a figure from another article is listed only when nearly as likely as the best


def _same_article(a: Paragraph, b: Paragraph) -> bool:
    return (a.source_file, a.article_index) == (b.source_file, b.article_index)


def scope_label(e: Evidence) -> str:
    """Where a figure comes from: its article title without digits, plus a place the sentence states
    (else the paragraph's scope place: two articles may share a title) and a year the sentence states
    (a label never adds a number or a place the cited paragraph's scope does not give)."""
    title = _TITLE_NOISE.sub("", e.paragraph.article_title).strip() or "另一份材料"
    s = normalize_text(e.sentence)
    place = sorted(places_in(s))[:1] or list(e.paragraph.places[:1])
    extra = place + [f"{y}年" for y in sorted(years_in(s))[:1]]
    return f"《{title}》" + (f"（{'，'.join(extra)}）" if extra else "")


def _states_kind(e: Evidence, q: Query) -> bool:
    return q.kind is None or q.kind not in NUMERIC_KINDS or states_figure(normalize_text(e.sentence), q.kind)


def _names_measure(e: Evidence, q: Query) -> bool:
    """The sentence names the asked measure (管理率), when the question asks one: 体检率86% is another
    figure, not the same figure from another place."""
    s = normalize_text(e.sentence)
    return not q.measures or any(m in s for m in q.measures)


def _one_per_listed_item(evidence: list[Evidence], q: Query) -> list[Evidence]:
    """ "省财政和区财政各补多少": the likeliest sentence per listed slot value, each stating the figure."""
    if "各" not in q.norm and "分别" not in q.norm:
        return []
    for slot, terms in q.slots.items():
        if slot == "measure" or len(terms) < 2:
            continue
        picks = []
        for t in sorted(terms, key=q.norm.find):
            match = next(
                (e for e in evidence if t in normalize_text(e.sentence) and _states_kind(e, q)), None
            )
            if match is None:
                return []
            picks.append(match)
        return list(dict.fromkeys(picks))
    return []


def select(evidence: list[Evidence], q: Query) -> tuple[list[Evidence], bool]:
    """The sentences to quote, and whether they are figures of different scopes to be labelled."""
    best = evidence[0]
    floor = EXTRA_RATIO * best.score
    seen = {normalize_text(best.sentence)}

    def fresh(e: Evidence) -> bool:
        key = normalize_text(e.sentence)
        return not any(key in s or s in key for s in seen)

    per_item = _one_per_listed_item([e for e in evidence if e.score >= floor], q)
    if per_item:
        return per_item, False
    chosen = [best]
    if q.parts > 1 and len(set(iter_numbers(best.sentence))) < q.parts:
        for e in evidence[1:8]:
            if len(chosen) >= q.parts or e.score < floor:
                break
            if fresh(e) and _same_article(e.paragraph, best.paragraph) and iter_numbers(e.sentence):
                chosen.append(e)
                seen.add(normalize_text(e.sentence))
        return chosen, False
    if q.kind not in NUMERIC_KINDS or q.places or q.years or not _states_kind(best, q):
        return chosen, False
    for e in evidence[1:4]:  # an almost equally likely figure of the same kind from another article
        if e.score < SCOPED_RATIO * best.score:
            break
        if (
            fresh(e)
            and not _same_article(e.paragraph, best.paragraph)
            and _states_kind(e, q)
            and _names_measure(e, q)
        ):
            chosen.append(e)
            seen.add(normalize_text(e.sentence))
    return chosen, len(chosen) > 1


def compose_extractive(evidence: list[Evidence], q: Query) -> tuple[str, list[Paragraph]]:
    """Verbatim sentences of the (non-empty) evidence, marked `[n]`. Nothing is invented."""
    chosen, scoped = select(evidence, q)
    sources: list[Paragraph] = []
    lines: list[str] = []
    for e in chosen:
        if e.paragraph not in sources:
            sources.append(e.paragraph)
        n = sources.index(e.paragraph) + 1
        label = f"{scope_label(e)}：" if scoped else ""
        lines.append(f"{label}{e.sentence.rstrip(_TRAILING)}[{n}]。")
    if scoped:
        lines.insert(0, "不同地区、年份的材料给出的数字不同，请按所在地和年份核对：")
    return "\n".join(lines), sources
