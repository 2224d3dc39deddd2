"""Display-text cleaning with a char map back to the source, plus page-boilerplate detection."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .mojibake import repair_mojibake
from .normalize import normalize_text

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_SYLLABLE = rf"[a-zA-Z{_TONED}]*[{_TONED}][a-zA-Z{_TONED}]*"
# A pinyin gloss: one or more toned syllables in ASCII or full-width parens, glued to the
# preceding character. Requiring a tone mark keeps `(10KV(千伏)`, `(一)`, `(xx)` intact.
PINYIN_RE = re.compile(rf"(?<=[^\s(（])[(（]{_SYLLABLE}(?:[ '·]?{_SYLLABLE})*[)）]")
# Page-break notes and paywall teasers that sit inside a sentence.
INLINE_NOISE_RE = re.compile(
    r"[(（](?:下转|上接|下轉|上接)第?\s*\d+\s*[页頁][)）]"
    r"|當前隱藏內容免費查看[,，]?|当前隐藏内容免费查看[,，]?"
    r"|下面(?:就)?(?:是)?小[编編][^\n]*"  # editor's sign-off glued to the end of a line
)
_SPACE_RE = re.compile(r"\s+")
_CJK = r"\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_CJK_CHAR_RE = re.compile(rf"[{_CJK}]")
_LINEBREAK_RE = re.compile(r"[ \t\r\f\v\u3000]*\n\s*")


@dataclass(frozen=True)
class Cleaned:
    """Display text and, for each display character, its offset in the source text."""

    text: str
    offsets: tuple[int, ...]
    repaired: int = 0  # mojibake runs repaired
    noisy: bool = False  # still carries likely mojibake

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Source span [start, end) covering display characters [a, b)."""
        if not self.offsets or a >= b:
            return (self.offsets[0], self.offsets[0]) if self.offsets else (0, 0)
        return self.offsets[a], self.offsets[b - 1] + 1


def _sub(
    text: str,
    offsets: list[int],
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
) -> tuple[str, list[int]]:
    """re.sub that keeps the char map: inserted chars map to the match start."""
    out: list[str] = []
    out_offsets: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(text[pos : m.start()])
        out_offsets.extend(offsets[pos : m.start()])
        new = repl(m)
        if new:
            anchor = offsets[m.start()] if m.start() < len(offsets) else offsets[-1]
            out.append(new)
            out_offsets.extend([anchor] * len(new))
        pos = m.end()
    out.append(text[pos:])
    out_offsets.extend(offsets[pos:])
    return "".join(out), out_offsets


def _join_lines(m: re.Match[str]) -> str:
    """Joined source lines: no gap between Chinese characters, one space between words."""
    before = m.string[m.start() - 1 : m.start()]
    after = m.string[m.end() : m.end() + 1]
    return "" if _CJK_CHAR_RE.match(before) or _CJK_CHAR_RE.match(after) else " "


def clean_span(source: str, start: int, end: int) -> Cleaned:
    """Clean source[start:end] for display; offsets are absolute positions in `source`."""
    text = source[start:end]
    offsets = list(range(start, end))
    text, offsets, repaired, noisy = repair_mojibake(text, offsets)
    text, offsets = _sub(text, offsets, PINYIN_RE, lambda m: "")
    text, offsets = _sub(text, offsets, INLINE_NOISE_RE, lambda m: "")
    text, offsets = _sub(text, offsets, _LINEBREAK_RE, _join_lines)
    text, offsets = _sub(text, offsets, _SPACE_RE, lambda m: " ")
    lead = len(text) - len(text.lstrip())
    trail = len(text.rstrip())
    return Cleaned(text[lead:trail], tuple(offsets[lead:trail]), repaired, noisy)


# Lines that are page furniture, matched against normalize_text(display text).
_BOILERPLATE_PATTERNS = (
    r"^时间[:：]\s*\d{4}-\d{1,2}-\d{1,2}",
    r"^(导语|开篇|導語|開篇|阅读提示|更新时间|热度|推荐度|相关文章|相关范文)\s*[:：]?",
    r"^关键词.{0,2}$",
    r"^栏目$|^分类查询入口$|^一键复制$|^点击下载文档$|^将本文的word文档下载",
    r"^\S+\s*>\s*\S+\s*>\s*\S+",  # breadcrumbs "站点 > 栏目 > 页面"
    r"^《[^》]{1,60}\.docx?》$",
    r"^【本文地址",
    r"全文内容当前网页未完全显示",
    r"^结合当前工作需要.{0,4}的会员",
    r"^很有文采",
    r"^【正文】$",
)
_BOILERPLATE_RE = re.compile("|".join(f"(?:{p})" for p in _BOILERPLATE_PATTERNS), re.IGNORECASE)


def is_boilerplate(display: str) -> bool:
    """True for site chrome and editors' blurbs that carry no policy content."""
    norm = normalize_text(display)
    return not norm or bool(_BOILERPLATE_RE.search(norm))
