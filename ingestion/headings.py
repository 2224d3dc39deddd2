"""Recognise outline markers (`一、` > `(一)` > `1.` > `(1)`) at the start of a line."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "一二三四五六七八九十"
_PURE_MAX = 35
_TITLE_MAX = 40
_TRAILING_PUNCT = "。.:：;；,，、 "

# (level, regex) pairs; group 1 is the number. Checked in order.
_MARKERS: tuple[tuple[float, re.Pattern[str]], ...] = (
    (2.0, re.compile(rf"^[(（]([{_CN}]{{1,3}})[)）][、.．]?")),
    (1.0, re.compile(rf"^([{_CN}]{{1,3}})[、．]")),
    (3.0, re.compile(rf"^第([{_CN}]{{1,3}})[、,，]")),
    (4.0, re.compile(r"^[(（](\d{1,2})[)）][、.．]?")),
    (4.0, re.compile(r"^([⑴-⒇①-⑳])")),
    (3.0, re.compile(r"^([⒈-⒛])")),
    (3.0, re.compile(r"^(\d{1,2})(?:[、．]|\.(?![\d]))")),
)
_DOTTED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})(?=[^\d.%])")
_SENTENCE_END = re.compile(r"[。；;！？!?]")
_TITLE_END = re.compile(r"[。；;:：！？!?]")


@dataclass(frozen=True)
class Heading:
    """An outline marker found at the start of a paragraph."""

    level: float  # 1 = `一、`, 2 = `(一)`, 3 = `1.` (3.1 for `1.1`), 4 = `(1)`
    number: int
    title: str  # short label used in heading paths
    pure: bool  # the whole paragraph is a heading (not a long numbered sentence)


def cn_number(s: str) -> int:
    """Value of a small Chinese numeral (一..九十九) or a circled/ASCII digit string."""
    if s.isascii() and s.isdigit():
        return int(s)
    if len(s) == 1 and ("⑴" <= s <= "⒇"):
        return ord(s) - ord("⑴") + 1
    if len(s) == 1 and ("①" <= s <= "⑳"):
        return ord(s) - ord("①") + 1
    if len(s) == 1 and ("⒈" <= s <= "⒛"):
        return ord(s) - ord("⒈") + 1
    if "十" in s:
        tens, _, units = s.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(units, 0)
    return _CN_DIGITS.get(s, 0)


def _title(text: str, pure: bool) -> str:
    """Short label: the whole heading, or a long item's lead phrase up to its first stop."""
    if not pure:
        m = _TITLE_END.search(text, 0, _TITLE_MAX + 1)
        if m and m.start() > 2:
            text = text[: m.start()]
        else:
            comma = re.search(r"[,，]", text[:_TITLE_MAX])
            text = text[: comma.start()] if comma and comma.start() > 4 else text[:_TITLE_MAX]
    return text.rstrip(_TRAILING_PUNCT) or text


def is_pure(text: str) -> bool:
    """A heading line: short, and no sentence break before its final character."""
    return len(text) <= _PURE_MAX and not _SENTENCE_END.search(text[:-1])


def parse_heading(text: str) -> Heading | None:
    """Heading info when `text` opens with an outline marker, else None."""
    text = text.strip()
    for level, pattern in _MARKERS:
        m = pattern.match(text)
        if m:
            number = cn_number(m.group(1))
            if number <= 0:
                return None
            pure = is_pure(text)
            return Heading(level, number, _title(text, pure), pure)
    m = _DOTTED.match(text)
    if m and is_pure(text):
        parts = [int(x) for x in m.group(1).split(".")]
        if all(0 < x <= 20 for x in parts):
            return Heading(3.0 + 0.1 * (len(parts) - 1), parts[-1], _title(text, True), True)
    return None


def marker_only(text: str) -> bool:
    """True for a line holding just an outline marker (e.g. `三、`), split from its title."""
    h = parse_heading(text)
    return (
        h is not None
        and len(text.strip().rstrip("。")) <= 4
        and not re.search(r"[\u4e00-\u9fff]{2}", text[1:].strip("、.．()（）"))
    )
