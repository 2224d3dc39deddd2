"""The offline default backend: an answer made only of verbatim evidence sentences, each cited.

One sentence answers most questions; more are added only when the question asks several things
(各、分别、several 多少) or when equally strong evidence from another place or year states a figure
of the same kind, in which case each figure is labelled with its scope.
"""

from __future__ import annotations

import re

from assistant.evidence import Evidence, named_slot_terms
from assistant.figures import (
    NUMERIC_KINDS,
    FigureKind,
    question_scope,
    states_figure,
    wanted_figure,
    years_in,
)
from assistant.grounding import places_in
from assistant.numbers import iter_numbers
from ingestion import normalize_text
from ingestion.models import Paragraph

_TRAILING = "。；;，,、 "
_ASK = re.compile(r"多少|几[个台名人家次种月号天]?|哪")
_ITEMS_BEFORE_EACH = re.compile(r"([^，。？?]+?)(?:各|分别)")


def asked_parts(question_norm: str) -> int:
    """How many figures the question asks for: 各/分别 over a list, or several 多少/几."""
    m = _ITEMS_BEFORE_EACH.search(question_norm)
    items = len(re.split(r"[、和与及]", m.group(1))) if m else 1
    return max(1, items, len(_ASK.findall(question_norm)))


def _same_article(a: Paragraph, b: Paragraph) -> bool:
    return (a.source_file, a.article_index) == (b.source_file, b.article_index)


_TITLE_NOISE = re.compile(r"\s*(第?[0-9一二三四五六七八九十]+篇|篇[0-9一二三四五六七八九十]+)\s*$|[0-9]+")


def scope_label(e: Evidence) -> str:
    """Where a figure comes from: its article title without digits, plus a place or year the sentence
    itself states (a label never adds a number or a place the cited text does not give)."""
    title = _TITLE_NOISE.sub("", e.paragraph.article_title).strip() or "另一份材料"
    s = normalize_text(e.sentence)
    extra = sorted(places_in(s))[:1] + [f"{y}年" for y in sorted(years_in(s))[:1]]
    return f"《{title}》" + (f"（{'，'.join(extra)}）" if extra else "")


def figure_near(sentence: str, anchors: list[str], kind: FigureKind, window: int = 16) -> bool:
    """The figure belongs to the asked measure: it sits within a few characters of an anchor term."""
    s = normalize_text(sentence)
    for a in anchors:
        for m in re.finditer(re.escape(a), s):
            if states_figure(s[max(0, m.start() - window // 2) : m.end() + window], kind):
                return True
    return False


def _select(
    evidence: list[Evidence], q: str, kind: FigureKind | None, floor: float, anchors: list[str]
) -> tuple[list[Evidence], bool]:
    best = evidence[0]
    chosen = [best]
    seen = {normalize_text(best.sentence)}
    parts = asked_parts(q)
    places, years = question_scope(q)

    def fresh(e: Evidence) -> bool:
        key = normalize_text(e.sentence)
        return key not in seen and not any(key in s or s in key for s in seen)

    per_item = _one_per_listed_item(evidence, q, kind)
    if per_item:
        return per_item, False
    if parts > 1 and len(set(iter_numbers(best.sentence))) < parts:
        for e in evidence[1:8]:
            if len(chosen) >= parts or e.score < floor:
                break
            if fresh(e) and _same_article(e.paragraph, best.paragraph) and iter_numbers(e.sentence):
                chosen.append(e)
                seen.add(normalize_text(e.sentence))
        return chosen, False
    if (
        kind not in NUMERIC_KINDS
        or places
        or years
        or not anchors
        or not figure_near(best.sentence, anchors, kind)
    ):
        return chosen, False
    for e in evidence[1:4]:  # equally strong figure of the same kind from another article
        if e.score < max(floor, 0.92 * best.score):
            break
        if (
            fresh(e)
            and not _same_article(e.paragraph, best.paragraph)
            and figure_near(e.sentence, anchors, kind)
        ):
            chosen.append(e)
            seen.add(normalize_text(e.sentence))
    return chosen, len(chosen) > 1


def _one_per_listed_item(evidence: list[Evidence], q: str, kind: FigureKind | None) -> list[Evidence]:
    """ "省财政和区财政各补多少": one sentence per listed item (a slot value), each stating the figure;
    items stated side by side in one paragraph are preferred to figures gathered from different places."""
    if "各" not in q and "分别" not in q:
        return []
    for terms in named_slot_terms(q).values():
        if len(terms) < 2:
            continue
        ordered = sorted(terms, key=q.find)
        options = {
            t: [
                e
                for e in evidence
                if t in normalize_text(e.sentence)
                and (kind not in NUMERIC_KINDS or states_figure(normalize_text(e.sentence), kind))
            ]
            for t in ordered
        }
        if not all(options.values()):
            return []
        for e in options[ordered[0]]:  # a paragraph that states every item
            same = [next((o for o in options[t] if o.paragraph == e.paragraph), None) for t in ordered]
            if all(same):
                return list(dict.fromkeys(x for x in same if x is not None))
        return list(dict.fromkeys(options[t][0] for t in ordered))
    return []


def compose_extractive(
    evidence: list[Evidence], min_score: float, question: str = "", anchors: list[str] | None = None
) -> tuple[str, list[Paragraph]] | None:
    """Verbatim sentences marked `[n]`; None when the best is below `min_score`. Nothing is invented."""
    if not evidence or evidence[0].score < min_score:
        return None
    q = normalize_text(question)
    floor = max(min_score, 0.6 * evidence[0].score)
    chosen, scoped = _select(evidence, q, wanted_figure(q), floor, anchors or [])
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
