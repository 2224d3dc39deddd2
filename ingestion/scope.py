"""Scope metadata: the places and years a paragraph's figures belong to, so questions can prefer them.

The same figure differs between counties and years; a paragraph inherits the scope named in its article
title, the article's opening lines (the blurb) and its heading path, and adds what it names itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from typing import Any

from .gazetteer import counties_named, townships_in
from .models import Chunk, Paragraph
from .normalize import normalize_text
from .segment import pos_words

_SUFFIXES = ("县", "市", "区", "旗", "镇", "乡", "村", "州", "省", "苏木", "卫生院", "村委会", "社区")
_ADMIN_END = re.compile(r"(?:县|市|区|旗|镇|乡|州|省|苏木|卫生院|村委会)$")
# Generic words that end like a place but name none (`全县`, `各乡镇`, `城市`, `山区`).
_GENERIC_HEAD = set("全本该我各每此其两该某一二三四五六七八九十省市县区乡镇村")
_GENERIC = {
    "城市",
    "城镇",
    "山区",
    "新区",
    "镇区",
    "城区",
    "社区",
    "地区",
    "辖区",
    "景区",
    "园区",
    "厂区",
    "乡镇",
}
_VERB_HEADS = ("申报", "特邀", "边远", "满族", "回族", "周边", "沿海", "西北", "东北", "西南")
_PLACEHOLDER_RE = re.compile(r"(?<![A-Za-z])([Xx]{2,4}(?:村委会|村|镇|乡|县|市|区))")
_YEAR_RE = re.compile(r"(?<!\d)((?:19[89]|20[0-4])\d)\s*(?:年|年度)")
_BLURB_UNITS = 2  # an article's first lines usually say whose report it is


def _plausible(name: str) -> bool:
    return (
        len(name) >= 3
        and name not in _GENERIC
        and name[0] not in _GENERIC_HEAD
        and bool(_ADMIN_END.search(name))
        and "的" not in name
        and not name.endswith("地区")
        and not name.startswith(_VERB_HEADS)
    )


def extract_places(text: str) -> tuple[str, ...]:
    """Named places and institutions (`湖口县`, `小屯卫生院`, `XXX村委会`), in order, without repeats."""
    s = normalize_text(text)
    found: list[str] = [m.group(1) for m in _PLACEHOLDER_RE.finditer(s)]
    toks = pos_words(s)
    for i, (word, flag) in enumerate(toks):
        nxt = toks[i + 1][0] if i + 1 < len(toks) else ""
        if flag in {"ns", "nr", "nz", "nrt"} and nxt in _SUFFIXES and nxt != "社区":
            name = word + nxt
        elif flag == "ns":
            name = word
        else:
            continue
        if _plausible(name):
            found.append(name)
    return tuple(dict.fromkeys(found))


def extract_years(text: str) -> tuple[int, ...]:
    """Four-digit years written as `2019年` / `2020年度`."""
    return tuple(dict.fromkeys(int(m.group(1)) for m in _YEAR_RE.finditer(normalize_text(text))))


def _merge(*parts: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(x for part in parts for x in part))


def assign_scope(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Fill `places`/`years`: the paragraph's own and its heading path's, plus its article's scope."""
    article_scope: dict[tuple[str, int], tuple[tuple[str, ...], tuple[int, ...]]] = {}
    by_article: dict[tuple[str, int], list[Paragraph]] = {}
    for p in paragraphs:
        by_article.setdefault((p.source_file, p.article_index), []).append(p)
    own: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
    for p in paragraphs:
        text = " ".join([*p.heading_path, p.text])
        own[p.id] = (extract_places(text), extract_years(text))
    for key, members in by_article.items():
        head = " ".join([members[0].article_title, *(p.text for p in members[:_BLURB_UNITS])])
        # A report is about one place: every place it names scopes all of it; years only from its opening.
        places = _merge(extract_places(head), *(own[p.id][0] for p in members))
        towns = townships_in(normalize_text(" ".join(p.text for p in members)))
        places = _merge(places, counties_named([*places, *towns]))  # the county whose townships it names
        article_scope[key] = (places, extract_years(head))
    out: list[Paragraph] = []
    for p in paragraphs:
        a_places, a_years = article_scope[(p.source_file, p.article_index)]
        places = _merge(own[p.id][0], a_places)
        years = _merge(own[p.id][1], a_years)
        out.append(replace(p, places=places, years=years))
    return out


def scope_chunks(chunks: list[Chunk], paragraphs: list[Paragraph]) -> list[Chunk]:
    """A chunk's scope is the union of its paragraphs' scopes."""
    by_id = {p.id: p for p in paragraphs}
    out: list[Chunk] = []
    for c in chunks:
        members = [by_id[i] for i in c.paragraph_ids if i in by_id]
        places = _merge(*(p.places for p in members))
        years = _merge(*(p.years for p in members))
        out.append(replace(c, places=places, years=years))
    return out


@lru_cache(maxsize=1 << 14)
def place_stem(name: str) -> str:
    """The name without its admin suffix when that is still a name (2+ CJK characters), else ""."""
    stem = _ADMIN_END.sub("", name)
    return stem if len(stem) >= 2 and not stem.isascii() else ""


def question_scope(question: str, known_places: Iterable[str]) -> tuple[set[str], set[int]]:
    """Places of the index named in the question (full name or name without its suffix) and its years."""
    q = normalize_text(question)
    places: set[str] = set()
    for name in known_places:
        stem = place_stem(name)
        if name in q or (stem and stem in q):
            places.add(name)
    return places, set(extract_years(q)) | {int(y) for y in re.findall(r"(?<!\d)(20[0-4]\d)(?!\d)", q)}
