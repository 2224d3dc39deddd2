"""Text folding and number extraction, shared by the grounding checker and the eval metrics.

The gold set compares strings "after folding traditional -> simplified, full-width -> half-width, and
removing spaces"; `fold` is exactly that, nothing more, so that a metric never passes because of a
normalization the README does not promise. Numbers are compared by value (`extract_numbers`) so that
`百分之九十`, `90％` and `90%` are one number, and `170萬元` equals `1700000元`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import opencc

_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_INVISIBLE = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    """One converter per process: building it loads dictionaries (slow)."""
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=8192)
def fold(s: str) -> str:
    """Traditional -> simplified, full-width -> half-width (incl. `％`), all whitespace removed."""
    s = s.translate(_WIDTH_TABLE)
    s = _t2s().convert(s)
    return "".join(s.split()).translate(_INVISIBLE)


# --- numbers -------------------------------------------------------------------------------------

_CN_DIGIT = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
_CN_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10**4, "亿": 10**8}
_CN_CHARS = "".join(_CN_DIGIT) + "".join(_CN_SMALL) + "".join(_CN_BIG)
_CN_DIGIT_CHARS = "".join(_CN_DIGIT)
_CN_NUM = f"[{_CN_CHARS}]+(?:点[{_CN_DIGIT_CHARS}]+)?"
_AR_NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?"
_AR_UNIT = {"亿": 10**8, "千万": 10**7, "百万": 10**6, "万": 10**4, "千": 1000}

# A lone Chinese digit is a number only before a measure word: `一般`, `统一`, `五保`, `两不愁` are not.
_MEASURE = set("个名人次种元年月日号岁项户家倍天周类台所条批级位例床张件份期届轮成")
# Words made of numeral characters that are not numbers.
_NOT_NUMBERS = ("百分点", "百分比", "十分", "万一", "千万不", "一些", "一起", "一直", "一定")

_NUMBER_RE = re.compile(
    rf"百分之(?P<pct_ar>\d+(?:\.\d+)?)"
    rf"|百分之(?P<pct_cn>{_CN_NUM})"
    rf"|(?<![\d.])(?P<ar>{_AR_NUM})(?P<unit>亿|千万|百万|万|千)?(?P<ar_pct>%)?"
    rf"|(?P<cn>{_CN_NUM})(?P<cn_pct>%)?"
)
_CITATION_MARK = re.compile(r"\[\d+(?:[,、\-]\d+)*\]")


def _cn_int(s: str) -> int | None:
    """Value of a Chinese integer numeral (`十二`, `一千五百`, `三万五`, `二〇一八`)."""
    if not s:
        return None
    if all(ch in _CN_DIGIT for ch in s):
        return int("".join(str(_CN_DIGIT[ch]) for ch in s))
    total = section = number = 0
    prev_unit = 0  # unit just before the trailing digit, for colloquial `一千五` = 1500
    zero_seen = False
    for ch in s:
        if ch in _CN_DIGIT:
            number = _CN_DIGIT[ch]
            zero_seen = zero_seen or number == 0
        elif ch in _CN_SMALL:
            section += (number or 1) * _CN_SMALL[ch]
            number, prev_unit, zero_seen = 0, _CN_SMALL[ch], False
        else:  # 万 / 亿
            unit = _CN_BIG[ch]
            if unit > 10**4:
                total = (total + section + number) * unit
            else:
                total += (section + number) * unit
            section = number = 0
            prev_unit, zero_seen = unit, False
    if number and prev_unit >= 100 and not zero_seen and s[-1] in _CN_DIGIT and s[-2] not in _CN_DIGIT:
        number *= prev_unit // 10
    return total + section + number


def _cn_value(s: str) -> Decimal | None:
    """Chinese numeral with optional `点` decimals (`三点五` = 3.5)."""
    head, _, tail = s.partition("点")
    whole = _cn_int(head)
    if whole is None:
        return None
    if tail:
        return Decimal(f"{whole}.{''.join(str(_CN_DIGIT[ch]) for ch in tail)}")
    return Decimal(whole)


def _canon(value: Decimal, percent: bool) -> str:
    """Canonical text of a value: no exponent, no trailing zeros; `%` kept, it changes the meaning."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + ("%" if percent else "")


def _is_chinese_number(run: str, following: str) -> bool:
    """Filter out numeral characters used as words (`一般`, `五保`, bare `万`)."""
    if not any(ch in _CN_DIGIT for ch in run.partition("点")[0]):
        return run.startswith(("十", "拾"))  # `十项` is 10; a bare `万`/`千` is not a number
    if len(run) == 1:
        return following[:1] in _MEASURE
    return True


def iter_numbers(text: str) -> list[str]:
    """Numbers of `text` as canonical strings, in order of appearance (folds `text` first)."""
    s = _CITATION_MARK.sub(" ", fold(text))
    for word in _NOT_NUMBERS:
        s = s.replace(word, " " * len(word))
    out: list[str] = []
    for m in _NUMBER_RE.finditer(s):
        try:
            if m.group("pct_ar"):
                out.append(_canon(Decimal(m.group("pct_ar")), True))
            elif m.group("pct_cn"):
                value = _cn_value(m.group("pct_cn"))
                if value is not None:
                    out.append(_canon(value, True))
            elif m.group("ar"):
                value = Decimal(m.group("ar").replace(",", ""))
                if m.group("unit"):
                    value *= _AR_UNIT[m.group("unit")]
                out.append(_canon(value, bool(m.group("ar_pct"))))
            else:
                run = m.group("cn")
                if _is_chinese_number(run, s[m.end("cn") :]):
                    value = _cn_value(run)
                    if value is not None:
                        out.append(_canon(value, bool(m.group("cn_pct"))))
        except (InvalidOperation, KeyError, ValueError):  # pragma: no cover - defensive
            continue
    return out


def extract_numbers(text: str) -> set[str]:
    """Set of canonical numbers in `text` (`90%`, `1500`, `2346.37万` -> `23463700`); `[n]` ignored."""
    return set(iter_numbers(text))


def ungrounded_numbers(answer_text: str, cited_texts: list[str] | tuple[str, ...]) -> list[str]:
    """Numbers of the answer found in none of its cited paragraphs: the likely hallucinated figures."""
    grounded: set[str] = set()
    for text in cited_texts:
        grounded |= extract_numbers(text)
    seen: set[str] = set()
    missing: list[str] = []
    for number in iter_numbers(answer_text):
        if number not in grounded and number not in seen:
            seen.add(number)
            missing.append(number)
    return missing
