"""Text folding shared by indexing and querying: one script, half-width forms, tidy spaces."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import opencc

_WS_RE = re.compile(r"\s+")

# Full-width ASCII block (U+FF01..U+FF5E) maps onto U+0021..U+007E; ideographic space -> space.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_FULLWIDTH[0xFE6A] = ord("%")  # small percent sign
_FOLD_TABLE = str.maketrans(_FULLWIDTH)


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    """Build the OpenCC converter once; construction loads dictionaries and is slow."""
    return opencc.OpenCC("t2s")


def to_simplified(s: str) -> str:
    """Traditional -> simplified Chinese (OpenCC t2s); other characters pass through."""
    return _converter().convert(s) if s else s


def fold_width(s: str) -> str:
    """Fold full-width ASCII letters, digits, punctuation and `％` to half-width."""
    return s.translate(_FOLD_TABLE)


# Questions fold the same corpus sentences again and again: short texts are folded once per process.
_CACHED_CHARS = 1024


def normalize_text(s: str) -> str:
    """Canonical form for search: simplified script, half-width forms, single spaces."""
    if not s:
        return ""
    return _normalize_cached(s) if len(s) <= _CACHED_CHARS else _normalize(s)


def _normalize(s: str) -> str:
    return _WS_RE.sub(" ", to_simplified(fold_width(s))).strip()


_normalize_cached = lru_cache(maxsize=1 << 16)(_normalize)


def fold_for_match(s: str) -> str:
    """normalize_text without any whitespace: used to compare answer strings loosely."""
    return _WS_RE.sub("", normalize_text(s))


# --- retrieval form (issue 3): numbers and synonyms folded, for BM25 and query matching only ---
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "[零〇一二两三四五六七八九十百千]"
_PERCENT_RE = re.compile(rf"百分之({_CN_NUM}+(?:点[零〇一二三四五六七八九]+)?|\d+(?:\.\d+)?)")
# A multi-character Chinese numeral before a measure word (`二十一种`, `三百元`); a lone `一` is a word.
_MEASURED_RE = re.compile(rf"({_CN_NUM}{{2,}}|十)(?=[个名人次种元户项家倍天岁所条批位例张件台万亿%])")


def _cn_int(s: str) -> int:
    """Value of a Chinese integer below 10,000 (`二十一`, `三百零五`, `十`, `二〇二〇`)."""
    if all(ch in _CN_DIGITS for ch in s):
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    total = number = 0
    for ch in s:
        if ch in _CN_DIGITS:
            number = _CN_DIGITS[ch]
        else:
            total += (number or 1) * _CN_UNITS[ch]
            number = 0
    return total + number


def _cn_number(s: str) -> str:
    if s[0].isdigit():
        return s
    whole, _, frac = s.partition("点")
    value = str(_cn_int(whole))
    return value + ("." + "".join(str(_CN_DIGITS[c]) for c in frac) if frac else "")


def fold_numbers(s: str) -> str:
    """`百分之九十` -> `90%`, `二十一种` -> `21种`: one spelling per figure so BM25 can match it."""
    s = _PERCENT_RE.sub(lambda m: _cn_number(m.group(1)) + "%", s)
    return _MEASURED_RE.sub(lambda m: _cn_number(m.group(1)), s)


@lru_cache(maxsize=1)
def _synonyms() -> tuple[re.Pattern[str], dict[str, str]]:
    """Load ingestion/data/synonyms.tsv: canonical term, then its variants, tab-separated."""
    mapping: dict[str, str] = {}
    path = Path(__file__).with_name("data") / "synonyms.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        terms = [normalize_text(t) for t in line.split("\t") if t.strip()]
        for t in terms:
            mapping.setdefault(t, terms[0])
    alternatives = sorted(mapping, key=len, reverse=True)  # longest first: canonical forms are not re-split
    return re.compile("|".join(map(re.escape, alternatives))), mapping


def fold_synonyms(s: str) -> str:
    """Replace every synonym variant by its canonical term (`补偿比` -> `报销比例`)."""
    pattern, mapping = _synonyms()
    return pattern.sub(lambda m: mapping[m.group(0)], s)


def search_form(s: str, synonyms: bool = True) -> str:
    """What lexical retrieval compares: normalize_text, then numbers and (optionally) synonyms folded."""
    return _search_form_cached(s, synonyms) if len(s) <= _CACHED_CHARS else _search_form(s, synonyms)


def _search_form(s: str, synonyms: bool) -> str:
    s = fold_numbers(normalize_text(s))
    return fold_synonyms(s) if synonyms else s


_search_form_cached = lru_cache(maxsize=1 << 16)(_search_form)
