"""Source lines grouped into candidate paragraphs ("units") before article splitting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .cleaning import Cleaned, clean_span, is_boilerplate
from .headings import Heading, marker_only, parse_heading
from .normalize import normalize_text

_CN = "一二三四五六七八九十"
# Article markers: `篇1`, `…匯報篇一`, `…工作计划 第3篇` (checked on normalized text).
ARTICLE_MARKER_RE = re.compile(
    rf"^(?P<title>.{{0,40}}?)\s*(?:第\s*(?:\d+|[{_CN}]+)\s*篇|篇\s*(?:\d+|[{_CN}]+))$"
)
_SUBARTICLE_RE = re.compile(rf"^【篇[{_CN}\d]+】[。.]?$")
_BLURB_TITLE_RE = re.compile(r"这篇(?P<title>.{2,60}?)(?:范文|的范文)")
_START_HINT_RE = re.compile(r"^(【正文】$|结合当前工作需要.{0,4}的会员|关键词[:：])")
_FRAGMENT_MAX = 8  # display chars; shorter body lines are PDF-extraction debris
_MERGE_CAP = 400  # never grow a merged paragraph beyond this many display chars


@dataclass
class Unit:
    """One candidate paragraph: a source span (one or more lines) and its cleaned text."""

    start: int
    end: int
    cleaned: Cleaned
    kind: str  # body | marker | hint | reset | drop
    heading: Heading | None = None
    title: str = ""  # article title carried by a marker/hint
    level: float = 0.0  # effective outline level (set during article assignment)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.cleaned.text


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, excluding the line break and trailing CR."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            spans.append((pos, end - 1 if line.endswith("\r") else end))
        pos = end + 1
    return spans


def _classify(source: str, start: int, end: int) -> Unit:
    """Clean one line and decide whether it is content, an article signal, or noise."""
    cleaned = clean_span(source, start, end)
    norm = normalize_text(cleaned.text)
    if ARTICLE_MARKER_RE.match(norm) and len(norm) <= 45:
        return Unit(start, end, cleaned, "marker", title=cleaned.text)
    if _SUBARTICLE_RE.match(norm):
        return Unit(start, end, cleaned, "reset")
    if _START_HINT_RE.match(norm):
        m = _BLURB_TITLE_RE.search(cleaned.text) or _BLURB_TITLE_RE.search(norm)
        return Unit(start, end, cleaned, "hint", title=m.group("title") if m else "")
    if not cleaned.text or is_boilerplate(cleaned.text):
        return Unit(start, end, cleaned, "drop")
    return Unit(start, end, cleaned, "body", heading=parse_heading(cleaned.text))


def _merge(source: str, a: Unit, b: Unit) -> Unit:
    """One unit spanning a..b (the source between them is just a line break)."""
    cleaned = clean_span(source, a.start, b.end)
    return Unit(a.start, b.end, cleaned, "body", heading=parse_heading(cleaned.text))


def _should_merge(prev: Unit, cur: Unit) -> bool:
    """Glue split headings (`三、` + title), fragments, and lines broken after a comma."""
    if prev.kind != "body" or cur.kind != "body" or len(prev.text) + len(cur.text) > _MERGE_CAP:
        return False
    if marker_only(prev.text):
        return True
    if cur.heading is not None:
        return False
    if len(cur.text) < _FRAGMENT_MAX and (prev.heading is None or not prev.heading.pure):
        return True
    if prev.heading is None and len(prev.text) < _FRAGMENT_MAX:
        return True
    return prev.heading is None and prev.text[-1] in ",，、"


def build_units(source: str) -> list[Unit]:
    """Classify every line of `source` and merge continuation lines into one unit."""
    units: list[Unit] = []
    for start, end in _line_spans(source):
        unit = _classify(source, start, end)
        if units and _should_merge(units[-1], unit):
            units[-1] = _merge(source, units[-1], unit)
        else:
            units.append(unit)
    return units
