"""Human titles for documents and articles, so nobody has to read a file name or an offset.

A document's title comes from its own text: a short title line near the top (`健康扶贫工作简报范文`),
else the title carried by its first article marker (`…情况汇报篇一`), else the blurb that names what it
collects (`整理的12篇村委就业工作计划`, `这篇…的总结范文`). An admin can override it per file; the
overrides live in a small JSON file next to the corpus (`.titles.json`, a dot file, so it is never
ingested) and win everywhere.

An article's display title is its own title where the text has one, with the document title and bare
`篇1` markers folded into `第1篇`; an article "titled" by its first outline heading has no title of its own.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

from .cleaning import PINYIN_RE
from .models import Paragraph
from .normalize import normalize_text
from .units import _classify, _line_spans

log = logging.getLogger(__name__)

TITLES_FILE = ".titles.json"
MAX_TITLE_CHARS = 60
_HEAD_CHARS = 4000  # titles sit at the top; never scan a whole document for one
_HEAD_UNITS = 8
_LINE_MAX = 40
_NOT_TITLE = re.compile(r"[。，,；;:：！？!?>›|]|https?://|www\.|\d{4}-\d{2}-\d{2}")
_GENERIC_SUFFIX = re.compile(
    r"(?:优秀|精选|通用|参考)?(?:范文|模板|例文|大全|汇编)(?:\d+篇|[一二三四五六七八九十]+篇)?$"
)
_BLURB = (
    re.compile(r"这篇(?P<t>[^，,。；;]{2,60}?)(?:范文|的范文)"),
    re.compile(
        r"(?:整理|收集|汇集|精选|搜集)(?:了|的)?(?:\d+|[一二三四五六七八九十]+)篇(?P<t>[^，,。；;“”]{2,40}?)(?:范文|，|,|。|$)"
    ),
)
_BARE_MARKER = re.compile(
    r"^(?:第\s*(?P<a>\d+|[一二三四五六七八九十]+)\s*篇|篇\s*(?P<b>\d+|[一二三四五六七八九十]+))$"
)
_MARKER_TAIL = re.compile(
    r"\s*(?:第\s*(?:\d+|[一二三四五六七八九十]+)\s*篇|篇\s*(?:\d+|[一二三四五六七八九十]+))$"
)


def clean_title(text: str) -> str:
    """One line, no control characters, at most MAX_TITLE_CHARS."""
    line = " ".join("".join(ch for ch in text if ch.isprintable() or ch == " ").split())
    return line.lstrip("#＃ ").strip()[:MAX_TITLE_CHARS]


def _strip_generic(title: str) -> str:
    stripped = _GENERIC_SUFFIX.sub("", title).strip()
    return stripped if len(stripped) >= 2 else title


def _title_line(text: str) -> bool:
    return 4 <= len(text) <= _LINE_MAX and not _NOT_TITLE.search(text)


def document_title(text: str) -> str:
    """The document's own title, or "" when its text has none (see the module docstring)."""
    head_text = text[:_HEAD_CHARS]
    units = [_classify(head_text, a, b) for a, b in _line_spans(head_text)]  # lines, before any merging
    head = [u for u in units if u.kind != "drop"][:_HEAD_UNITS]
    for u in head:
        if u.kind == "marker":
            break
        if u.kind == "body" and u.heading is None and _title_line(u.text):
            return clean_title(_strip_generic(u.text))
        if u.kind == "body" and (u.heading is not None or len(u.text) > 2 * _LINE_MAX):
            break  # the body has begun
    marker = next((u for u in head if u.kind == "marker"), None)
    if marker is not None:
        title = _MARKER_TAIL.sub("", marker.title).strip()
        if len(title) >= 4:
            return clean_title(_strip_generic(title))
    for u in units[: 2 * _HEAD_UNITS]:  # blurbs are often dropped as boilerplate: read them anyway
        raw = normalize_text(PINYIN_RE.sub("", text[u.start : u.end]))  # cleaning drops editors' blurbs
        for pattern in _BLURB:
            m = pattern.search(u.text) or pattern.search(raw)
            if m and len(m.group("t").strip()) >= 4:
                return clean_title(_strip_generic(m.group("t").strip()))
    return ""


def article_label(raw: str, doc_title: str, own_headings: Iterable[str]) -> str:
    """Display title of one article: "" when it only repeats the document title or a heading."""
    title = raw.strip()
    if doc_title and title.startswith(doc_title):
        title = title[len(doc_title) :].strip(" —-·:：")
    m = _BARE_MARKER.match(normalize_text(title))
    if m:
        return f"第{m.group('a') or m.group('b')}篇"
    if not title or title == doc_title or title in set(own_headings):
        return ""
    return clean_title(_strip_generic(title))


def article_labels(paragraphs: Iterable[Paragraph], doc_title: str) -> list[str]:
    """Display titles of a file's articles, indexed by `article_index`; in a file of several articles,
    one without a title of its own is called by its number (第3篇)."""
    raw: dict[int, str] = {}
    headings: dict[int, set[str]] = {}
    for p in paragraphs:
        raw.setdefault(p.article_index, p.article_title)
        seen = headings.setdefault(p.article_index, set())
        seen.update(p.heading_path)
        if p.is_heading:
            seen.add(p.text)
    size = max(raw, default=-1) + 1
    labels = [article_label(raw.get(i, ""), doc_title, headings.get(i, ())) for i in range(size)]
    if size > 1:
        labels = [label or f"第{i + 1}篇" for i, label in enumerate(labels)]
    return labels


def fallback_title(source_file: str) -> str:
    """When a text names nothing: the file name without directory and suffix."""
    return Path(source_file).stem


def location(doc_title: str, article: str, heading_path: Iterable[str]) -> str:
    """文件标题 › 篇名 › 章节, without repeats."""
    parts: list[str] = []
    for part in (doc_title, article, *heading_path):
        part = part.strip()
        if part and part not in parts:
            parts.append(part)
    return " › ".join(parts)


# ---- admin overrides ---------------------------------------------------------------------------


def load_overrides(corpus_dir: Path) -> dict[str, str]:
    """File name -> title set by an admin; a missing or broken file means no overrides."""
    path = Path(corpus_dir) / TITLES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): clean_title(str(v)) for k, v in data.items() if isinstance(v, str) and clean_title(v)}


def save_override(corpus_dir: Path, source_file: str, title: str | None) -> dict[str, str]:
    """Set (or with an empty title, clear) one file's title; written atomically."""
    overrides = load_overrides(corpus_dir)
    title = clean_title(title or "")
    if title:
        overrides[source_file] = title
    else:
        overrides.pop(source_file, None)
    path = Path(corpus_dir) / TITLES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TITLES_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(overrides, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return overrides


__all__ = [
    "TITLES_FILE",
    "article_label",
    "article_labels",
    "clean_title",
    "document_title",
    "fallback_title",
    "load_overrides",
    "location",
    "save_override",
]
