"""Split a web dump into articles and give every unit its outline heading path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from .normalize import normalize_text
from .units import Unit

_SALUTATION_RE = re.compile(r"^(尊敬的.{0,20}|.{1,12}(办|局|委|政府|书记|主任|领导)[:：])$|^尊敬的")
_TITLE_MAX = 40
_DOC_TITLE_RE = re.compile(r"(会议记录|纪要|讲话|发言|实施方案|工作总结|工作计划|情况汇报|调研报告)$")
_SHORT_INTRO = 40
_MIN_UNITS_BEFORE_RESTART = 3  # an intro + salutation may precede an article's first `一、`


@dataclass
class Article:
    """A run of content units belonging to one article of the dump."""

    index: int
    title: str
    units: list[Unit]


def _is_salutation(u: Unit) -> bool:
    """`尊敬的各位领导` / `县脱贫办:` opening a speech or a letter."""
    return bool(_SALUTATION_RE.match(normalize_text(u.text))) and len(u.text) <= 30


def _is_doc_title(u: Unit) -> bool:
    """A numbered line naming a document type (`1、…会议记录`) opens a new piece."""
    h = u.heading
    return h is not None and h.pure and h.level >= 3 and bool(_DOC_TITLE_RE.search(normalize_text(u.text)))


def _top(u: Unit) -> int | None:
    """Number of a level-1 (`一、`) marker, else None."""
    return u.heading.number if u.heading is not None and u.heading.level == 1.0 else None


def _nested_list_start(prev: Unit | None, u: Unit) -> bool:
    """`一、<long sentence>` right under a `三、…` heading is a list inside it, not a restart."""
    return (
        prev is not None
        and prev.heading is not None
        and prev.heading.level == 1.0
        and prev.heading.pure
        and u.heading is not None
        and not u.heading.pure
    )


def _confirmed_restart(units: list[Unit], pos: int) -> bool:
    """A real restart at `一、` is followed by `二、` as the next level-1 marker."""
    for u in units[pos + 1 :]:
        n = _top(u)
        if n is not None:
            return n == 2
    return False


def _backtrack_intro(units: list[Unit], pos: int, floor: int) -> int:
    """Pull one intro paragraph (two if the nearer one is a short lead-in) into the new article."""
    start = pos
    for _ in range(2):
        prev = start - 1
        if prev <= floor or units[prev].heading is not None:
            break
        start = prev
        if len(units[prev].text) >= _SHORT_INTRO:
            break
    return start


def _backtrack_jump(units: list[Unit], pos: int, floor: int) -> int:
    """A level-1 number going backwards: the article began at a `(一)` or after the last heading."""
    i = pos - 1
    while i > floor and _top(units[i]) is None:
        h = units[i].heading
        if h is not None and h.level == 2.0 and h.number == 1:
            return i
        i -= 1
    j = pos
    while j - 1 > floor and units[j - 1].heading is None:
        j -= 1
    return j


def _outline_starts(units: list[Unit], hinted: set[int]) -> list[int]:
    """Article start positions for dumps without markers (outline restarts, salutations)."""
    starts = [0]
    has_body = False
    last_top = 0
    nested_next: int | None = None
    for pos, u in enumerate(units):
        prev = units[pos - 1] if pos else None
        new_at: int | None = None
        n = _top(u)
        if (pos in hinted and pos != starts[-1]) or ((_is_salutation(u) or _is_doc_title(u)) and has_body):
            new_at = pos
        elif n is not None:
            if nested_next is not None and n == nested_next:
                nested_next += 1
                n = None
            elif n == 1 and _nested_list_start(prev, u):
                nested_next = 2
                n = None
            elif (
                n == 1
                and has_body
                and (last_top or pos - starts[-1] >= _MIN_UNITS_BEFORE_RESTART)
                and _confirmed_restart(units, pos)
            ):
                new_at = _backtrack_intro(units, pos, starts[-1])
            elif n >= 2 and last_top and n < last_top:
                new_at = _backtrack_jump(units, pos, starts[-1])
            else:
                nested_next = None
        if new_at is not None and new_at > starts[-1]:
            starts.append(new_at)
            has_body = pos > new_at
            last_top = 0
            nested_next = None
        if n is not None:
            last_top = n
        has_body = has_body or u.heading is None or not u.heading.pure
    return starts


def _first_heading_title(units: list[Unit]) -> str:
    for u in units:
        if u.heading is not None:
            return u.heading.title
    return units[0].text[:_TITLE_MAX] if units else ""


def split_articles(units: list[Unit]) -> list[Article]:
    """Group content units into articles using markers, start hints or outline restarts."""
    markers = [i for i, u in enumerate(units) if u.kind == "marker"]
    content: list[Unit] = []
    starts: list[int] = []
    titles: dict[int, str] = {}
    if len(markers) >= 2:
        preamble = [u for u in units[: markers[0]] if u.kind == "body" and len(u.text) <= 30]
        doc_title = preamble[-1].text if preamble else ""
        for u in units[markers[0] :]:
            if u.kind == "marker":
                starts.append(len(content))
                title = u.title if len(u.title) > 4 else f"{doc_title} {u.title}".strip()
                titles[len(content)] = title
            elif u.kind in ("body", "reset"):
                content.append(u)
        starts = sorted({s for s in starts if s < len(content)})
    else:
        hinted: set[int] = set()
        for u in units:
            if u.kind == "hint":
                hinted.add(len(content))
                if u.title:
                    titles[len(content)] = u.title
            elif u.kind in ("body", "reset"):
                content.append(u)
        starts = _outline_starts(content, hinted)
    articles: list[Article] = []
    bounds = [*starts, len(content)]
    for a, b in pairwise(bounds):
        chunk = content[a:b]
        if not any(u.kind == "body" for u in chunk):
            continue
        title = titles.get(a) or _first_heading_title([u for u in chunk if u.kind == "body"])
        articles.append(Article(len(articles), title, chunk))
    return articles


def assign_paths(article: Article) -> list[tuple[Unit, tuple[str, ...], bool]]:
    """(unit, heading_path, is_heading) for the body units of one article."""
    stack: list[tuple[float, str]] = []
    out: list[tuple[Unit, tuple[str, ...], bool]] = []
    nested_next: int | None = None
    prev: Unit | None = None
    for u in article.units:
        if u.kind == "reset":
            stack.clear()
            nested_next = None
            prev = None
            continue
        h = u.heading
        if h is None:
            out.append((u, tuple(t for _, t in stack), False))
            prev = u
            continue
        level = h.level
        if h.level == 1.0:
            if nested_next is not None and h.number == nested_next:
                level, nested_next = 1.5, nested_next + 1
            elif h.number == 1 and _nested_list_start(prev, u):
                level, nested_next = 1.5, 2
            else:
                nested_next = None
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = tuple(t for _, t in stack)
        stack.append((level, h.title))
        if h.pure:
            out.append((u, parent, True))
        else:
            out.append((u, (*parent, h.title), False))
        prev = u
    return out
